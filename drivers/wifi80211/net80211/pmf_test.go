package net80211_test

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
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

// TestPMFCiphers joins APs with PMF over each pairwise and group cipher
// and group management cipher combination hostapd offers that we have:
// the Status names them, data flows, the AP's SA Query is answered under
// the pairwise cipher, a group-addressed Deauthentication with a wrong
// MIC is dropped and counted, an IGTK rekey (the other key ID, in a group
// key handshake) is taken with the suite's key length, and a valid
// group-addressed Deauthentication under the new IGTK is verified and
// obeyed. The AP offers CCMP-128, GCMP-128 and GCMP-256 in the GCMP-256
// cases: we choose GCMP-256.
func TestPMFCiphers(t *testing.T) {
	for _, tc := range []struct {
		pairwise, group, mgmt ie.Suite
		offer                 []ie.Suite
		sae                   bool
	}{
		{ie.CipherGCMP256, ie.CipherGCMP256, ie.CipherBIPGMAC256, []ie.Suite{ie.CipherCCMP128, ie.CipherGCMP128, ie.CipherGCMP256}, false},
		{ie.CipherGCMP256, ie.CipherGCMP256, ie.CipherBIPGMAC256, []ie.Suite{ie.CipherGCMP128, ie.CipherGCMP256}, true},
		{ie.CipherGCMP128, ie.CipherGCMP128, ie.CipherBIPGMAC128, nil, false},
		{ie.CipherCCMP128, ie.CipherCCMP128, ie.CipherBIPCMAC256, nil, false},
		{ie.CipherCCMP128, ie.CipherGCMP256, ie.CipherBIPGMAC256, nil, true},
		{ie.CipherGCMP256, ie.CipherCCMP128, 0, nil, false}, // BIP-CMAC-128, named by no one
	} {
		name := fmt.Sprintf("%v/%v/%v", tc.pairwise, tc.group, tc.mgmt)
		if tc.sae {
			name += "/SAE"
		}
		t.Run(name, func(t *testing.T) {
			b := newBench(t, benchOpts{passphrase: "protect me please", pairwise: tc.pairwise, apCfg: func(c *wlantest.APConfig) {
				c.PMF, c.Group, c.GroupMgmt, c.OfferPairwise = 2, tc.group, tc.mgmt, tc.offer
				if tc.sae {
					c.SAE = 1
				}
			}})
			b.connect("protect me please")
			mgmt := tc.mgmt
			if mgmt == 0 {
				mgmt = ie.CipherBIPCMAC
			}
			st := b.vap.Status()
			if !st.PMF || st.Pairwise != tc.pairwise.String() || st.Group != tc.group.String() || st.GroupMgmt != mgmt.String() {
				t.Fatalf("status: PMF %v, pairwise %s, group %s, group management %s", st.PMF, st.Pairwise, st.Group, st.GroupMgmt)
			}
			if k := b.vap.PairwiseKey(); len(k.Material()) != tkLenOf(tc.pairwise) {
				t.Fatalf("TK of %d octets", len(k.Material()))
			}
			b.pingPong("pmf " + name)
			b.ap.SAQuery(0x4242)
			b.medium.Run(100)
			if b.ap.PMF.SAQueryRx != 1 || b.vap.Stats().SAQueryAnswered != 1 {
				t.Fatalf("SA Query under %v: AP got %d responses", tc.pairwise, b.ap.PMF.SAQueryRx)
			}
			b.ap.BroadcastDeauth(frame.ReasonDeauthLeaving, true)
			b.medium.Run(10)
			if st := b.vap.Stats(); st.RxBIPError != 1 || st.RxBIPVerified != 0 || b.has(net80211.EventDisconnected) {
				t.Fatalf("bad MIC: %d errors, %d verified, events %v", st.RxBIPError, st.RxBIPVerified, b.kinds())
			}
			if err := b.ap.RekeyIGTK(); err != nil {
				t.Fatal(err)
			}
			b.ap.RekeyGTK(false)
			b.medium.Run(100)
			if b.ap.Stats.GroupM2 != 1 {
				t.Fatalf("group key handshake with the new IGTK not answered (%d group M2)", b.ap.Stats.GroupM2)
			}
			b.pingPong("after the group rekey")
			b.ap.BroadcastDeauth(frame.ReasonDeauthLeaving, false)
			b.medium.Run(10)
			if st := b.vap.Stats(); st.RxBIPVerified != 1 || !b.has(net80211.EventDisconnected) {
				t.Fatalf("valid MIC under the new IGTK: %d verified, %d errors, events %v", st.RxBIPVerified, st.RxBIPError, b.kinds())
			}
			b.runFor(5 * time.Second)
			if b.connectedCount() != 2 || !b.vap.Status().PMF {
				t.Fatalf("no rejoin: %v", b.kinds())
			}
			b.pingPong("rejoined")
		})
	}
}

// tkLenOf is the TK length of the pairwise ciphers above.
func tkLenOf(s ie.Suite) int {
	if s == ie.CipherGCMP256 {
		return 32
	}
	return 16
}
