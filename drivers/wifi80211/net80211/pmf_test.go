package net80211_test

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

func pmfBench(t *testing.T, mode int) *bench {
	b := newBench(t, benchOpts{passphrase: "protect me please", apCfg: func(c *wlantest.APConfig) { c.PMF = mode }})
	b.connect("protect me please")
	if st := b.vap.Status(); !st.PMF || !b.ap.PMF.StaMFPC {
		t.Fatalf("PMF %v, AP saw MFPC %v", st.PMF, b.ap.PMF.StaMFPC)
	}
	b.pingPong("pmf")
	return b
}

// forgedDeauth is an unprotected Deauthentication as the AP's address
// would send it: what an attacker injects.
func forgedDeauth() []byte {
	h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeMgmt, frame.SubDeauth, 0), Addr1: staMAC, Addr2: apMAC, Addr3: apMAC, SeqCtl: frame.SeqCtlOf(7, 0)}
	return binary.LittleEndian.AppendUint16(frame.AppendHeader(nil, &h), frame.ReasonDeauthLeaving)
}

func (b *bench) connectedCount() int {
	n := 0
	for _, e := range b.events {
		if e.Kind == net80211.EventConnected {
			n++
		}
	}
	return n
}

// TestPMFRequired: against an AP with MFPR we negotiate MFPC, take the
// IGTK, answer the AP's SA Query under CCMP, and an unprotected
// Deauthentication only starts our SA Query, which the AP answers.
func TestPMFRequired(t *testing.T) {
	b := pmfBench(t, 2)
	b.ap.SAQuery(0x1234)
	b.medium.Run(100)
	if b.ap.PMF.SAQueryRx != 1 || b.ap.PMF.LastSAQueryID != 0x1234 || b.vap.Stats().SAQueryAnswered != 1 {
		t.Fatalf("SA Query: AP got %d responses (id %#x)", b.ap.PMF.SAQueryRx, b.ap.PMF.LastSAQueryID)
	}
	b.ap.Inject(forgedDeauth())
	b.runFor(2 * time.Second)
	st := b.vap.Stats()
	if b.vap.State() != net80211.StateRun || !b.vap.PortOpen() || b.has(net80211.EventDisconnected) {
		t.Fatalf("a forged deauthentication ended the association: %v", b.kinds())
	}
	if st.RxMgmtUnprotected != 1 || b.ap.PMF.SAQueryReqRx != 1 || st.SAQueryConfirmed != 1 || st.SAQueryTimeouts != 0 {
		t.Fatalf("stats %+v; AP got %d SA Query requests", st, b.ap.PMF.SAQueryReqRx)
	}
	b.pingPong("still here")
	// A group-addressed Deauthentication with a wrong BIP MIC is dropped;
	// with the right one it ends the association, and we rejoin.
	b.ap.BroadcastDeauth(frame.ReasonDeauthLeaving, true)
	b.medium.Run(10)
	if b.vap.Stats().RxBIPError != 1 || b.has(net80211.EventDisconnected) {
		t.Fatalf("bad BIP: %d errors, events %v", b.vap.Stats().RxBIPError, b.kinds())
	}
	b.ap.BroadcastDeauth(frame.ReasonDeauthLeaving, false)
	b.medium.Run(10)
	if !b.has(net80211.EventDisconnected) {
		t.Fatalf("a valid BIP deauthentication was ignored: %v", b.kinds())
	}
	b.runFor(5 * time.Second)
	if b.connectedCount() != 2 {
		t.Fatalf("no rejoin: %v", b.kinds())
	}
}

// TestPMFProtectedDeauth: a CCMP-protected Deauthentication from the AP
// ends the association (and we rejoin); our own leave is protected too.
func TestPMFProtectedDeauth(t *testing.T) {
	b := pmfBench(t, 1)
	b.ap.DeauthProtected(frame.ReasonDeauthLeaving)
	b.medium.Run(10)
	if !b.has(net80211.EventDisconnected) {
		t.Fatalf("protected deauthentication ignored: %v", b.kinds())
	}
	b.runFor(5 * time.Second)
	if b.connectedCount() != 2 || !b.vap.Status().PMF {
		t.Fatalf("no rejoin with PMF: %v", b.kinds())
	}
	b.vap.Disconnect()
	b.medium.Run(10)
	if b.ap.PMF.DeauthProtectedRx != 1 {
		t.Fatalf("our deauthentication was not protected (AP: %+v)", b.ap.PMF)
	}
}

// TestPMFSAQueryTimeout: the AP does not answer our SA Query (it lost our
// keys): after about a second we give up the association and rejoin.
func TestPMFSAQueryTimeout(t *testing.T) {
	b := pmfBench(t, 2)
	b.ap.SAQueryAnswers = false
	b.ap.Inject(forgedDeauth())
	b.runFor(800 * time.Millisecond)
	if b.has(net80211.EventDisconnected) {
		t.Fatalf("left before the SA Query timed out: %v", b.kinds())
	}
	b.runFor(400 * time.Millisecond)
	if st := b.vap.Stats(); st.SAQueryTimeouts != 1 || !b.has(net80211.EventDisconnected) || b.ap.PMF.SAQueryReqRx < 4 {
		t.Fatalf("stats %+v, %d requests, events %v", st, b.ap.PMF.SAQueryReqRx, b.kinds())
	}
}

// TestPMFNotOffered: without MFPC at the AP, nothing is protected and an
// unprotected deauthentication is obeyed as before.
func TestPMFNotOffered(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "no protection"})
	b.connect("no protection")
	if b.vap.Status().PMF || b.ap.PMF.StaMFPC {
		t.Fatal("PMF without an AP that offers it")
	}
	b.ap.Inject(forgedDeauth())
	b.medium.Run(10)
	if !b.has(net80211.EventDisconnected) {
		t.Fatalf("deauthentication ignored: %v", b.kinds())
	}
}
