package tcp

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/wire"
)

// TestPMTUCache4: a message only lowers an entry, an entry expires after
// its time (then a higher MTU may enter again), and the cache never holds
// more than maxPMTU4 entries.
func TestPMTUCache4(t *testing.T) {
	var c pmtuCache4
	now := time.Unix(1000, 0)
	dst := wire.Addr4{198, 18, 2, 2}
	if _, ok := c.get(dst, now); ok {
		t.Fatal("empty cache has an entry")
	}
	c.lower(dst, 1400, now, time.Minute)
	c.lower(dst, 1450, now, time.Minute) // higher: ignored
	if m, ok := c.get(dst, now.Add(30*time.Second)); !ok || m != 1400 {
		t.Fatalf("got %d %v, want 1400", m, ok)
	}
	c.lower(dst, 1300, now, time.Minute)
	if m, _ := c.get(dst, now); m != 1300 {
		t.Fatalf("got %d, want 1300 (lowered)", m)
	}
	if _, ok := c.get(dst, now.Add(time.Minute)); ok {
		t.Fatal("entry outlived its timeout")
	}
	c.lower(dst, 1450, now.Add(2*time.Minute), time.Minute)
	if m, _ := c.get(dst, now.Add(2*time.Minute)); m != 1450 {
		t.Fatalf("got %d, want 1450 after expiry", m)
	}
	for i := range maxPMTU4 + 100 {
		c.lower(wire.Addr4{10, byte(i >> 16), byte(i >> 8), byte(i)}, 1000, now.Add(time.Duration(i)), time.Hour)
	}
	if n := len(c.m); n != maxPMTU4 || int(c.n.Load()) != n {
		t.Fatalf("%d entries (counter %d), want %d", n, c.n.Load(), maxPMTU4)
	}
}
