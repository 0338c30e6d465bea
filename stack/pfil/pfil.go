package pfil

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/mbuf"
)

// Verdict is what a hook decided.
type Verdict uint8

// Verdicts, in increasing order of finality.
const (
	Pass     Verdict = iota // continue with the next hook
	Modified                // bytes were rewritten in place; continue, the caller re-parses
	Drop                    // stop; the caller frees the buffer and counts a filter drop
	Consumed                // stop; the hook owns the buffer now
)

func (v Verdict) String() string {
	switch v {
	case Pass:
		return "pass"
	case Modified:
		return "modified"
	case Drop:
		return "drop"
	case Consumed:
		return "consumed"
	}
	return fmt.Sprintf("verdict(%d)", uint8(v))
}

// Dir is the direction of the packet at the hook point.
type Dir uint8

// Directions.
const (
	In Dir = iota
	Out
	Forward
)

func (d Dir) String() string {
	switch d {
	case In:
		return "in"
	case Out:
		return "out"
	}
	return "forward"
}

// Hook inspects b (Bytes() starts at the header of the hook point's layer)
// arriving on or leaving through the interface ifindex.
type Hook func(dir Dir, ifindex int, b *mbuf.Buf) Verdict

// ErrDuplicate means a hook of that name is already on the list.
var ErrDuplicate = errors.New("pfil: a hook with this name is already registered")

// ErrNoHook means Remove found no hook of that name.
var ErrNoHook = errors.New("pfil: no hook with this name")

type entry struct {
	name     string
	priority int
	fn       Hook
}

// Head is an ordered hook list for one hook point. The zero value is an
// empty list ready to use.
type Head struct {
	name  string
	mu    sync.Mutex
	hooks atomic.Pointer[[]entry]
}

// NewHead returns an empty list named after its hook point ("ipv4-in").
func NewHead(name string) *Head { return &Head{name: name} }

// Name is the hook point's name.
func (h *Head) Name() string { return h.name }

// Add inserts fn; lower priority runs first, equal priorities in the order
// they were added.
func (h *Head) Add(name string, priority int, fn Hook) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	var cur []entry
	if p := h.hooks.Load(); p != nil {
		cur = *p
	}
	for _, e := range cur {
		if e.name == name {
			return fmt.Errorf("%w: %q on %s", ErrDuplicate, name, h.name)
		}
	}
	i := len(cur)
	for j, e := range cur {
		if e.priority > priority {
			i = j
			break
		}
	}
	next := slices.Insert(slices.Clone(cur), i, entry{name, priority, fn})
	h.hooks.Store(&next)
	return nil
}

// Remove deletes the hook called name. Packets already inside Run may still
// see it once.
func (h *Head) Remove(name string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.hooks.Load()
	if p == nil {
		return fmt.Errorf("%w: %q on %s", ErrNoHook, name, h.name)
	}
	i := slices.IndexFunc(*p, func(e entry) bool { return e.name == name })
	if i < 0 {
		return fmt.Errorf("%w: %q on %s", ErrNoHook, name, h.name)
	}
	if len(*p) == 1 {
		h.hooks.Store(nil)
		return nil
	}
	next := slices.Delete(slices.Clone(*p), i, i+1)
	h.hooks.Store(&next)
	return nil
}

// Len is the number of hooks.
func (h *Head) Len() int {
	if p := h.hooks.Load(); p != nil {
		return len(*p)
	}
	return 0
}

// Active reports whether any hook is installed (the data path's one check).
func (h *Head) Active() bool { return h.hooks.Load() != nil }

// Run calls the hooks in order. It returns Pass when every hook passed,
// Modified when at least one modified and none stopped the packet, or the
// Drop/Consumed of the hook that stopped it.
func (h *Head) Run(dir Dir, ifindex int, b *mbuf.Buf) Verdict {
	p := h.hooks.Load()
	if p == nil {
		return Pass
	}
	v := Pass
	for _, e := range *p {
		switch e.fn(dir, ifindex, b) {
		case Pass:
		case Modified:
			v = Modified
		case Consumed:
			return Consumed
		default:
			return Drop
		}
	}
	return v
}
