package net80211_test

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// TestStepTimerFromTxStatus: the wait for the Authentication response runs
// from the frame's acknowledgement, not from when it was queued. The
// station's TX status comes 250 ms late and the AP's answer later still:
// with the 300 ms step timed from the queueing the station would send its
// Authentication again at 300 ms; timed from the status it waits until
// 550 ms, the AP's answer (released at 400 ms) arrives, and it joins with
// one Authentication. An unacknowledged frame keeps the original timer.
func TestStepTimerFromTxStatus(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "step timer passphrase"})
	var statuses []net80211.TxStatus
	b.sta.Status = func(st *net80211.TxStatus) { statuses = append(statuses, *st) }
	apR := b.ap.Radio()
	apHandler := apR.Handler
	type held struct {
		f  []byte
		rx net80211.RxInfo
	}
	var toAP []held
	holdAP := true
	apR.Handler = func(p []byte, rx *net80211.RxInfo) {
		if holdAP {
			toAP = append(toAP, held{append([]byte(nil), p...), *rx})
			return
		}
		apHandler(p, rx)
	}
	auths := 0
	var first time.Time
	b.medium.Trace = func(from *wlantest.Radio, p []byte) {
		if f, err := frame.Parse(p); err == nil && from == b.sta && f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubAuth {
			if auths++; auths == 1 {
				first = b.clock.Now()
			}
		}
	}
	step := func() {
		b.clock.Advance(10 * time.Millisecond)
		b.ap.Tick()
		b.com.Tick()
		b.medium.Run(100000)
	}
	// The scan: statuses pass straight through until the Authentication.
	if err := b.vap.Connect([]byte("gopkt-test"), "step timer passphrase"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000 && auths == 0; i++ {
		for _, st := range statuses {
			b.com.TxDone(&st)
		}
		statuses = statuses[:0]
		if !first.IsZero() {
			break
		}
		holdAP = false
		for _, h := range toAP {
			apHandler(h.f, &h.rx)
		}
		toAP, holdAP = toAP[:0], true
		step()
	}
	if auths != 1 {
		t.Fatalf("no Authentication sent: %d", auths)
	}
	for b.clock.Now().Sub(first) < 250*time.Millisecond {
		step()
	}
	for _, st := range statuses {
		if !st.Acked {
			t.Fatalf("the Authentication was not acknowledged: %+v", st)
		}
		b.com.TxDone(&st)
	}
	statuses = statuses[:0]
	for b.clock.Now().Sub(first) < 400*time.Millisecond {
		step()
	}
	if auths != 1 {
		t.Fatalf("%d Authentications by %v after the first, its status at 250 ms: the step timer ran from the queueing", auths, b.clock.Now().Sub(first))
	}
	// The AP answers now; everything flows freely from here.
	holdAP = false
	b.sta.Status = b.com.TxDone
	for _, h := range toAP {
		apHandler(h.f, &h.rx)
	}
	b.medium.Run(100000)
	for i := 0; i < 500 && !b.vap.PortOpen(); i++ {
		step()
	}
	if !b.vap.PortOpen() || auths != 1 {
		t.Fatalf("port open %v after %d Authentications", b.vap.PortOpen(), auths)
	}
}
