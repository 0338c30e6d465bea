package ipv6

import (
	"math/bits"
	"sync/atomic"

	"github.com/gopkt/gopkt/stack/wire"
)

// neighFast is the data path's view of the neighbour cache, as IPv4's
// (stack/ipv4/neighfast.go): an open-addressing hash table from
// (interface, address) to a link address that readers search with atomic
// loads only, no lock and no allocation. A key is 20 bytes here, too wide
// for one atomic word, so a slot holds a pointer to an immutable record
// (key and MAC); the writer (the cache, under its mutex) publishes a new
// record when the MAC changes, which is rare, never per packet.
//
// It holds the entries a packet may use without a state change: REACHABLE,
// DELAY, PROBE and PERMANENT. A STALE entry is not in it, because the
// first packet to one must move it to DELAY (RFC 4861 §7.3.3), under the
// mutex; INCOMPLETE ones have no address to give.
//
// A slot once given to a key keeps it while the table is published (a
// deleted key leaves a tombstone), so a reader never follows a slot to
// another key's record. When keys and tombstones fill three quarters of
// the slots the writer publishes a new table twice the live keys' need.
// Each record has a referenced bit that a lookup sets (only if clear) and
// the cache's timer reads and clears to keep its eviction clock current.
//
// A change a cached flow depends on (a MAC replaced, an entry withdrawn)
// adds one to *changed, the fast forwarding generation (fastfwd.go), once
// it is visible; records survive a regrowth, so that is not one.
type neighFast struct {
	cur         atomic.Pointer[fastTab]
	live, tombs int // writer only
	changed     *atomic.Uint64
}

type fastTab struct {
	slots []atomic.Pointer[fastRec]
	tomb  *fastRec // marks a deleted slot
	shift uint8    // 64 - log2(len(slots))
}

type fastRec struct {
	key neighKey
	mac wire.MAC
	ref atomic.Uint32
}

func newFastTab(n int) *fastTab {
	size := 16
	for size < n {
		size <<= 1
	}
	return &fastTab{slots: make([]atomic.Pointer[fastRec], size), tomb: &fastRec{}, shift: uint8(64 - bits.TrailingZeros(uint(size)))}
}

func (f *neighFast) init() { f.cur.Store(newFastTab(16)) }

// home hashes k (FNV-1a over the interface and the address's last 8
// bytes, which carry the interface identifier, then a multiplicative mix).
func (t *fastTab) home(k *neighKey) int {
	h := uint64(14695981039346656037)
	h = (h ^ uint64(uint32(k.ifindex))) * 1099511628211
	for _, b := range k.addr[8:] {
		h = (h ^ uint64(b)) * 1099511628211
	}
	for _, b := range k.addr[:8] {
		h = (h ^ uint64(b)) * 1099511628211
	}
	return int((h * 0x9e3779b97f4a7c15) >> t.shift)
}

// get returns k's link address. It takes no lock and does not allocate.
func (f *neighFast) get(k *neighKey) (wire.MAC, bool) {
	t := f.cur.Load()
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		r := t.slots[i].Load()
		switch {
		case r == nil:
			return wire.MAC{}, false
		case r != t.tomb && r.key == *k:
			if r.ref.Load() == 0 {
				r.ref.Store(1)
			}
			return r.mac, true
		}
	}
}

// rec returns k's record (nil: not usable as is) for a flow cache entry,
// which keeps the record's referenced bit. It takes no lock and does not
// allocate.
func (f *neighFast) rec(k *neighKey) *fastRec {
	t := f.cur.Load()
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		r := t.slots[i].Load()
		switch {
		case r == nil:
			return nil
		case r != t.tomb && r.key == *k:
			return r
		}
	}
}

func (f *neighFast) change() {
	if f.changed != nil {
		f.changed.Add(1)
	}
}

// find returns k's slot index in t, or -1 (writer side).
func (t *fastTab) find(k *neighKey) int {
	mask := len(t.slots) - 1
	for i := t.home(k); ; i = (i + 1) & mask {
		r := t.slots[i].Load()
		switch {
		case r == nil:
			return -1
		case r != t.tomb && r.key == *k:
			return i
		}
	}
}

// put publishes k's MAC, adding k if needed.
func (f *neighFast) put(k neighKey, mac wire.MAC) {
	t := f.cur.Load()
	if i := t.find(&k); i >= 0 {
		if old := t.slots[i].Load(); old.mac != mac {
			r := &fastRec{key: k, mac: mac}
			r.ref.Store(old.ref.Load())
			t.slots[i].Store(r)
			f.change()
		}
		return
	}
	if (f.live+f.tombs+1)*4 > len(t.slots)*3 {
		t = f.grow()
	}
	mask := len(t.slots) - 1
	i := t.home(&k)
	for t.slots[i].Load() != nil {
		i = (i + 1) & mask
	}
	t.slots[i].Store(&fastRec{key: k, mac: mac})
	f.live++
}

// del withdraws k.
func (f *neighFast) del(k neighKey) {
	t := f.cur.Load()
	if i := t.find(&k); i >= 0 {
		t.slots[i].Store(t.tomb)
		f.live--
		f.tombs++
		f.change()
	}
}

// testClear reports whether k was looked up since the last call, and
// clears the mark.
func (f *neighFast) testClear(k neighKey) bool {
	t := f.cur.Load()
	i := t.find(&k)
	if i < 0 {
		return false
	}
	r := t.slots[i].Load()
	if r.ref.Load() == 0 {
		return false
	}
	r.ref.Store(0)
	return true
}

// grow publishes a table twice the live keys' need, without tombstones.
func (f *neighFast) grow() *fastTab {
	old := f.cur.Load()
	t := newFastTab((f.live + 1) * 4)
	mask := len(t.slots) - 1
	for i := range old.slots {
		r := old.slots[i].Load()
		if r == nil || r == old.tomb {
			continue
		}
		j := t.home(&r.key)
		for t.slots[j].Load() != nil {
			j = (j + 1) & mask
		}
		t.slots[j].Store(r)
	}
	f.tombs = 0
	f.cur.Store(t)
	return t
}
