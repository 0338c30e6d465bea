package net80211_test

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// TestStallDelaysRetransmission: a Tick gap over Timeouts.Stall right
// after our Association Request (the host did not run the vap) does not
// repeat the request at once: the 300 ms retransmission timer waits the
// gap too. Without Stall the same gap repeats it at the first Tick.
func TestStallDelaysRetransmission(t *testing.T) {
	for _, stall := range []time.Duration{0, 60 * time.Millisecond} {
		b := newBench(t, benchOpts{vapCfg: func(c *net80211.VapConfig) { c.Timeouts.Stall = stall }})
		assocs := 0
		b.medium.Filter = func(from *wlantest.Radio, f []byte) []byte {
			if fr := frame.Frame(f); len(f) >= 24 && fr.Type() == frame.TypeMgmt && fr.Subtype() == frame.SubAssocReq {
				assocs++
				return nil // the AP never hears it
			}
			return f
		}
		if err := b.vap.Connect([]byte("gopkt-test"), ""); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 500 && assocs == 0; i++ {
			b.step(10 * time.Millisecond)
		}
		if assocs != 1 {
			t.Fatalf("stall %v: %d association requests before the gap", stall, assocs)
		}
		b.step(500 * time.Millisecond) // one Tick after a 500 ms gap
		want := 1
		if stall == 0 {
			want = 2
		}
		if assocs != want {
			t.Fatalf("stall %v: %d association requests after the gap, want %d", stall, assocs, want)
		}
		b.runFor(310 * time.Millisecond)
		if assocs != want+1 {
			t.Fatalf("stall %v: %d association requests 310 ms after the gap, want %d", stall, assocs, want+1)
		}
	}
}
