package net80211_test

import (
	"net"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// htRadio is the test radio claiming HT reception (net80211.HTRadio).
type htRadio struct{ *wlantest.Radio }

func (htRadio) HTCaps() ie.HTCaps {
	h := ie.HTCaps{Info: ie.HTCapSMPSMask}
	h.MCS[0] = 0xff
	return h
}

func qosBench(t testing.TB, ht bool, pass string) *bench {
	o := benchOpts{passphrase: pass, apCfg: func(c *wlantest.APConfig) { c.QoS = true }}
	if ht {
		o.comCfg = func(c *net80211.ComConfig) { c.Radio = htRadio{c.Radio.(*wlantest.Radio)} }
	}
	return newBench(t, o)
}

// TestQoSData: against a WMM+HT AP the association asks for WMM with the
// card's HT Capabilities, data flows as QoS Data both ways under CCMP
// (the TID in the nonce and AAD), with a TID from the IP precedence, and
// a Block Ack agreement is accepted (reorder_test.go has what follows).
func TestQoSData(t *testing.T) {
	b := qosBench(t, true, "quality of service")
	var upQoS, downQoS int
	var upTIDs []uint8
	b.medium.Trace = func(_ *wlantest.Radio, p []byte) {
		f, err := frame.Parse(p)
		if err != nil || f.Type() != frame.TypeData || !f.FC().IsQoSData() {
			return
		}
		if f.FC()&frame.FlagToDS != 0 {
			upQoS++
			upTIDs = append(upTIDs, f.TID())
		} else {
			downQoS++
		}
	}
	b.connect("quality of service")
	st := b.vap.Status()
	if !st.QoS || !st.HT || !b.ap.Stats.StaWMM || !b.ap.Stats.StaHT || b.ap.Stats.StaHTCaps.MCS[0] != 0xff || b.ap.Stats.StaHTCaps.Info != ie.HTCapSMPSMask {
		t.Fatalf("status QoS %v HT %v; AP saw WMM %v HT %v %+v", st.QoS, st.HT, b.ap.Stats.StaWMM, b.ap.Stats.StaHT, b.ap.Stats.StaHTCaps)
	}
	// The handshake's EAPOL frames went as QoS Data, TID 7.
	if upQoS < 2 || upTIDs[0] != 7 {
		t.Fatalf("handshake: %d QoS frames up, TIDs %v", upQoS, upTIDs)
	}
	for i, tid := range []uint8{0, 5, 6} {
		b.ap.DataTID = tid
		b.pingPong(string(rune('a' + i)))
	}
	if downQoS < 3+2 || b.ap.Stats.QoSDataRx < 3+2 || b.ap.Stats.DecryptErrors != 0 {
		t.Fatalf("QoS data: %d down, AP got %d, decrypt errors %d", downQoS, b.ap.Stats.QoSDataRx, b.ap.Stats.DecryptErrors)
	}
	// IPv4 with DSCP EF (precedence 5) goes as TID 5.
	peer := net.HardwareAddr{2, 0, 0, 0, 0, 0x77}
	if err := b.vap.Output(ether(peer, staMAC, "\x45\xb8 voice")); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	if b.ap.Stats.LastTID != 5 {
		t.Fatalf("EF frame sent as TID %d", b.ap.Stats.LastTID)
	}
	// Replay counters are per TID on receive: TID 6 after TID 5 frames
	// with higher PNs is fine, and each TID keeps its own.
	if k := b.vap.PairwiseKey(); k.RxPN[0] == 0 || k.RxPN[5] == 0 || k.RxPN[6] == 0 {
		t.Fatalf("per-TID receive counters %v", k.RxPN)
	}
	b.ap.SendADDBA(0)
	b.medium.Run(100)
	if b.ap.Stats.ADDBAResponses != 1 || b.ap.Stats.LastADDBAStatus != 0 || b.vap.Stats().RxAction != 1 || b.vap.Stats().BAAccepted != 1 {
		t.Fatalf("ADDBA: %d responses, status %d", b.ap.Stats.ADDBAResponses, b.ap.Stats.LastADDBAStatus)
	}
}

// TestQoSWithoutHT: a card without HT still gets WMM (QoS data) from a
// WMM AP, and an AP without WMM gets neither element.
func TestQoSWithoutHT(t *testing.T) {
	b := qosBench(t, false, "")
	b.connect("")
	if st := b.vap.Status(); !st.QoS || st.HT || !b.ap.Stats.StaWMM || b.ap.Stats.StaHT {
		t.Fatalf("QoS %v HT %v; AP saw WMM %v HT %v", st.QoS, st.HT, b.ap.Stats.StaWMM, b.ap.Stats.StaHT)
	}
	b.pingPong("open-qos")
	if b.ap.Stats.QoSDataRx != 1 {
		t.Fatalf("AP got %d QoS frames", b.ap.Stats.QoSDataRx)
	}
	// Without HT there are no A-MPDUs to reorder: a Block Ack agreement
	// is declined with status 37.
	b.ap.SendADDBA(0)
	b.medium.Run(100)
	if b.ap.Stats.ADDBAResponses != 1 || b.ap.Stats.LastADDBAStatus != 37 || b.vap.Stats().BADeclined != 1 {
		t.Fatalf("ADDBA without HT: %d responses, status %d", b.ap.Stats.ADDBAResponses, b.ap.Stats.LastADDBAStatus)
	}
	// A malformed A-MSDU (40 zero octets: the third subframe is cut) is
	// counted and dropped.
	h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubQoSData, frame.FlagFromDS), Addr1: staMAC, Addr2: apMAC, Addr3: apMAC,
		SeqCtl: frame.SeqCtlOf(100, 0), QoS: frame.QoSAMSDU}
	amsdu := append(frame.AppendHeader(nil, &h), make([]byte, 40)...)
	n := len(b.rx)
	b.ap.Inject(amsdu)
	b.medium.Run(10)
	if b.vap.Stats().RxAMSDU != 1 || len(b.rx) != n {
		t.Fatalf("A-MSDU: counted %d, delivered %d", b.vap.Stats().RxAMSDU, len(b.rx)-n)
	}

	plain := newBench(t, benchOpts{comCfg: func(c *net80211.ComConfig) { c.Radio = htRadio{c.Radio.(*wlantest.Radio)} }})
	plain.connect("")
	if st := plain.vap.Status(); st.QoS || st.HT || plain.ap.Stats.StaWMM || plain.ap.Stats.StaHT {
		t.Fatalf("legacy AP: QoS %v HT %v; AP saw WMM %v HT %v", st.QoS, st.HT, plain.ap.Stats.StaWMM, plain.ap.Stats.StaHT)
	}
	plain.pingPong("legacy")
}
