package tunnel

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/stack/wire"
)

// Table is the set of tunnels of one kind, which received packets are
// matched against. Find reads an immutable snapshot and takes no lock.
type Table struct {
	mu    sync.Mutex
	ports atomic.Pointer[[]*Port]
}

// Add enters p.
func (t *Table) Add(p *Port) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var next []*Port
	if cur := t.ports.Load(); cur != nil {
		next = slices.Clone(*cur)
	}
	next = append(next, p)
	t.ports.Store(&next)
}

// Remove takes p out.
func (t *Table) Remove(p *Port) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cur := t.ports.Load()
	if cur == nil {
		return
	}
	next := slices.DeleteFunc(slices.Clone(*cur), func(q *Port) bool { return q == p })
	t.ports.Store(&next)
}

// Find returns the tunnel for an outer packet from src to dst carrying
// key (when hasKey): a tunnel with a key takes only packets with that key,
// one without takes only packets without (RFC 2890 §2.2). Nil when none.
func (t *Table) Find(src, dst wire.Addr4, key uint32, hasKey bool) *Port {
	cur := t.ports.Load()
	if cur == nil {
		return nil
	}
	for _, p := range *cur {
		if p.Matches(src, dst) && p.cfg.HasKey == hasKey && (!hasKey || p.cfg.Key == key) {
			return p
		}
	}
	return nil
}

// Ports returns the tunnels.
func (t *Table) Ports() []*Port {
	if cur := t.ports.Load(); cur != nil {
		return *cur
	}
	return nil
}
