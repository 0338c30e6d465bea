package net80211_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// The connection monitor's tests run with the wlan tool's timeouts: 3
// beacon intervals to move to a known AP, 50 to give a lone AP up.
func monitorCfg(c *net80211.VapConfig) {
	c.Timeouts.BeaconMiss, c.Timeouts.BeaconLost = 3, 50
}

// isNull reports whether p is a Null Data frame (the monitor's probe).
func isNull(p []byte) bool {
	f, err := frame.Parse(p)
	return err == nil && f.Type() == frame.TypeData && f.Subtype() == frame.SubNull
}

// TestMonitorAPGone: the AP we are on vanishes (its radio off the air: no
// beacon, nothing acknowledged). The first missed beacon, half an
// interval late, starts a probe; it and the second go unacknowledged, and
// the loss is declared then — 1.5 beacon intervals and a tick after the
// last beacon, not BeaconMiss intervals — and we move to the other AP.
func TestMonitorAPGone(t *testing.T) {
	w := newTwoAPs(t, monitorCfg)
	w.connect1()
	var last, lost time.Time
	nulls := 0
	w.medium.Trace = func(from *wlantest.Radio, p []byte) {
		if f, err := frame.Parse(p); err == nil && from == w.ap.Radio() && f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubBeacon {
			last = w.clock.Now()
		}
		if from != w.ap.Radio() && from != w.r2 && isNull(p) && w.ap.Radio().Detached {
			nulls++
		}
	}
	w.runFor(time.Second)
	before := w.vap.Stats()
	w.ap.Radio().Detached = true
	for i := 0; i < 100 && !w.on(w.mac2); i++ {
		w.step()
		if lost.IsZero() && w.vap.Stats().ProbeLosses == 1 {
			lost = w.clock.Now()
		}
	}
	if !w.on(w.mac2) {
		t.Fatalf("not on AP 2: %v", w.kinds())
	}
	tu := 102400 * time.Microsecond
	if d := lost.Sub(last); d > tu+tu/2+10*time.Millisecond {
		t.Fatalf("loss declared %v after the last beacon, want within 1.5 beacon intervals and a tick (%v)", d, tu+tu/2+10*time.Millisecond)
	}
	st := w.vap.Stats()
	if st.ProbeSent-before.ProbeSent != 2 || st.ProbeUnacked-before.ProbeUnacked != 2 || st.ProbeLosses != 1 || st.BeaconLoss != 1 || st.Roams != 1 || nulls != 2 {
		t.Fatalf("probes sent %d, unacknowledged %d (%d Nulls on the air), losses by probe %d, beacon losses %d, roams %d",
			st.ProbeSent-before.ProbeSent, st.ProbeUnacked-before.ProbeUnacked, nulls, st.ProbeLosses, st.BeaconLoss, st.Roams)
	}
	r := w.vap.Status().LastRoam
	if r == nil || !strings.HasPrefix(r.Reason, "beacon loss: no beacon for ") || !strings.HasSuffix(r.Reason, " ms, 2 probes unacknowledged") {
		t.Fatalf("last roam %+v", r)
	}
	t.Logf("loss declared %v after the last beacon (%s), on AP 2 %v after it", lost.Sub(last), r.Reason, w.clock.Now().Sub(last))
}

// TestMonitorStallNoRoam: the AP is alive but its beacons do not reach us
// for 700 ms — more than BeaconMiss intervals (307 ms), as when a loaded
// host does not run the AP's beacon timer or our receive path. The probes
// are acknowledged (the medium's verdict, not our scheduling), so we stay
// on it: no beacon loss, no roam, however long the beacons are late,
// within Timeouts.BeaconLost.
func TestMonitorStallNoRoam(t *testing.T) {
	w := newTwoAPs(t, monitorCfg)
	w.connect1()
	w.runFor(500 * time.Millisecond)
	before := w.vap.Stats()
	w.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if f, err := frame.Parse(p); err == nil && from == w.ap.Radio() && f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubBeacon {
			return nil
		}
		return p
	}
	w.runFor(700 * time.Millisecond)
	w.medium.Filter = nil
	w.runFor(500 * time.Millisecond)
	st := w.vap.Stats()
	if !w.on(apMAC) || st.BeaconLoss != 0 || st.Roams != 0 {
		t.Fatalf("left the live AP: on AP 1 %v, beacon losses %d, roams %d, events %v", w.on(apMAC), st.BeaconLoss, st.Roams, w.kinds())
	}
	sent, acked := st.ProbeSent-before.ProbeSent, st.ProbeAcked-before.ProbeAcked
	if sent < 3 || acked != sent || st.ProbeUnacked != 0 || st.ProbeLosses != 0 {
		t.Fatalf("probes sent %d, acknowledged %d, unacknowledged %d, losses %d", sent, acked, st.ProbeUnacked, st.ProbeLosses)
	}
	w.pingPong("after the stall")
	t.Logf("700 ms without beacons: %d probes, all acknowledged", sent)
}

// TestMonitorTxFailures: frames to the AP going unacknowledged start a
// probe even while its beacons come (an AP whose radio hears us no more,
// or a link gone one-way). An acknowledged probe keeps us there; when the
// probes are not acknowledged either, we move to the other AP at once.
func TestMonitorTxFailures(t *testing.T) {
	w := newTwoAPs(t, monitorCfg)
	w.connect1()
	w.runFor(500 * time.Millisecond)
	peer := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x77}
	dropNulls := false
	toAP := func(p []byte) bool {
		f, err := frame.Parse(p)
		return err == nil && f.Type() == frame.TypeData && len(f.Addr1()) == 6 && f.Addr1().String() == apMAC.String()
	}
	w.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if from != w.ap.Radio() && from != w.r2 && toAP(p) && (dropNulls || !isNull(p)) {
			return nil // lost on the air: not acknowledged
		}
		return p
	}
	send := func(n int) {
		for range n {
			if err := w.vap.Output(ether(peer, staMAC, "uplink")); err != nil {
				t.Fatal(err)
			}
			w.medium.Run(1000)
		}
	}
	before := w.vap.Stats()
	send(3)
	w.step() // the next tick starts the probe
	st := w.vap.Stats()
	if st.ProbeTxFail-before.ProbeTxFail != 1 || st.ProbeSent-before.ProbeSent != 1 || st.ProbeAcked-before.ProbeAcked != 1 || !w.on(apMAC) || st.Roams != 0 {
		t.Fatalf("after 3 failures: rounds by TX failure %d, probes %d, acknowledged %d, on AP 1 %v, roams %d",
			st.ProbeTxFail-before.ProbeTxFail, st.ProbeSent-before.ProbeSent, st.ProbeAcked-before.ProbeAcked, w.on(apMAC), st.Roams)
	}
	// Now the probes are lost too: the AP is gone for us though its
	// beacons still come.
	dropNulls = true
	send(3)
	start := w.clock.Now()
	for i := 0; i < 50 && !w.on(w.mac2); i++ {
		w.step()
	}
	w.medium.Filter = nil
	if !w.on(w.mac2) {
		t.Fatalf("not on AP 2 with the probes to AP 1 unacknowledged: %+v", w.vap.Stats())
	}
	r := w.vap.Status().LastRoam
	if r == nil || r.Reason != "beacon loss: 3 frames unacknowledged, 2 probes unacknowledged" {
		t.Fatalf("last roam %+v", r)
	}
	t.Logf("on AP 2 %v after the third failure (%s)", w.clock.Now().Sub(start), r.Reason)
}

// TestMonitorSilentAckingAP: an AP whose radio still acknowledges our
// probes but which sends nothing at all — hostapd stopped, its interface
// left up — is left for the known other AP after 10 beacon intervals
// without a beacon, not after Timeouts.BeaconLost (5 s here).
func TestMonitorSilentAckingAP(t *testing.T) {
	w := newTwoAPs(t, monitorCfg)
	w.connect1()
	var last time.Time
	w.medium.Trace = func(from *wlantest.Radio, p []byte) {
		if f, err := frame.Parse(p); err == nil && from == w.ap.Radio() && f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubBeacon {
			last = w.clock.Now()
		}
	}
	w.runFor(500 * time.Millisecond)
	w.medium.Trace = nil
	w.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if from == w.ap.Radio() {
			return nil // the AP sends nothing; its radio still acknowledges
		}
		return p
	}
	for i := 0; i < 200 && !w.on(w.mac2); i++ {
		w.step()
	}
	w.medium.Filter = nil
	if !w.on(w.mac2) {
		t.Fatalf("still on the silent AP: %+v", w.vap.Stats())
	}
	r := w.vap.Status().LastRoam
	tu := 102400 * time.Microsecond
	if d := r.At.Sub(last); d < 10*tu || d > 10*tu+10*time.Millisecond {
		t.Fatalf("moved %v after the last beacon, want 10 beacon intervals and a tick", d)
	}
	if st := w.vap.Stats(); st.ProbeAcked == 0 || st.ProbeLosses != 0 || !strings.Contains(r.Reason, "probes acknowledged") {
		t.Fatalf("probes acknowledged %d, losses by probe %d, reason %q", st.ProbeAcked, st.ProbeLosses, r.Reason)
	}
	t.Logf("moved %v after the last beacon (%s)", r.At.Sub(last), r.Reason)
}

// TestMonitorSlowStatus: while a probe waits for its TX status (500 ms
// here: a starved host), BeaconMiss passing does not move us — the
// probe's verdict decides; unacknowledged, the second probe goes out and
// the loss follows.
func TestMonitorSlowStatus(t *testing.T) {
	w := newTwoAPs(t, monitorCfg)
	w.connect1()
	w.runFor(time.Second)
	w.ap.Radio().Detached = true
	for i := 0; i < 50 && w.vap.Stats().ProbeSent == 0; i++ {
		w.clock.Advance(10 * time.Millisecond)
		w.ap2.Tick()
		w.com.Tick() // the medium does not run: the probe's status waits
	}
	if w.vap.Stats().ProbeSent == 0 {
		t.Fatal("no probe")
	}
	for range 50 { // 500 ms: past BeaconMiss (307 ms), within the wait
		w.clock.Advance(10 * time.Millisecond)
		w.com.Tick()
	}
	if st := w.vap.Stats(); st.ProbeNoStatus != 0 || st.Roams != 0 || st.BeaconLoss != 0 {
		t.Fatalf("probes without status %d, roams %d, beacon losses %d while the probe waited", st.ProbeNoStatus, st.Roams, st.BeaconLoss)
	}
	for i := 0; i < 50 && !w.on(w.mac2); i++ {
		w.step()
	}
	st := w.vap.Stats()
	if r := w.vap.Status().LastRoam; !w.on(w.mac2) || st.ProbeUnacked != 2 || st.ProbeLosses != 1 || r == nil || !strings.HasSuffix(r.Reason, "2 probes unacknowledged") {
		t.Fatalf("on AP 2 %v, unacknowledged %d, losses by probe %d, last roam %+v", w.on(w.mac2), st.ProbeUnacked, st.ProbeLosses, r)
	}
}

// TestMonitorLoneAPGone: with no other AP of the ESS known, an AP whose
// probes go unacknowledged is left for a full scan at once, not after
// Timeouts.BeaconLost (50 intervals here).
func TestMonitorLoneAPGone(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "lone access point", vapCfg: monitorCfg})
	b.connect("lone access point")
	b.runFor(500 * time.Millisecond)
	b.ap.Radio().Detached = true
	start := b.clock.Now()
	for i := 0; i < 100 && b.vap.State() == net80211.StateRun; i++ {
		b.step(10 * time.Millisecond)
	}
	took := b.clock.Now().Sub(start)
	if st := b.vap.Stats(); b.vap.State() == net80211.StateRun || !b.has(net80211.EventScanning) || st.ProbeLosses != 1 || took > 200*time.Millisecond {
		t.Fatalf("state %v after %v, losses by probe %d: %v", b.vap.State(), took, st.ProbeLosses, b.kinds())
	}
	t.Logf("scanning %v after the AP went", took)
}
