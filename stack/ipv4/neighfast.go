package ipv4

import (
	"math/bits"
	"sync/atomic"
)

// neighFast is the data path's view of the neighbour cache: an
// open-addressing hash table from (interface, address) to a resolved MAC
// that readers search with atomic loads only, no lock and no allocation.
// It holds the entries whose link address is known (REACHABLE, STALE,
// PERMANENT); the neighbour cache (neigh.go) keeps it in step under its
// mutex, so there is one writer at a time.
//
// A slot is empty, holds a key, or is a tombstone; a slot once used is never
// given to another key while the table is published (a tombstone stays one),
// so a reader that matched a key reads that key's MAC, never another's. The
// writer stores the value before the key. When keys and tombstones fill
// three quarters of the slots it builds a new table (twice the live keys)
// and publishes it with one pointer store: amortised O(1) per change.
//
// Each slot has a referenced bit that a lookup sets (only if clear, so a
// busy entry's cache line is not written per packet) and the eviction clock
// clears: the CLOCK approximation of least recently used (Corbató 1968).
//
// Changes a cached flow depends on (a MAC that changed, an entry gone, a
// new table whose slots the flows' referenced-bit pointers do not reach)
// add one to *changed, the fast forwarding generation (fastfwd.go), after
// they are visible.
type neighFast struct {
	cur         atomic.Pointer[neighTab]
	live, tombs int // writer only
	changed     *atomic.Uint64
}

type neighTab struct {
	slots []neighSlot
	shift uint8 // 64 - log2(len(slots))
}

type neighSlot struct {
	key atomic.Uint64 // 0: empty; tombKey: deleted
	val atomic.Uint64 // MAC in the low 48 bits
	ref atomic.Uint32
}

const tombKey = ^uint64(0)

func fastKey(ifindex int, a [4]byte) uint64 {
	return uint64(uint32(ifindex))<<32 | uint64(a[0])<<24 | uint64(a[1])<<16 | uint64(a[2])<<8 | uint64(a[3])
}

func macWord(m [6]byte) uint64 {
	return uint64(m[0])<<40 | uint64(m[1])<<32 | uint64(m[2])<<24 | uint64(m[3])<<16 | uint64(m[4])<<8 | uint64(m[5])
}

func wordMAC(v uint64) [6]byte {
	return [6]byte{byte(v >> 40), byte(v >> 32), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

func newNeighTab(n int) *neighTab {
	size := 16
	for size < n {
		size <<= 1
	}
	return &neighTab{slots: make([]neighSlot, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
}

func (f *neighFast) init() { f.cur.Store(newNeighTab(16)) }

func (t *neighTab) home(k uint64) int { return int((k * 0x9e3779b97f4a7c15) >> t.shift) }

// get returns the MAC for k. It takes no lock and does not allocate.
func (f *neighFast) get(k uint64) ([6]byte, bool) {
	t := f.cur.Load()
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		switch s.key.Load() {
		case k:
			if s.ref.Load() == 0 {
				s.ref.Store(1)
			}
			return wordMAC(s.val.Load()), true
		case 0:
			return [6]byte{}, false
		}
	}
}

// slot returns k's slot and MAC (nil: not resolved) for a flow cache
// entry: the slot's referenced bit is the CLOCK's, which fast-forwarded
// packets set instead of get. It takes no lock and does not allocate.
func (f *neighFast) slot(k uint64) (*neighSlot, [6]byte) {
	t := f.cur.Load()
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		s := &t.slots[i]
		switch s.key.Load() {
		case k:
			return s, wordMAC(s.val.Load())
		case 0:
			return nil, [6]byte{}
		}
	}
}

// change tells the flow cache that resolved entries changed.
func (f *neighFast) change() {
	if f.changed != nil {
		f.changed.Add(1)
	}
}

// find returns k's slot in t, or nil (writer side).
func (t *neighTab) find(k uint64) *neighSlot {
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		switch t.slots[i].key.Load() {
		case k:
			return &t.slots[i]
		case 0:
			return nil
		}
	}
}

// put sets k's MAC, adding k if needed.
func (f *neighFast) put(k uint64, mac [6]byte) {
	t := f.cur.Load()
	if s := t.find(k); s != nil {
		if w := macWord(mac); s.val.Load() != w {
			s.val.Store(w)
			f.change() // the neighbour moved: flows must take its new MAC
		}
		return
	}
	if (f.live+f.tombs+1)*4 > len(t.slots)*3 {
		t = f.grow()
	}
	mask := len(t.slots) - 1
	i := t.home(k)
	for t.slots[i].key.Load() != 0 {
		i = (i + 1) & mask
	}
	t.slots[i].val.Store(macWord(mac))
	t.slots[i].ref.Store(0) // not used yet: a learned entry nobody sends to goes first
	t.slots[i].key.Store(k)
	f.live++
}

// del removes k.
func (f *neighFast) del(k uint64) {
	if s := f.cur.Load().find(k); s != nil {
		s.key.Store(tombKey)
		f.live--
		f.tombs++
		f.change()
	}
}

// testClear reports whether k was looked up since the last call, and
// clears the mark.
func (f *neighFast) testClear(k uint64) bool {
	s := f.cur.Load().find(k)
	if s == nil || s.ref.Load() == 0 {
		return false
	}
	s.ref.Store(0)
	return true
}

// grow publishes a table twice the live keys' need, without tombstones.
func (f *neighFast) grow() *neighTab {
	old := f.cur.Load()
	t := newNeighTab((f.live + 1) * 4)
	mask := len(t.slots) - 1
	for i := range old.slots {
		o := &old.slots[i]
		k := o.key.Load()
		if k == 0 || k == tombKey {
			continue
		}
		j := t.home(k)
		for t.slots[j].key.Load() != 0 {
			j = (j + 1) & mask
		}
		t.slots[j].val.Store(o.val.Load())
		t.slots[j].ref.Store(o.ref.Load())
		t.slots[j].key.Store(k)
	}
	f.tombs = 0
	f.cur.Store(t)
	f.change() // flows point at the old table's referenced bits
	return t
}
