package e1000_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
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
