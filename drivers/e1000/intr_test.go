package e1000_test

import (
	"errors"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/e1000/e1000test"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
)

// TestWaitModes checks that Wait sleeps until a frame arrives in interrupt
// and adaptive modes (INTx on the 82540EM, MSI-X on the 82574L), times out
// with port.ErrTimeout, and reports link changes.
func TestWaitModes(t *testing.T) {
	for _, m := range []e1000.Mode{e1000.Interrupt, e1000.Adaptive} {
		for _, model := range models {
			if model.name != "82540EM" && model.name != "82574L" {
				continue
			}
			t.Run(m.String()+"/"+model.name, func(t *testing.T) {
				r := newRig(t, 2, model.id, nil, func(i int, c *e1000.Config) {
					if i == 1 {
						c.Mode = m
						c.AdaptiveSpin = time.Millisecond
					}
				})
				a, b := r.devs[0], r.devs[1]
				if err := b.Wait(20 * time.Millisecond); !errors.Is(err, port.ErrTimeout) {
					t.Fatalf("Wait on an idle port = %v, want ErrTimeout", err)
				}
				frame := make([]byte, 128)
				e1000test.FillLoop(frame, mac(1), mac(0), 1)
				buf := r.frame(t, frame)
				go func() {
					time.Sleep(10 * time.Millisecond)
					a.TxBurst([]*mbuf.Buf{buf})
				}()
				start := time.Now()
				if err := b.Wait(5 * time.Second); err != nil {
					t.Fatalf("Wait: %v", err)
				}
				if time.Since(start) > 4*time.Second {
					t.Fatal("Wait returned only at its timeout")
				}
				if got := recvAll(b, 1, nil); got != 1 {
					t.Fatalf("received %d after wake-up", got)
				}
				if r.ports[1].Fake().Resets() != 0 {
					t.Error("unexpected function reset")
				}
				// Link down wakes the waiter and is published.
				go func() {
					time.Sleep(10 * time.Millisecond)
					r.ports[1].SetLink(false)
				}()
				_ = b.Wait(5 * time.Second)
				if b.Link().Up {
					t.Error("link still up after the LSC interrupt")
				}
				if model.name == "82574L" {
					// IVAR: RX queue 0 and other causes on vector 0, valid.
					if iv := r.ports[1].Reg(0xE4); iv&0x8 == 0 || iv&(0x8<<16) == 0 {
						t.Errorf("IVAR %#x", iv)
					}
				}
			})
		}
	}
}

func TestPollWaitReturns(t *testing.T) {
	r := newRig(t, 1, e1000test.ID82540EM, nil, nil)
	start := time.Now()
	if err := r.devs[0].Wait(time.Second); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 100*time.Millisecond {
		t.Error("poll-mode Wait blocked")
	}
}
