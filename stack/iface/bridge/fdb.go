package bridge

import (
	"math/bits"
	"sync/atomic"

	"github.com/gopkt/gopkt/stack/wire"
)

// The filtering database (IEEE 802.1D clause 7.9): which member port a
// station's address was last seen on, learned from source addresses
// (clause 7.8) and forgotten after the ageing time (clause 7.9.2, default
// 300 s).
//
// It is a fixed open-addressed table read and written by every member's
// receive goroutine without locks: an entry's key word holds the MAC in the
// top 48 bits and the member slot + 1 in the low 16 (0 is an empty entry),
// so one atomic load gives a consistent address and port. A MAC lives in
// one of probeLen entries after its hash; a lookup reads all of them (no
// early stop, so deletions need no tombstones). Learning refreshes the
// entry, moves it when the station moved, or takes an empty or expired
// entry, else evicts the oldest of the window (counted). Nothing allocates
// after the table is made.
type fdb struct {
	e      []fdbEntry
	mask   uint64
	ageing atomic.Int64 // ns; a managed parameter (clause 14.4.1.2), read on every lookup

	learned, moved, evicted atomic.Uint64
}

type fdbEntry struct {
	key  atomic.Uint64 // mac<<16 | slot+1; 0: empty
	seen atomic.Int64  // ns on the bridge clock when last learned
}

const probeLen = 8

// refresh is how stale an entry's time may get before learning writes it
// again: it keeps the hot path from storing to a shared line every frame.
const refresh = int64(100e6) // 100 ms

func newFDB(maxAddrs int, ageing int64) *fdb {
	n := 1 << bits.Len(uint(max(maxAddrs, probeLen)*2-1)) // a power of two ≥ 2×max
	f := &fdb{e: make([]fdbEntry, n), mask: uint64(n - 1)}
	f.ageing.Store(ageing)
	return f
}

func macKey(m wire.MAC) uint64 {
	return uint64(m[0])<<40 | uint64(m[1])<<32 | uint64(m[2])<<24 | uint64(m[3])<<16 | uint64(m[4])<<8 | uint64(m[5])
}

func (f *fdb) home(k uint64) uint64 { return (k * 0x9e3779b97f4a7c15) >> 20 }

// lookup returns the member slot of m, or -1 when unknown or aged out.
func (f *fdb) lookup(m wire.MAC, now int64) int {
	k := macKey(m)
	h := f.home(k)
	for i := uint64(0); i < probeLen; i++ {
		e := &f.e[(h+i)&f.mask]
		w := e.key.Load()
		if w != 0 && w>>16 == k {
			if now-e.seen.Load() > f.ageing.Load() {
				return -1
			}
			return int(w&0xffff) - 1
		}
	}
	return -1
}

// learn records that m was seen on slot at now.
func (f *fdb) learn(m wire.MAC, slot int, now int64) {
	k := macKey(m)
	nw := k<<16 | uint64(slot+1)
	h := f.home(k)
	var free, oldest *fdbEntry
	var freeW, oldestW uint64
	oldestT := int64(1<<63 - 1)
	ageing := f.ageing.Load()
	for i := uint64(0); i < probeLen; i++ {
		e := &f.e[(h+i)&f.mask]
		w := e.key.Load()
		if w != 0 && w>>16 == k {
			if w != nw {
				if e.key.CompareAndSwap(w, nw) {
					f.moved.Add(1)
				}
				e.seen.Store(now)
			} else if now-e.seen.Load() > refresh {
				e.seen.Store(now)
			}
			return
		}
		t := e.seen.Load()
		if free == nil && (w == 0 || now-t > ageing) {
			free, freeW = e, w
		}
		if w != 0 && t < oldestT {
			oldest, oldestW, oldestT = e, w, t
		}
	}
	if free == nil {
		free, freeW = oldest, oldestW
		f.evicted.Add(1)
	}
	free.seen.Store(now)
	if free.key.CompareAndSwap(freeW, nw) {
		f.learned.Add(1)
	}
}

// forget removes every entry of slot (a member leaves), or every entry
// when slot < 0.
func (f *fdb) forget(slot int) {
	for i := range f.e {
		e := &f.e[i]
		w := e.key.Load()
		if w != 0 && (slot < 0 || int(w&0xffff)-1 == slot) {
			e.key.CompareAndSwap(w, 0)
		}
	}
}

// Entry is one learned address.
type Entry struct {
	MAC    wire.MAC
	Member string // the member interface's name
	Age    int64  // ns since it was last seen
}

// each calls fn for every live entry.
func (f *fdb) each(now int64, fn func(m wire.MAC, slot int, age int64)) {
	ageing := f.ageing.Load()
	for i := range f.e {
		e := &f.e[i]
		w := e.key.Load()
		if w == 0 {
			continue
		}
		age := now - e.seen.Load()
		if age > ageing {
			continue
		}
		k := w >> 16
		m := wire.MAC{byte(k >> 40), byte(k >> 32), byte(k >> 24), byte(k >> 16), byte(k >> 8), byte(k)}
		fn(m, int(w&0xffff)-1, age)
	}
}
