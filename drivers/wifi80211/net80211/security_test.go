package net80211_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

func TestRekeyPTKAndGTK(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "rekey please"})
	b.connect("rekey please")
	b.pingPong("before")
	ptk := b.vap.PairwiseKey()
	gtk1 := b.vap.GroupKey(1)
	if gtk1 == nil {
		t.Fatal("no GTK in slot 1")
	}
	// Group rekey: new GTK in slot 2, group M2 answered, broadcast works.
	b.ap.RekeyGTK(false)
	b.medium.Run(1000)
	if b.ap.Stats.GroupM2 != 1 || b.vap.GroupKey(2) == nil {
		t.Fatalf("group rekey: AP %+v", b.ap.Stats)
	}
	gtk, id := b.ap.GTK()
	if id != 2 || !b.vap.GroupKey(2).SameMaterial(gtk) {
		t.Fatal("STA does not hold the new GTK")
	}
	bcast := ether([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, apMAC, "to all")
	n := len(b.rx)
	if err := b.ap.SendEther(bcast); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	if len(b.rx) != n+1 || !bytes.Equal(b.rx[n], bcast) {
		t.Fatalf("broadcast under the new GTK not delivered: %+v", b.vap.Stats())
	}
	// Pairwise rekey: a new 4-way handshake under the old PTK.
	b.ap.RekeyPTK()
	b.medium.Run(1000)
	if b.ap.Stats.M4 != 2 {
		t.Fatalf("PTK rekey: AP %+v", b.ap.Stats)
	}
	if nk := b.vap.PairwiseKey(); nk == ptk || nk.TxPN != 0 {
		t.Fatal("PTK not replaced")
	}
	if !b.has(net80211.EventRekeyed) {
		t.Fatalf("events %v", b.kinds())
	}
	b.pingPong("after")
}

// TestKRACK: a retransmitted message 3 (new replay counter) is answered
// with message 4 but never reinstalls the PTK or GTK, so no packet number
// goes back; a replayed message 3 (same counter) is dropped and counted.
func TestKRACK(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "krack attack"})
	b.connect("krack attack")
	for i := range 3 {
		b.pingPong(string(rune('0' + i)))
	}
	ptk := b.vap.PairwiseKey()
	gtk := b.vap.GroupKey(1)
	txpn, rxpn := ptk.TxPN, ptk.RxPN[16]
	gtk.RxPN[16] = 42 // as if 42 group frames had arrived
	m4 := b.ap.Stats.M4

	b.ap.ResendM3()
	b.medium.Run(1000)
	st := b.vap.Stats()
	if b.ap.Stats.M4 != m4+1 {
		t.Fatalf("no message 4 for the retransmitted message 3: %+v", b.ap.Stats)
	}
	if st.KeyReinstall != 2 || b.vap.PairwiseKey() != ptk || b.vap.GroupKey(1) != gtk {
		t.Fatalf("keys reinstalled: reinstall refusals %d", st.KeyReinstall)
	}
	// Message 3 arrived under the PTK and message 4 left under it: each
	// counter moved forward by exactly one, none went back.
	if ptk.TxPN != txpn+1 || ptk.RxPN[16] != rxpn+1 || gtk.RxPN[16] != 42 {
		t.Fatalf("packet numbers moved: tx %d (was %d) rx %d (was %d) group %d", ptk.TxPN, txpn, ptk.RxPN[16], rxpn, gtk.RxPN[16])
	}

	b.ap.ReplayM3()
	b.medium.Run(1000)
	if st2 := b.vap.Stats(); st2.EAPOLReplay != 1 || b.ap.Stats.M4 != m4+1 {
		t.Fatalf("replayed M3: replay drops %d, AP M4 %d", st2.EAPOLReplay, b.ap.Stats.M4)
	}
	// The same GTK again in a group handshake: answered, not reinstalled.
	b.ap.RekeyGTK(true)
	b.medium.Run(1000)
	if b.vap.GroupKey(1) != gtk || gtk.RxPN[16] != 42 || b.vap.Stats().KeyReinstall != 3 || b.ap.Stats.GroupM2 != 1 {
		t.Fatalf("repeated GTK: reinstall %d group M2 %d", b.vap.Stats().KeyReinstall, b.ap.Stats.GroupM2)
	}
	b.pingPong("still fine")
}

// TestReplayedDataDropped re-injects captured protected data frames.
func TestReplayedDataDropped(t *testing.T) {
	for _, s := range []ie.Suite{ie.CipherCCMP128, ie.CipherTKIP} {
		t.Run(s.String(), func(t *testing.T) {
			b := newBench(t, benchOpts{passphrase: "replay me", pairwise: s})
			b.connect("replay me")
			var captured []byte
			b.medium.Trace = func(from *wlantest.Radio, p []byte) {
				if f, err := frame.Parse(p); err == nil && f.Type() == frame.TypeData && f.Protected() && bytes.Equal(f.Addr2(), apMAC) {
					captured = bytes.Clone(p)
				}
			}
			b.pingPong("original")
			b.medium.Trace = nil
			n := len(b.rx)
			// Clear the Retry bit and advance the sequence number (bits
			// 4-15 of Sequence Control, octets 22-23) so the duplicate
			// cache does not catch it: only the PN check can.
			captured[1] &^= byte(frame.FlagRetry >> 8)
			captured[22] += 0x10
			b.ap.Inject(captured)
			b.medium.Run(100)
			st := b.vap.Stats()
			if len(b.rx) != n || st.RxReplay != 1 || b.vap.PairwiseKey().Stats.Replays != 1 {
				t.Fatalf("replay delivered=%d counted=%d", len(b.rx)-n, st.RxReplay)
			}
			b.pingPong("after")
		})
	}
}

// TestMichaelCountermeasures: one Michael failure is reported; a second
// within 60 s deauthenticates (reason 14) and blocks association for 60 s
// (802.11-2016 12.5.2.4); afterwards the STA reconnects by itself.
func TestMichaelCountermeasures(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "tkip is old", pairwise: ie.CipherTKIP})
	b.connect("tkip is old")
	peer := []byte{2, 0, 0, 0, 0, 0x77}
	if err := b.ap.SendEtherBadMIC(ether(staMAC, peer, "bad mic 1")); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	st := b.vap.Stats()
	if st.MICFailures != 1 || st.Countermeas != 0 || b.ap.Stats.MICFailureReports != 1 || !b.ap.Stats.LastMICFailurePairwk {
		t.Fatalf("first failure: %+v AP %+v", st, b.ap.Stats)
	}
	if !b.vap.PortOpen() {
		t.Fatal("one failure must not disconnect")
	}
	b.pingPong("between")
	b.runFor(30 * time.Second)
	if err := b.ap.SendEtherBadMIC(ether(staMAC, peer, "bad mic 2")); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	st = b.vap.Stats()
	if st.MICFailures != 2 || st.Countermeas != 1 || b.ap.Stats.MICFailureReports != 2 {
		t.Fatalf("second failure: %+v", st)
	}
	if b.vap.State() != net80211.StateInit || b.ap.Stats.LastDeauthReason != frame.ReasonMICFailure {
		t.Fatalf("state %v deauth reason %d", b.vap.State(), b.ap.Stats.LastDeauthReason)
	}
	blocked := b.vap.Blocked()
	if got := blocked.Sub(b.clock.Now()); got != 60*time.Second {
		t.Fatalf("blocked for %v", got)
	}
	if err := b.vap.Connect([]byte("gopkt-test"), "tkip is old"); !errors.Is(err, net80211.ErrCountermeasures) {
		t.Fatalf("connect during countermeasures: %v", err)
	}
	auths := b.ap.Stats.AuthReqs
	b.runFor(59 * time.Second)
	if b.ap.Stats.AuthReqs != auths {
		t.Fatal("associated during the 60 s blackout")
	}
	for i := 0; i < 300 && !b.vap.PortOpen(); i++ {
		b.step(10 * time.Millisecond)
	}
	if !b.vap.PortOpen() {
		t.Fatalf("did not reconnect after the blackout: %v", b.kinds())
	}
	// Two failures more than 60 s apart do not trigger countermeasures.
	_ = b.ap.SendEtherBadMIC(ether(staMAC, peer, "bad mic 3"))
	b.medium.Run(100)
	b.runFor(61 * time.Second)
	_ = b.ap.SendEtherBadMIC(ether(staMAC, peer, "bad mic 4"))
	b.medium.Run(100)
	if st := b.vap.Stats(); st.MICFailures != 4 || st.Countermeas != 1 || !b.vap.PortOpen() {
		t.Fatalf("failures 61 s apart: %+v", st)
	}
}

func TestZeroGTKRefused(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "zero key", apCfg: func(c *wlantest.APConfig) { c.GTKOverride = make([]byte, 16) }})
	if err := b.vap.Connect([]byte("gopkt-test"), "zero key"); err != nil {
		t.Fatal(err)
	}
	b.runFor(2 * time.Second)
	st := b.vap.Stats()
	if st.KeyRefused == 0 || b.vap.PortOpen() || b.vap.GroupKey(1) != nil {
		t.Fatalf("all-zero GTK: refused %d port %v", st.KeyRefused, b.vap.PortOpen())
	}
	last := b.events[len(b.events)-1]
	if last.Kind != net80211.EventFailed || !errors.Is(last.Err, net80211.ErrHandshake) || !contains(last.Err.Error(), "all-zero") {
		t.Fatalf("last event %+v", last)
	}
}

func TestM3RSNMismatch(t *testing.T) {
	other := ie.RSN{Version: 1, Group: ie.CipherTKIP, Pairwise: []ie.Suite{ie.CipherTKIP}, AKM: []ie.Suite{ie.AKMPSK}, HasCaps: true}
	b := newBench(t, benchOpts{passphrase: "downgrade", apCfg: func(c *wlantest.APConfig) { c.RSNOverride = ie.AppendRSN(nil, &other) }})
	if err := b.vap.Connect([]byte("gopkt-test"), "downgrade"); err != nil {
		t.Fatal(err)
	}
	b.runFor(time.Second)
	last := b.events[len(b.events)-1]
	if last.Kind != net80211.EventFailed || !errors.Is(last.Err, net80211.ErrSecurityPolicy) || b.vap.PairwiseKey() != nil {
		t.Fatalf("events %v last %+v", b.kinds(), last)
	}
	if b.ap.Stats.M4 != 0 || b.ap.Stats.DeauthRx != 1 {
		t.Fatalf("AP %+v", b.ap.Stats)
	}
}

// TestMalformedEAPOL sends broken EAPOL-Key frames after the handshake:
// each is counted and dropped, and the link keeps working.
func TestMalformedEAPOL(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "fuzzy logic"})
	b.connect("fuzzy logic")
	good := b.ap.LastM3()
	mut := func(f func([]byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := []struct {
		name    string
		pdu     []byte
		counter func(net80211.VapStats) uint64
	}{
		{"truncated", good[:40], func(s net80211.VapStats) uint64 { return s.EAPOLMalformed }},
		{"body-length-past-end", mut(func(p []byte) []byte { p[2], p[3] = 0xff, 0xff; return p }), func(s net80211.VapStats) uint64 { return s.EAPOLMalformed }},
		{"descriptor-wpa1", mut(func(p []byte) []byte { p[4] = eapol.DescWPA; return p }), func(s net80211.VapStats) uint64 { return s.EAPOLMalformed }},
		{"key-data-length", mut(func(p []byte) []byte { p[97] += 8; return p }), func(s net80211.VapStats) uint64 { return s.EAPOLMalformed }},
		{"no-ack", mut(func(p []byte) []byte { p[6] &^= 0x80; return p }), func(s net80211.VapStats) uint64 { return s.EAPOLMalformed }},
		{"replayed-counter", good, func(s net80211.VapStats) uint64 { return s.EAPOLReplay }},
		{"bad-mic", mut(func(p []byte) []byte { p[16]++; p[81] ^= 1; return p }), func(s net80211.VapStats) uint64 { return s.EAPOLBadMIC }},
		{"not-key", mut(func(p []byte) []byte { p[1] = 0; return p }), func(s net80211.VapStats) uint64 { return s.EAPOLMalformed }},
	}
	for _, c := range cases {
		before := c.counter(b.vap.Stats())
		b.ap.SendEAPOLRaw(c.pdu)
		b.medium.Run(100)
		if after := c.counter(b.vap.Stats()); after != before+1 {
			t.Errorf("%s: counter %d -> %d (stats %+v)", c.name, before, after, b.vap.Stats())
		}
		if !b.vap.PortOpen() {
			t.Fatalf("%s closed the port", c.name)
		}
	}
	b.pingPong("survived")
}

// TestMalformedElements: beacons with broken elements are counted and
// never enter the scan cache.
func TestMalformedElements(t *testing.T) {
	b := newBench(t, benchOpts{})
	bad := func(els []byte) []byte {
		h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeMgmt, frame.SubBeacon, 0), Addr1: []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
			Addr2: []byte{2, 0, 0, 0, 0, 0xbb}, Addr3: []byte{2, 0, 0, 0, 0, 0xbb}}
		p := frame.AppendHeader(nil, &h)
		p = append(p, make([]byte, 12)...)
		return append(p, els...)
	}
	for _, els := range [][]byte{
		{0, 5, 'a'}, // SSID length past the end
		{0, 33},     // 33-octet SSID (truncated as well)
		append([]byte{0, 33}, make([]byte, 33)...), // too long an SSID
		{48, 2, 2, 0},                      // RSN version 2
		{48, 7, 1, 0, 0, 0x0f, 0xac, 4, 1}, // RSN pairwise count cut short
		{45, 3, 1, 2, 3},                   // HT caps of 3 octets
		{1, 0},                             // empty rates
	} {
		b.com.Input(bad(els), &net80211.RxInfo{SignalDBm: -30, FreqMHz: 2412})
	}
	b.com.Input([]byte{0x80, 0}, &net80211.RxInfo{})
	if st := b.vap.Stats(); st.RxMalformed != 8 {
		t.Fatalf("malformed %d", st.RxMalformed)
	}
	if len(b.vap.ScanResults()) != 0 {
		t.Fatal("a malformed beacon entered the scan cache")
	}
}

func TestDeauthReconnect(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "come back"})
	b.connect("come back")
	b.ap.Deauth(frame.ReasonUnspecified, false)
	b.medium.Run(1000)
	if !b.has(net80211.EventDisconnected) {
		t.Fatalf("events %v", b.kinds())
	}
	for i := 0; i < 300 && !b.vap.PortOpen(); i++ {
		b.step(10 * time.Millisecond)
	}
	if !b.vap.PortOpen() || b.ap.Stats.M4 != 2 {
		t.Fatalf("no reconnect: %v AP %+v", b.kinds(), b.ap.Stats)
	}
	b.pingPong("after deauth")
	b.ap.Deauth(frame.ReasonUnspecified, true) // disassociation: reassociate, new handshake
	b.medium.Run(1000)
	for i := 0; i < 300 && !b.vap.PortOpen(); i++ {
		b.step(10 * time.Millisecond)
	}
	if !b.vap.PortOpen() || b.ap.Stats.M4 != 3 {
		t.Fatalf("no reassociation: AP %+v", b.ap.Stats)
	}
	b.pingPong("after disassoc")
}

func TestBeaconLoss(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "beacons!!"})
	b.connect("beacons!!")
	b.ap.Beaconing = false
	b.runFor(900 * time.Millisecond)
	if b.vap.Stats().BeaconLoss != 0 {
		t.Fatal("beacon loss declared before 10 intervals")
	}
	b.runFor(200 * time.Millisecond)
	if b.vap.Stats().BeaconLoss != 1 || !b.has(net80211.EventBeaconLoss) {
		t.Fatalf("no beacon loss after 1.1 s: %+v", b.vap.Stats())
	}
	b.ap.Beaconing = true
	for i := 0; i < 300 && !b.vap.PortOpen(); i++ {
		b.step(10 * time.Millisecond)
	}
	if !b.vap.PortOpen() {
		t.Fatalf("did not rejoin: %v", b.kinds())
	}
}

func TestAuthRetriesThenFail(t *testing.T) {
	b := newBench(t, benchOpts{})
	b.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if f, err := frame.Parse(p); err == nil && f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubAuth {
			return nil // authentication frames are lost
		}
		return p
	}
	if err := b.vap.Connect([]byte("gopkt-test"), ""); err != nil {
		t.Fatal(err)
	}
	b.runFor(3 * time.Second)
	last := b.events[len(b.events)-1]
	if last.Kind != net80211.EventFailed || !errors.Is(last.Err, net80211.ErrNoResponse) {
		t.Fatalf("events %v last %+v", b.kinds(), last)
	}
	if st := b.vap.Stats(); st.TxNotAcked != 3 {
		t.Fatalf("auth attempts not acked %d, want 3", st.TxNotAcked)
	}
}

func TestAssocRefusedByACL(t *testing.T) {
	acl := &net80211.ACL{Policy: net80211.ACLDeny}
	acl.Add(staMAC)
	b := newBench(t, benchOpts{apCfg: func(c *wlantest.APConfig) { c.ACL = acl }})
	if err := b.vap.Connect([]byte("gopkt-test"), ""); err != nil {
		t.Fatal(err)
	}
	b.runFor(time.Second)
	last := b.events[len(b.events)-1]
	var op *net80211.OpError
	if last.Kind != net80211.EventFailed || !errors.As(last.Err, &op) || !errors.Is(op, net80211.ErrAssocRefused) || !contains(op.Fix, "status code 37") {
		t.Fatalf("last event %+v", last)
	}
}

func TestSTAACLSkipsBSS(t *testing.T) {
	acl := &net80211.ACL{Policy: net80211.ACLDeny}
	acl.Add(apMAC)
	b := newBench(t, benchOpts{vapCfg: func(c *net80211.VapConfig) { c.ACL = acl }})
	if err := b.vap.Connect([]byte("gopkt-test"), ""); err != nil {
		t.Fatal(err)
	}
	b.runFor(2 * time.Second)
	if st := b.vap.Stats(); st.RxACLDenied == 0 || b.ap.Stats.AuthReqs != 0 {
		t.Fatalf("ACL: denied %d auth %d", st.RxACLDenied, b.ap.Stats.AuthReqs)
	}
}

// TestAssocRetry: the first two Association Requests are lost; the third,
// sent after two timeouts, gets through.
func TestAssocRetry(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "third time lucky"})
	lost := 0
	b.medium.Filter = func(from *wlantest.Radio, p []byte) []byte {
		if f, err := frame.Parse(p); err == nil && f.Type() == frame.TypeMgmt && f.Subtype() == frame.SubAssocReq && lost < 2 {
			lost++
			return nil
		}
		return p
	}
	start := b.clock.Now()
	b.connect("third time lucky")
	if lost != 2 || b.ap.Stats.AssocReqs != 1 {
		t.Fatalf("lost %d, AP saw %d requests", lost, b.ap.Stats.AssocReqs)
	}
	if took := b.clock.Now().Sub(start); took < 600*time.Millisecond {
		t.Fatalf("connected after %v: the retries did not wait for the 300 ms timeout", took)
	}
}
