package net80211_test

import (
	"net"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// TestRoamOnAPLeaving: two APs of one ESS on channels 6 and 11; the one we
// joined (stronger) deauthenticates with reason 3 (leaving) and goes off
// the air. The other was heard in the scan that joined us, so we go there
// at once — no scan, a Reassociation Request naming the old AP — and are
// on it within the handshake, not after authentication retries and a
// pause; and when an AP vanishes silently, beacon loss (10 beacon
// intervals by default) leads to the other one the same way.
func TestRoamOnAPLeaving(t *testing.T) {
	// lingering: the leaving AP still beacons for a while (hostapd
	// deauthenticates before it tears the BSS down): we must not pick it.
	for _, c := range []struct{ silent, lingering bool }{{false, false}, {true, false}, {false, true}} {
		silent := c.silent
		b := newBench(t, benchOpts{passphrase: "one ess two aps"})
		mac2 := net.HardwareAddr{0x02, 0, 0, 0, 0, 0xb0}
		r2 := b.medium.NewRadio(mac2, 2462, chans)
		r2.SignalDBm = -70
		ap2, err := wlantest.NewAP(r2, wlantest.APConfig{SSID: []byte("gopkt-test"), Passphrase: "one ess two aps", Clock: b.clock})
		if err != nil {
			t.Fatal(err)
		}
		b.connect("one ess two aps")
		if st := b.vap.Status(); st.BSSID.String() != apMAC.String() {
			t.Fatalf("joined %v, want the stronger %v", st.BSSID, apMAC)
		}
		if !silent {
			b.ap.Deauth(frame.ReasonDeauthLeaving, false)
		}
		b.ap.Radio().Detached = !c.lingering
		b.medium.Run(100)
		start := b.clock.Now()
		for i := 0; i < 500 && !(b.vap.PortOpen() && b.vap.Status().BSSID.String() == mac2.String()); i++ {
			b.clock.Advance(10 * time.Millisecond)
			ap2.Tick()
			if c.lingering {
				b.ap.Tick()
			}
			b.com.Tick()
			b.medium.Run(100000)
		}
		took := b.clock.Now().Sub(start)
		if st := b.vap.Status(); !b.vap.PortOpen() || st.BSSID.String() != mac2.String() {
			t.Fatalf("silent=%v: not on the other AP after %v: %v", silent, took, b.kinds())
		}
		// Leaving: the join alone (a few 10 ms steps). Silent: 10
		// missed beacons (1.02 s) more.
		limit := 100 * time.Millisecond
		if silent {
			limit += 1030 * time.Millisecond
		}
		if took > limit {
			t.Fatalf("silent=%v: on the other AP after %v, want under %v", silent, took, limit)
		}
		if st := b.vap.Stats(); st.RoamScans != 0 || st.Roams != 1 || st.TxReassoc != 1 || (silent != (st.BeaconLoss == 1)) {
			t.Fatalf("roam scans %d, roams %d, reassociation requests %d, beacon losses %d", st.RoamScans, st.Roams, st.TxReassoc, st.BeaconLoss)
		}
		if ap2.Stats.ReassocReqs != 1 || ap2.Stats.LastCurrentAP.String() != apMAC.String() {
			t.Fatalf("AP 2 got %d reassociation requests, the last naming %v", ap2.Stats.ReassocReqs, ap2.Stats.LastCurrentAP)
		}
		r := b.vap.Status().LastRoam
		want := net80211.RoamBeaconLoss
		if !silent {
			want = net80211.RoamLeaving + " (reason 3)"
		}
		if r == nil || r.From.String() != apMAC.String() || r.To.String() != mac2.String() || r.Reason != want || r.Took <= 0 || r.Took > max(took, time.Nanosecond) {
			t.Fatalf("last roam %+v, want from %v to %v, %q, took within %v", r, apMAC, mac2, want, took)
		}
		t.Logf("silent=%v: on the other AP %v after the first one went", silent, took)
		if _, auth := ap2.Associated(); !auth {
			t.Fatal("AP 2 does not see us authorized")
		}
	}
}

// TestRoamPartialScanHearsBeacon: when the other AP's probe responses do
// not come in time (a loaded AP; here the medium loses them), the roam's
// partial scan still finds it by its beacon — it dwells two and a half
// beacon intervals and stops as soon as it hears the ESS — instead of
// falling back to a full scan (TestVMWlanRoam took 2.4 s that way once,
// under load).
//
// The other AP is made an unknown candidate (RoamConfig.Fresh of 1 ms:
// its scan entry is too old at once), so the AP leaving leads to the scan.
func TestRoamPartialScanHearsBeacon(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "one ess two aps", vapCfg: func(c *net80211.VapConfig) { c.Roam.Fresh = time.Millisecond }})
	mac2 := net.HardwareAddr{0x02, 0, 0, 0, 0, 0xb0}
	r2 := b.medium.NewRadio(mac2, 2462, chans)
	r2.SignalDBm = -70
	ap2, err := wlantest.NewAP(r2, wlantest.APConfig{SSID: []byte("gopkt-test"), Passphrase: "one ess two aps", Clock: b.clock})
	if err != nil {
		t.Fatal(err)
	}
	step := func() {
		b.clock.Advance(10 * time.Millisecond)
		ap2.Tick()
		b.com.Tick()
		b.medium.Run(100000)
	}
	if err := b.vap.Connect([]byte("gopkt-test"), "one ess two aps"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500 && !b.vap.PortOpen(); i++ {
		b.ap.Tick()
		step()
	}
	if st := b.vap.Status(); !b.vap.PortOpen() || st.BSSID.String() != apMAC.String() {
		t.Fatalf("joined %v, want the stronger %v", st.BSSID, apMAC)
	}
	// From now on AP 2 answers no probe: only its beacons are heard.
	b.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if f, err := frame.Parse(p); err == nil && from == r2 && f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubProbeResp {
			return nil
		}
		return p
	}
	// Leave right after AP 2's beacon: the next comes 100 TU later,
	// after a 40 ms dwell.
	beacon := false
	b.medium.Trace = func(from *wlantest.Radio, p []byte) {
		if f, err := frame.Parse(p); err == nil && from == r2 && f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubBeacon {
			beacon = true
		}
	}
	for i := 0; i < 20 && !beacon; i++ {
		b.ap.Tick()
		step()
	}
	b.medium.Trace = nil
	n := len(b.events)
	start := b.clock.Now()
	b.ap.Deauth(frame.ReasonDeauthLeaving, false)
	b.ap.Radio().Detached = true
	b.medium.Run(100)
	for i := 0; i < 500 && !(b.vap.PortOpen() && b.vap.Status().BSSID.String() == mac2.String()); i++ {
		step()
	}
	took := b.clock.Now().Sub(start)
	if st := b.vap.Status(); !b.vap.PortOpen() || st.BSSID.String() != mac2.String() {
		t.Fatalf("not on the other AP after %v: %v", took, b.kinds())
	}
	scans := 0
	for _, e := range b.events[n:] {
		if e.Kind == net80211.EventScanning {
			scans++
		}
	}
	// One partial scan (at most a beacon interval and a tick) and the join.
	if scans != 1 || took > 300*time.Millisecond {
		t.Fatalf("on the other AP after %v and %d scans, want one partial scan within 300 ms", took, scans)
	}
	t.Logf("on the other AP %v after the first one went, from its beacon", took)
}
