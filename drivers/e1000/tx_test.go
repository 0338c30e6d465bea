package e1000_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
)

// TestTxBurstRuns sends bursts far larger than a 64-descriptor TX ring, mixing
// one-descriptor frames (the fast path) with two-segment chains and empty
// buffers (the slow path, which drops them), so that every burst is split
// into runs by slow packets and by a full ring (cleaning in the middle of a
// burst). Every valid frame must arrive once, in order, byte for byte, and
// the counters and the pool must balance.
func TestTxBurstRuns(t *testing.T) {
	r := newRig(t, 2, e1000test.ID82540EM, nil, func(i int, c *e1000.Config) {
		if i == 0 {
			c.TxDescs = 64
		}
	})
	a, b := r.devs[0], r.devs[1]
	const total, burst = 3000, 200
	var want, got [][]byte
	drain := func() {
		recvAll(b, 1<<30, func(x *mbuf.Buf) { got = append(got, bytesOf(x)) })
	}
	dropped := 0
	var batch []*mbuf.Buf
	for seq := 0; seq < total; seq++ {
		var x *mbuf.Buf
		switch seq % 9 {
		case 4: // a chain of two segments
			f := make([]byte, 100+seq%400)
			e1000test.FillLoop(f, mac(1), mac(0), uint64(seq))
			x = r.frame(t, f[:60])
			tail := r.frame(t, f[60:])
			x.SetNext(tail)
			want = append(want, f)
		case 7: // an empty buffer: accepted, dropped, counted
			x = r.frame(t, nil)
			dropped++
		default:
			f := make([]byte, 60+seq%1455)
			e1000test.FillLoop(f, mac(1), mac(0), uint64(seq))
			x = r.frame(t, f)
			want = append(want, f)
		}
		batch = append(batch, x)
		if len(batch) == burst {
			sendAll(t, a, batch, drain)
			batch = batch[:0]
		}
	}
	sendAll(t, a, batch, drain)
	for i := 0; i < 100 && len(got) < len(want); i++ {
		a.TxBurst(nil) // lets the TX side clean
		drain()
	}
	if len(got) != len(want) {
		t.Fatalf("received %d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d differs: got %d bytes % x..., want %d bytes % x...", i, len(got[i]), got[i][:20], len(want[i]), want[i][:20])
		}
	}
	if st := a.Stats(); st.TxPackets != uint64(len(want)) || st.TxDropped != uint64(dropped) {
		t.Errorf("sender stats: packets %d dropped %d, want %d and %d", st.TxPackets, st.TxDropped, len(want), dropped)
	}
	if !a.Drain(time.Second) {
		t.Fatal("the TX ring did not drain")
	}
}

// TestSharedCache runs a sender and a receiver through one caller cache
// (port.CacheUser): the sender allocates from it, TX completions and RX
// refills use it, the receiver frees into it. Once warm, buffers go round
// without the pool's free stack moving; a cache of another pool is refused;
// Close returns the rings' buffers through the devices' own caches.
func TestSharedCache(t *testing.T) {
	r := newRig(t, 2, e1000test.ID82540EM, nil, nil)
	a, b := r.devs[0], r.devs[1]
	other, err := mbuf.NewPool(r.bus.Memory(), mbuf.PoolOptions{Name: "other", Buffers: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := a.SetTxCache(other.NewCache(8)); !errors.Is(err, port.ErrForeignCache) {
		t.Fatalf("foreign cache: %v, want ErrForeignCache", err)
	}
	cache := r.pool.NewCache(256)
	if err := errors.Join(a.SetTxCache(cache), b.SetRxCache(cache)); err != nil {
		t.Fatal(err)
	}
	frame := make([]byte, 60)
	var burst, in [32]*mbuf.Buf
	seq, got := 0, 0
	avail := -1
	for round := range 400 {
		n := cache.Alloc(burst[:])
		for _, x := range burst[:n] {
			e1000test.FillLoop(frame, mac(1), mac(0), uint64(seq))
			p, _ := x.Append(len(frame))
			copy(p, frame)
			seq++
		}
		sent := a.TxBurst(burst[:n])
		cache.Free(burst[sent:n])
		for {
			k := b.RxBurst(in[:])
			if k == 0 {
				break
			}
			for _, x := range in[:k] {
				if s, err := e1000test.CheckLoop(x.Bytes()); err != nil || s != uint64(got) {
					t.Fatalf("frame %d: seq %d, %v", got, s, err)
				}
				got++
			}
			cache.Free(in[:k])
		}
		switch {
		case round == 100:
			avail = r.pool.Available()
		case round > 100 && r.pool.Available() != avail:
			t.Fatalf("round %d: pool free stack moved from %d to %d: the shared cache should absorb the traffic", round, avail, r.pool.Available())
		}
	}
	if got < seq-256 {
		t.Fatalf("received %d of %d", got, seq)
	}
	// Back to the own caches; the rig's Close checks the pool is full.
	if err := errors.Join(a.SetTxCache(nil), b.SetRxCache(nil)); err != nil {
		t.Fatal(err)
	}
	cache.Flush()
}
