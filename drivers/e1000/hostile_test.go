package e1000_test

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// TestHostileDevice runs traffic through a device that lies in its
// descriptor write-backs. The driver must count and drop, never panic, never
// hand out a bad frame, and give every mbuf back.
func TestHostileDevice(t *testing.T) {
	for _, tc := range []struct {
		name     string
		h        e1000test.Hostile
		check    func(t *testing.T, hw e1000.HWStats)
		lossless bool // the lie costs no frame
	}{
		{"bogus lengths", e1000test.Hostile{BogusLengthEvery: 7}, func(t *testing.T, hw e1000.HWStats) {
			if hw.RxBadLength == 0 {
				t.Error("RxBadLength not raised")
			}
		}, false},
		{"zero lengths", e1000test.Hostile{ZeroLengthEvery: 5}, func(t *testing.T, hw e1000.HWStats) {
			if hw.RxBadLength == 0 {
				t.Error("RxBadLength not raised")
			}
		}, false},
		{"DD on unowned descriptors", e1000test.Hostile{RogueDD: true}, func(t *testing.T, hw e1000.HWStats) {
			if hw.RxRogueDD == 0 {
				t.Error("RxRogueDD not raised")
			}
		}, true},
		{"error bits", e1000test.Hostile{ErrorEvery: 3}, func(t *testing.T, hw e1000.HWStats) {
			if hw.RxFrameErrors == 0 {
				t.Error("RxFrameErrors not raised")
			}
		}, false},
		{"missing EOP", e1000test.Hostile{NoEOPEvery: 2}, func(t *testing.T, hw e1000.HWStats) {
			if hw.RxBadChain == 0 {
				t.Error("RxBadChain not raised")
			}
		}, false},
		{"everything", e1000test.Hostile{BogusLengthEvery: 11, ZeroLengthEvery: 13, RogueDD: true, ErrorEvery: 5, NoEOPEvery: 3}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, 2, e1000test.ID82540EM, nil, func(_ int, c *e1000.Config) { c.MTU = 9000 })
			a, b := r.devs[0], r.devs[1]
			r.ports[1].SetHostile(tc.h)
			const total = 2000
			frame := make([]byte, 9014)
			good := 0
			drain := func() {
				var burst [32]*mbuf.Buf
				for {
					n := b.RxBurst(burst[:])
					if n == 0 {
						return
					}
					for _, x := range burst[:n] {
						// Whatever arrives must be a whole, valid frame.
						if x.PktLen() < 14 || x.PktLen() > 9000+22 {
							t.Errorf("driver delivered a %d-byte frame", x.PktLen())
						}
						if _, err := e1000test.CheckLoop(bytesOf(x)); err == nil {
							good++
						}
						x.Free()
					}
				}
			}
			for seq := 0; seq < total; seq++ {
				size := 60 + seq*37%1455
				if seq%9 == 0 {
					size = 3000 + seq%6000
				}
				e1000test.FillLoop(frame[:size], mac(1), mac(0), uint64(seq))
				sendAll(t, a, []*mbuf.Buf{r.frame(t, frame[:size])}, drain)
			}
			for i := 0; i < 10; i++ {
				drain()
			}
			hw := b.HWStats()
			if r.ports[1].Counts().Hostile == 0 {
				t.Fatal("the model took no hostile action")
			}
			if tc.check != nil {
				tc.check(t, hw)
			}
			if st := b.Stats(); st.RxDropped+st.RxErrors == 0 {
				t.Errorf("no drops or errors counted: %+v", st)
			}
			switch {
			case tc.lossless && good != total:
				t.Errorf("%d of %d frames delivered; this lie should cost none", good, total)
			case !tc.lossless && (good == 0 || good >= total):
				t.Errorf("%d of %d frames delivered intact; want some but not all", good, total)
			}
			t.Logf("%d/%d good, hw %+v", good, total, hw)
		})
	}
}

// TestTxHangRecovery stalls the transmitter, lets Service detect the hang on
// a fake clock, and checks that the ring is reset, buffers return to the
// pool, and traffic flows again once the device recovers.
func TestTxHangRecovery(t *testing.T) {
	clk := clocktest.New(time.Unix(1000, 0))
	r := newRig(t, 2, e1000test.ID82540EM, nil, func(_ int, c *e1000.Config) {
		c.Clock = clk
		c.TxHangTimeout = time.Second
		c.TxDescs = 64
	})
	a, b := r.devs[0], r.devs[1]
	r.ports[0].SetHostile(e1000test.Hostile{StallTX: true})
	frame := make([]byte, 200)
	var bufs []*mbuf.Buf
	for i := 0; i < 100; i++ {
		e1000test.FillLoop(frame, mac(1), mac(0), uint64(i))
		bufs = append(bufs, r.frame(t, frame))
	}
	n := a.TxBurst(bufs)
	if n != 63 {
		t.Fatalf("TxBurst accepted %d, want 63 (ring of 64 minus one)", n)
	}
	for _, x := range bufs[n:] {
		x.Free()
	}
	if got := r.pool.InUse(); got != 63+2*255 {
		t.Fatalf("in use %d, want 63 queued + 2×255 in RX rings", got)
	}
	a.Service()
	clk.Advance(500 * time.Millisecond)
	a.Service()
	if a.TxBurst(nil); a.HWStats().TxHangs != 0 {
		t.Fatal("hang declared before the timeout")
	}
	clk.Advance(600 * time.Millisecond)
	a.Service()
	a.TxBurst(nil) // the TX goroutine performs the reset
	hw := a.HWStats()
	if hw.TxHangs != 1 || hw.TxDropped != 63 {
		t.Fatalf("TxHangs %d TxDropped %d, want 1 and 63", hw.TxHangs, hw.TxDropped)
	}
	if st := a.Stats(); st.Resets != 1 {
		t.Errorf("Stats.Resets %d", st.Resets)
	}
	// RX ring buffers only: 2 × 255.
	if got := r.pool.InUse(); got != 2*255 {
		t.Errorf("in use %d after the reset, want %d (RX rings only)", got, 2*255)
	}
	r.ports[0].SetHostile(e1000test.Hostile{})
	e1000test.FillLoop(frame, mac(1), mac(0), 1000)
	sendAll(t, a, []*mbuf.Buf{r.frame(t, frame)}, nil)
	if got := recvAll(b, 1, nil); got != 1 {
		t.Fatalf("after recovery received %d", got)
	}
}

// TestMissedCountedOnce floods a receiver that does not poll, on a model
// with QEMU's non-clearing MPC, and checks that the driver's 64-bit total
// matches the model instead of re-adding the same count on every Service.
func TestMissedCountedOnce(t *testing.T) {
	for _, qemu := range []bool{false, true} {
		r := newRig(t, 2, e1000test.ID82540EM, func(_ int, o *e1000test.Options) {
			o.QEMU = qemu
			o.QueueFrames = 16
		}, nil)
		a, b := r.devs[0], r.devs[1]
		frame := make([]byte, 64)
		for i := 0; i < 400; i++ {
			e1000test.FillLoop(frame, mac(1), mac(0), uint64(i))
			sendAll(t, a, []*mbuf.Buf{r.frame(t, frame)}, nil)
		}
		b.Service()
		b.Service()
		b.Service()
		want := r.ports[1].Counts().RxMissed
		if want == 0 {
			t.Fatal("model missed nothing")
		}
		if got := b.Stats().RxMissed; got != want {
			t.Errorf("QEMU=%v: RxMissed %d, want %d", qemu, got, want)
		}
		recvAll(b, 1000, nil)
	}
}
