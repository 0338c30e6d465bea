package vcard_test

import (
	"bytes"
	"testing"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/soft"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
)

// The key cache in the crypto offload API: chosen over the software engine
// by capability and priority whatever the registration order, used for
// real frames through its sessions, and replaced by software per key when
// its slots run out or the algorithm is not the card's.
func TestKeyCacheEngine(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(t, md, macA, vcard.Poll)
	b := newCard(t, md, macB, vcard.Poll)
	var reg crypto.Registry
	sw := soft.New(soft.Options{})
	if err := reg.Register(sw); err != nil { // software first: order must not matter
		t.Fatal(err)
	}
	kcA := a.d.KeyCache()
	if err := reg.Register(kcA); err != nil {
		t.Fatal(err)
	}
	if e, err := reg.Select(crypto.CCMP128, 16, crypto.Needs{}); err != nil || e != crypto.Engine(kcA) {
		t.Fatalf("Select(CCMP-128) = %v, %v; want the key cache", e, err)
	}
	if e, err := reg.Select(crypto.CCMP128, 16, crypto.Needs{Mode: crypto.Lookaside}); err != nil || e.Name() != sw.Name() {
		t.Fatalf("Select(CCMP-128, lookaside) = %v, %v; want software", e, err)
	}
	if s, err := reg.NewSession(crypto.TKIP, make([]byte, 16), crypto.Needs{}); err != nil || s.Engine().Name() != sw.Name() {
		t.Fatalf("TKIP session on %v, %v: want software", s, err)
	}

	tk := bytes.Repeat([]byte{0x42}, 16)
	s, err := reg.NewSession(crypto.CCMP128, tk, crypto.Needs{})
	if err != nil {
		t.Fatal(err)
	}
	ks, ok := s.(*vcard.KeySession)
	if !ok {
		t.Fatalf("CCMP-128 session %T on %s: want the key cache", s, s.Engine().Name())
	}
	if err := ks.Bind(vcard.Binding{Peer: mac(macB), TSC: 100}); err != nil {
		t.Fatal(err)
	}
	rx, err := b.d.KeyCache().NewSession(crypto.CCMP128, tk)
	if err != nil {
		t.Fatal(err)
	}
	if err := rx.(*vcard.KeySession).Bind(vcard.Binding{Peer: mac(macA)}); err != nil {
		t.Fatal(err)
	}
	f := dataFrame(mac(macB), mac(macA), mac(macB), 3, "sealed by the session's slot")
	if st := a.send(t, f, vcard.TxInfo{Key: ks.Slot()}); !st.Acked || st.PN != 101 {
		t.Fatalf("status %+v", st)
	}
	frames, info := b.recv()
	if len(frames) != 1 || !info[0].Decrypted || !bytes.Equal(frames[0], f) {
		t.Fatalf("B: %x %+v", frames, info)
	}
	if st := kcA.Stats(); st.Ops != 1 || st.Sessions != 1 {
		t.Fatalf("engine stats %+v", st)
	}

	// Fill the remaining 15 slots; the 17th CCMP session is software's.
	var sessions []crypto.Session
	for range 15 {
		x, err := reg.NewSession(crypto.CCMP128, tk, crypto.Needs{})
		if err != nil || x.Engine() != crypto.Engine(kcA) {
			t.Fatalf("session %d on %v: %v", len(sessions), x, err)
		}
		sessions = append(sessions, x)
	}
	over, err := reg.NewSession(crypto.CCMP128, tk, crypto.Needs{})
	if err != nil || over.Engine().Name() != sw.Name() {
		t.Fatalf("with the cache full: %v on %v; want software", err, over)
	}
	for _, x := range append(sessions, ks, rx) {
		if err := x.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if kcA.Free() != 16 || kcA.Stats().Sessions != 0 {
		t.Fatalf("after closing: %d free slots, stats %+v", kcA.Free(), kcA.Stats())
	}
}
