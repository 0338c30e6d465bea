package flow

import (
	"math/bits"
	"math/rand/v2"
	"sync/atomic"

	"github.com/gopkt/gopkt/stack"
)

// MaxKeyWords is the longest key: IPv6's interface index and two
// addresses fit in five words.
const MaxKeyWords = 5

// ways is the number of slots in a bucket. Four keep nearly every flow
// of a table a quarter full (TestTableHitRate: 1024 flows in 4096 entries
// lose about 7% of hits with two ways, under 1% with four); a lookup that
// misses reads four keys instead of two.
const ways = 4

// Key is a flow's key; a table uses its first KeyWords words. A key whose
// words are all zero is never found (it marks an empty slot).
type Key [MaxKeyWords]uint64

// Hop is what forwarding a flow's packet needs.
type Hop struct {
	Out *stack.Interface // egress interface
	MAC [6]byte          // the next hop's link address
	MTU int              // the largest packet the flow may send as is
	// Ref, when set, is the referenced bit of the neighbour entry the hop
	// came from: a hit sets it (only if clear), so the neighbour cache's
	// CLOCK sees the neighbour used although the packet skipped its lookup.
	Ref *atomic.Uint32
}

// Result is what Lookup found.
type Result uint8

// Lookup results.
const (
	Miss  Result = iota // no entry for the key
	Hit                 // a current entry: Hop is valid
	Stale               // an entry of an older generation
)

type slot struct {
	seq  atomic.Uint32 // odd while a writer is inside
	used atomic.Uint32 // hit since the last install into its bucket
	gen  atomic.Uint64
	out  atomic.Pointer[stack.Interface]
	mac  atomic.Uint64 // MAC in the low 48 bits
	mtu  atomic.Uint32
	ref  atomic.Pointer[atomic.Uint32]
}

// Table is a flow cache of a fixed number of entries.
type Table struct {
	kw    int
	mask  int // of the slot index; a bucket starts at a multiple of ways
	seed  uint64
	slots []slot
	keys  []atomic.Uint64 // kw words per slot
}

// New returns a table of at least n entries (rounded up to a power of two,
// at least one bucket of ways) for keys of kw words (1 to MaxKeyWords).
func New(n, kw int) *Table {
	if kw < 1 || kw > MaxKeyWords {
		panic("flow: key words out of range") // a programming error, not input
	}
	size := ways
	for size < n {
		size <<= 1
	}
	return &Table{
		kw: kw, mask: size - 1, seed: rand.Uint64() | 1,
		slots: make([]slot, size),
		keys:  make([]atomic.Uint64, size*kw),
	}
}

// Len is the number of entries the table holds at most.
func (t *Table) Len() int { return len(t.slots) }

// bucket returns the first slot of k's bucket. The seed is random per
// table, so which flows share a bucket cannot be chosen from outside.
func (t *Table) bucket(k *Key) int {
	h := t.seed
	for _, w := range k[:t.kw] {
		h = (h ^ w) * 0x9e3779b97f4a7c15
		h ^= h >> 32
	}
	return int(bits.RotateLeft64(h, 17)) & t.mask &^ (ways - 1)
}

func (t *Table) keyIs(i int, k *Key) bool {
	ws := t.keys[i*t.kw : i*t.kw+t.kw]
	for j := range ws {
		if ws[j].Load() != k[j] {
			return false
		}
	}
	return true
}

// Lookup returns k's hop if its entry is of generation gen. It takes no
// lock and does not allocate.
func (t *Table) Lookup(k *Key, gen uint64) (Hop, Result) {
	res := Miss
	for i, end := t.bucket(k), 0; end < ways; i, end = i+1, end+1 {
		s := &t.slots[i]
		q := s.seq.Load()
		if q&1 != 0 || !t.keyIs(i, k) {
			continue
		}
		h := Hop{Out: s.out.Load(), MTU: int(s.mtu.Load()), Ref: s.ref.Load()}
		mac := s.mac.Load()
		g := s.gen.Load()
		if s.seq.Load() != q || h.Out == nil {
			continue // rewritten meanwhile: not this key's any more
		}
		if g != gen {
			res = Stale
			continue
		}
		h.MAC = [6]byte{byte(mac >> 40), byte(mac >> 32), byte(mac >> 24), byte(mac >> 16), byte(mac >> 8), byte(mac)}
		if s.used.Load() == 0 {
			s.used.Store(1) // only if clear: a busy entry's line is not written per packet
		}
		return h, Hit
	}
	return Hop{}, res
}

// Install enters k → h under generation gen: into k's own slot if it has
// one, else a free or stale one of its bucket, else one not hit since the
// last install there (CLOCK's second chance over the bucket). It reports
// false when another writer held the slot (the next packet of the flow
// installs again).
func (t *Table) Install(k *Key, gen uint64, h Hop) bool {
	b := t.bucket(k)
	w := -1
	for i := b; i < b+ways && w < 0; i++ {
		if t.keyIs(i, k) {
			w = i
		}
	}
	for i := b; i < b+ways && w < 0; i++ {
		if s := &t.slots[i]; s.out.Load() == nil || s.gen.Load() != gen {
			w = i
		}
	}
	for i := b; i < b+ways && w < 0; i++ {
		if t.slots[i].used.Load() == 0 {
			w = i
		}
	}
	if w < 0 {
		w = b // all busy: the first way goes; the others age below
	}
	s := &t.slots[w]
	q := s.seq.Load()
	if q&1 != 0 || !s.seq.CompareAndSwap(q, q+1) {
		return false
	}
	ws := t.keys[w*t.kw : w*t.kw+t.kw]
	for j := range ws {
		ws[j].Store(k[j])
	}
	s.out.Store(h.Out)
	m := h.MAC
	s.mac.Store(uint64(m[0])<<40 | uint64(m[1])<<32 | uint64(m[2])<<24 | uint64(m[3])<<16 | uint64(m[4])<<8 | uint64(m[5]))
	s.mtu.Store(uint32(max(h.MTU, 0)))
	s.ref.Store(h.Ref)
	s.gen.Store(gen)
	s.used.Store(0)
	s.seq.Store(q + 2)
	for i := b; i < b+ways; i++ {
		if i != w && t.slots[i].used.Load() != 0 {
			t.slots[i].used.Store(0) // the rivals must be hit again to stay
		}
	}
	return true
}
