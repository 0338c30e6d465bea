package capture

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestRingWrap(t *testing.T) {
	r := newRing(128) // room for e.g. 3 records of 16 data bytes (40 bytes each)
	put := func(fill byte, n int) bool {
		rec := r.reserve(n)
		if rec == nil {
			return false
		}
		for i := range n {
			rec[recHdrLen+i] = fill
		}
		r.commit(rec, Info{CaptureLength: n, Length: n + 1, Time: int64(fill), IfIndex: int(fill), Dir: In})
		return true
	}
	get := func(fill byte, n int) {
		t.Helper()
		buf := make([]byte, 128)
		in, c, ok := r.pop(buf)
		if !ok || c != n || in.Time != int64(fill) || in.Length != n+1 || in.IfIndex != int(fill) || in.Dir != In ||
			!bytes.Equal(buf[:c], bytes.Repeat([]byte{fill}, n)) {
			t.Fatalf("pop: ok %v info %+v data %x, want fill %d len %d", ok, in, buf[:c], fill, n)
		}
	}
	for _, step := range []struct {
		put  bool
		fill byte
		n    int
		ok   bool
	}{
		{true, 1, 16, true}, {true, 2, 16, true}, {true, 3, 16, true}, // 120 of 128 bytes
		{true, 4, 1, false}, // 32 bytes: no room at the end (8), none at the start
		{false, 1, 16, true},
		{true, 5, 10, true},                        // 40 bytes: wraps to 0 (head is at 40), marker at 120
		{true, 6, 1, false},                        // tail 40, head 40: full
		{false, 2, 16, true}, {false, 3, 16, true}, // skips the marker
		{false, 5, 10, true},
		{true, 7, 100, true}, // empty again: restarts at 0 and takes 128 bytes
		{false, 7, 100, true},
	} {
		if step.put {
			if got := put(step.fill, step.n); got != step.ok {
				t.Fatalf("put %d: %v, want %v (head %d tail %d used %d)", step.fill, got, step.ok, r.head, r.tail, r.used)
			}
		} else {
			get(step.fill, step.n)
		}
	}
	if _, _, ok := r.pop(nil); ok || r.used != 0 {
		t.Fatalf("ring not empty: used %d", r.used)
	}
}

// TestRingRandom drives the ring with random pushes and pops against a
// FIFO model: order and contents must match, accounting must stay sane,
// and a push may fail only when the ring really lacks a contiguous gap.
func TestRingRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	r := newRing(1024)
	type rec struct {
		fill byte
		n    int
	}
	var model []rec
	buf := make([]byte, 2048)
	for i := 0; i < 100000; i++ {
		if rng.IntN(2) == 0 {
			n := rng.IntN(300)
			fill := byte(i)
			room := r.reserve(n)
			if room == nil {
				// Free contiguous space must really be too small.
				free := len(r.buf) - r.used
				if recLen(n) <= free && r.used == 0 {
					t.Fatalf("empty ring refused %d bytes", recLen(n))
				}
				continue
			}
			for j := range n {
				room[recHdrLen+j] = fill
			}
			r.commit(room, Info{CaptureLength: n, Length: n})
			model = append(model, rec{fill, n})
		} else {
			in, c, ok := r.pop(buf)
			if ok != (len(model) > 0) {
				t.Fatalf("pop ok %v with %d queued", ok, len(model))
			}
			if !ok {
				continue
			}
			m := model[0]
			model = model[1:]
			if c != m.n || in.CaptureLength != m.n || !bytes.Equal(buf[:c], bytes.Repeat([]byte{m.fill}, m.n)) {
				t.Fatalf("step %d: popped %d bytes, want %d of %#x", i, c, m.n, m.fill)
			}
		}
		if r.used < 0 || r.used > len(r.buf) {
			t.Fatalf("used %d of %d", r.used, len(r.buf))
		}
	}
}

func FuzzRing(f *testing.F) {
	f.Add([]byte{10, 200, 0, 0, 255, 3, 7})
	f.Fuzz(func(t *testing.T, ops []byte) {
		r := newRing(256)
		var model []int
		buf := make([]byte, 512)
		for _, op := range ops {
			if op&1 == 0 {
				n := int(op >> 1)
				room := r.reserve(n)
				if room == nil {
					continue
				}
				for j := range n {
					room[recHdrLen+j] = byte(n)
				}
				r.commit(room, Info{CaptureLength: n})
				model = append(model, n)
				continue
			}
			_, c, ok := r.pop(buf)
			if ok != (len(model) > 0) {
				t.Fatalf("pop ok %v with %d queued", ok, len(model))
			}
			if ok {
				if c != model[0] || !bytes.Equal(buf[:c], bytes.Repeat([]byte{byte(c)}, c)) {
					t.Fatalf("popped %d bytes, want %d", c, model[0])
				}
				model = model[1:]
			}
		}
	})
}
