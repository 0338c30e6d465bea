package ipv6

import (
	"sync"
	"testing"

	"github.com/gopkt/gopkt/stack/wire"
)

// TestNeighFastConcurrent looks keys up on several goroutines while one
// writer adds, changes, deletes and regrows (run with -race): a reader
// finds either nothing or the MAC written for that key.
func TestNeighFastConcurrent(t *testing.T) {
	var f neighFast
	f.init()
	key := func(i int) neighKey {
		return neighKey{ifindex: int32(1 + i%3), addr: [16]byte{0x20, 0x01, 0x0d, 0xb8, 14: byte(i >> 8), 15: byte(i)}}
	}
	macOf := func(i int, gen byte) wire.MAC { return wire.MAC{byte(i >> 8), byte(i), 0, 0, 0, gen} }
	const n = 3000
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for i := 1; i < n; i++ {
					k := key(i)
					if m, ok := f.get(&k); ok && (m[0] != byte(i>>8) || m[1] != byte(i)) {
						t.Errorf("key %d: MAC %x", i, m)
						return
					}
				}
			}
		}()
	}
	for round := range 20 {
		for i := 1; i < n; i++ {
			f.put(key(i), macOf(i, byte(round)))
		}
		for i := 1; i < n; i += 2 {
			f.del(key(i))
		}
		for i := 2; i < n; i += 2 {
			k := key(i)
			if m, ok := f.get(&k); !ok || m != macOf(i, byte(round)) {
				t.Fatalf("round %d key %d: %x %v", round, i, m, ok)
			}
			f.testClear(k)
		}
		for i := 1; i < n; i += 2 {
			k := key(i)
			if _, ok := f.get(&k); ok {
				t.Fatalf("deleted key %d found", i)
			}
		}
	}
	close(stop)
	wg.Wait()
	if f.live != n/2-1 {
		t.Errorf("live %d", f.live)
	}
	// With the readers gone: get sets the referenced bit, testClear
	// reports and clears it.
	k := key(2)
	f.testClear(k)
	if f.testClear(k) {
		t.Error("referenced bit still set after testClear")
	}
	f.get(&k)
	if !f.testClear(k) {
		t.Error("get did not set the referenced bit")
	}
}

// TestNeighFastFollowsState: the data path's table holds exactly the
// entries a packet may use without a state change (RFC 4861 §7.3.3).
func TestNeighFastFollowsState(t *testing.T) {
	ip := New(Options{})
	c := ip.neigh
	k := neighKey{ifindex: 2, addr: [16]byte{0xfe, 0x80, 15: 1}}
	mac := wire.MAC{2, 0, 0, 0, 0, 1}
	in := func() bool { _, ok := c.fast.get(&k); return ok }
	c.mu.Lock()
	e := c.newEntryLocked(k, c.now.Load())
	for _, tc := range []struct {
		st   NeighState
		want bool
	}{{Incomplete, false}, {Reachable, true}, {Stale, false}, {Delay, true}, {Probe, true}, {Permanent, true}, {Stale, false}} {
		e.state, e.mac = tc.st, mac
		c.syncLocked(k, e)
		if in() != tc.want {
			t.Errorf("%v: in the fast table %v, want %v", tc.st, in(), tc.want)
		}
	}
	c.mu.Unlock()
	// learn makes a new entry STALE: not in fast; advert (solicited)
	// makes it REACHABLE: in fast with the advertised MAC.
	k2 := neighKey{ifindex: 2, addr: [16]byte{0xfe, 0x80, 15: 2}}
	c.learn(2, k2.addr, mac, false)
	if _, ok := c.fast.get(&k2); ok {
		t.Error("a STALE entry is in the fast table")
	}
	mac2 := wire.MAC{2, 0, 0, 0, 0, 2}
	c.advert(2, k2.addr, &mac2, true, true, false)
	if m, ok := c.fast.get(&k2); !ok || m != mac2 {
		t.Errorf("after a solicited advertisement: %v %v", m, ok)
	}
	c.flush(0)
	if _, ok := c.fast.get(&k2); ok || c.fast.live != 0 {
		t.Errorf("after flush: live %d", c.fast.live)
	}
}
