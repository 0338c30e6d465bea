package net80211_test

import (
	"bytes"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
	"github.com/gopkt/gopkt/drivers/wifi80211/wlantest"
)

// TestPTKRekeyRetransmittedM1 reproduces the ordering seen against hostapd
// under wpa_ptk_rekey on a slow guest: the authenticator retransmits
// message 1 of a pairwise rekey (same ANonce, next counter) before our
// message 2 arrives, then answers the FIRST message 2 with message 3. The
// supplicant must have answered both messages 1 with the same SNonce, or
// message 3 fails its MIC and the authenticator gives up (and its group
// handshake, waiting behind the 4-way, fails after 4 tries).
func TestPTKRekeyRetransmittedM1(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "rekey twice"})
	b.connect("rekey twice")
	b.pingPong("before")
	ptk := b.vap.PairwiseKey()
	b.ap.RekeyPTK()
	b.ap.ResendM1()
	b.medium.Run(1000)
	st := b.vap.Stats()
	if st.EAPOLBadMIC != 0 || b.ap.Stats.BadMIC != 0 || b.ap.Stats.M2 != 2 || b.ap.Stats.M4 != 2 {
		t.Fatalf("rekey with a retransmitted message 1: STA bad MICs %d, AP %+v", st.EAPOLBadMIC, b.ap.Stats)
	}
	if nk := b.vap.PairwiseKey(); nk == ptk || !nk.SameMaterial(b.ap.StationKey().Material()) {
		t.Fatal("the PTK was not replaced by the AP's new one")
	}
	b.pingPong("after")
}

// TestGroupHandshakeUnderNewPTK: during a pairwise rekey the authenticator
// protects a group message 1 with the PTK of our message 2 as soon as that
// verified; when it reaches us before message 3 (here message 3 is lost),
// the supplicant must accept it under the proposed PTK, answer with that
// KCK, and still complete the 4-way handshake on the retransmitted
// message 3.
func TestGroupHandshakeUnderNewPTK(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "group in between"})
	b.connect("group in between")
	apRadio := b.ap.Radio()
	dropped := 0
	b.medium.Filter = func(from *wlantest.Radio, f []byte) []byte {
		// The first AP data frame after the rekey's message 2 is message 3.
		if fr, err := frame.Parse(f); err == nil && from == apRadio && fr.Type() == frame.TypeData && b.ap.Stats.M2 == 2 && dropped == 0 {
			dropped++
			return nil
		}
		return f
	}
	b.ap.RekeyPTK()
	b.medium.Run(1000)
	if dropped != 1 || b.ap.Stats.M4 != 1 {
		t.Fatalf("message 3 not held back: dropped %d, AP %+v", dropped, b.ap.Stats)
	}
	b.ap.RekeyGTK(false)
	b.medium.Run(1000)
	if st := b.vap.Stats(); st.EAPOLBadMIC != 0 || b.ap.Stats.GroupM2 != 1 || b.ap.Stats.BadMIC != 0 {
		t.Fatalf("group message 1 under the new PTK: STA bad MICs %d, AP %+v", st.EAPOLBadMIC, b.ap.Stats)
	}
	gtk, id := b.ap.GTK()
	if k := b.vap.GroupKey(int(id)); k == nil || !k.SameMaterial(gtk) {
		t.Fatalf("the STA does not hold the new GTK in slot %d", id)
	}
	b.ap.ResendM3()
	b.medium.Run(1000)
	if b.ap.Stats.M4 != 2 || b.vap.Stats().EAPOLBadMIC != 0 {
		t.Fatalf("retransmitted message 3: AP %+v, STA %+v", b.ap.Stats, b.vap.Stats())
	}
	b.pingPong("after")
}

// TestStaleHardwareDecryptAfterRekey: a frame the key cache decrypted with
// the old PTK reaches the layer only after a PTK rekey installed the new
// one (it sat in the RX ring). Its PN belongs to the old key: letting it
// advance the new key's replay counter made every later frame of the AP —
// whose new key counts from 1 — a replay, including the next group
// message 1, and hostapd gave up on the group handshake after 4 tries.
func TestStaleHardwareDecryptAfterRekey(t *testing.T) {
	kc := &wlantest.KeyCache{Slots: 4, Suites: []uint32{uint32(ie.CipherCCMP128)}}
	b := newBench(t, benchOpts{passphrase: "stale frames", hw: kc})
	b.connect("stale frames")
	for i := range 5 {
		b.pingPong(string(rune('a' + i)))
	}
	// Hold back the next AP data frame, decrypted by the card.
	type held struct {
		b  []byte
		rx net80211.RxInfo
	}
	var hold []held
	deliver := b.sta.Handler
	b.sta.Handler = func(f []byte, rx *net80211.RxInfo) {
		if rx.Decrypted && len(hold) == 0 {
			hold = append(hold, held{bytes.Clone(f), *rx})
			return
		}
		deliver(f, rx)
	}
	if err := b.ap.SendEther(ether(staMAC, apMAC, "old key")); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	b.sta.Handler = deliver
	if len(hold) != 1 || hold[0].rx.HWSlot == 0 {
		t.Fatalf("held %d frames (%+v)", len(hold), hold)
	}
	old := b.vap.PairwiseKey()
	b.ap.RekeyPTK()
	b.medium.Run(1000)
	nk := b.vap.PairwiseKey()
	if nk == old || b.ap.Stats.M4 != 2 {
		t.Fatalf("PTK not replaced: AP %+v", b.ap.Stats)
	}
	deliver(hold[0].b, &hold[0].rx) // out of the ring at last
	// It is checked against the retired key's own counters: the AP sent the
	// rekey's message 1 and 3 under the old key after it, so here it counts
	// as a replay of the old sequence (in a real RX ring, which is FIFO, the
	// frames behind message 3 carry higher numbers and are delivered). The
	// new key's counter is untouched either way.
	if st := b.vap.Stats(); st.RxRetiredKey != 1 || st.RxStaleKey != 0 || st.RxReplay != 1 {
		t.Fatalf("frame decrypted under the retired key: RxRetiredKey %d RxStaleKey %d RxReplay %d, want 1, 0, 1",
			st.RxRetiredKey, st.RxStaleKey, st.RxReplay)
	}
	b.pingPong("after") // the AP's first frames under the new key are no replays
	b.ap.RekeyGTK(false)
	b.medium.Run(1000)
	if b.ap.Stats.GroupM2 != 1 {
		t.Fatalf("group handshake after the rekey: AP %+v", b.ap.Stats)
	}
}

// TestFrameUnderRetiredPTK is the PTK0 rekey race without a key cache:
// our message 4 of a pairwise rekey is lost, so the AP still protects its
// frames with the old PTK while we moved to the new one. Such a frame fails
// under the new key and is recovered under the retired one, counted as
// RxRetiredKey; it is not a decryption error.
func TestFrameUnderRetiredPTK(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "old key frames"})
	b.connect("old key frames")
	b.pingPong("before")
	dropped := 0
	b.medium.Filter = func(from *wlantest.Radio, f []byte) []byte {
		// Our first data frame after the rekey's message 2 is message 4.
		if fr, err := frame.Parse(f); err == nil && from == b.sta && fr.Type() == frame.TypeData && b.ap.Stats.M2 == 2 && dropped == 0 {
			dropped++
			return nil
		}
		return f
	}
	old := b.vap.PairwiseKey()
	b.ap.RekeyPTK()
	b.medium.Run(1000)
	if dropped != 1 || b.ap.Stats.M4 != 1 || b.vap.PairwiseKey() == old {
		t.Fatalf("message 4 not held back or PTK not replaced: dropped %d, AP %+v", dropped, b.ap.Stats)
	}
	peer := []byte{0x02, 0, 0, 0, 0, 0x77}
	nrx := len(b.rx)
	if err := b.ap.SendEther(ether(staMAC, peer, "under the old key")); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(100)
	st := b.vap.Stats()
	if len(b.rx) != nrx+1 || !bytes.HasSuffix(b.rx[nrx], []byte("under the old key")) || st.RxRetiredKey != 1 || st.RxDecryptErr != 0 {
		t.Fatalf("frame under the retired PTK: delivered %d, RxRetiredKey %d, RxDecryptErr %d", len(b.rx)-nrx, st.RxRetiredKey, st.RxDecryptErr)
	}
}

// staData returns a medium filter that passes every frame and, for data
// frames from the station, records their Protected bit and drops the one
// numbered drop (1-based, counted from when the filter is set).
func staData(b *bench, drop int, protected *[]bool) func(*wlantest.Radio, []byte) []byte {
	n := 0
	return func(from *wlantest.Radio, f []byte) []byte {
		fr, err := frame.Parse(f)
		if err != nil || from != b.sta || fr.Type() != frame.TypeData {
			return f
		}
		n++
		*protected = append(*protected, fr.Protected())
		if n == drop {
			return nil
		}
		return f
	}
}

// TestRetransmittedM3FirstHandshake: our message 4 is lost, so the AP
// retransmits message 3; it has not installed the PTK (it does on message
// 4), so the second message 4 must go in the clear like the first, not
// under the PTK we installed on message 3.
func TestRetransmittedM3FirstHandshake(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "lost message four"})
	var prot []bool
	b.medium.Filter = staData(b, 2, &prot) // message 2, then message 4 (dropped)
	b.connect("lost message four")
	if b.ap.Stats.M4 != 0 || len(prot) != 2 {
		t.Fatalf("message 4 not held back: AP %+v, station data frames %v", b.ap.Stats, prot)
	}
	b.ap.ResendM3()
	b.medium.Run(1000)
	if len(prot) != 3 || prot[2] {
		t.Fatalf("station data frames (protected?) %v: want the second message 4 in the clear", prot)
	}
	if b.ap.Stats.M4 != 1 {
		t.Fatalf("AP did not take the second message 4: %+v", b.ap.Stats)
	}
	b.medium.Filter = nil
	b.pingPong("after")
}

// TestRetransmittedM3Rekey: in a pairwise rekey our message 4 is lost; the
// answer to the retransmitted message 3 goes under the PTK being replaced
// (the AP still uses it), never under the new one; with a key cache, the
// retired key has left the card and encrypts in software.
func TestRetransmittedM3Rekey(t *testing.T) {
	t.Run("software", func(t *testing.T) { retransmittedM3Rekey(t, nil) })
	t.Run("keycache", func(t *testing.T) {
		retransmittedM3Rekey(t, &wlantest.KeyCache{Slots: 4, Suites: []uint32{uint32(ie.CipherCCMP128)}})
	})
}

func retransmittedM3Rekey(t *testing.T, kc *wlantest.KeyCache) {
	b := newBench(t, benchOpts{passphrase: "lost in a rekey", hw: kc})
	b.connect("lost in a rekey")
	b.pingPong("before")
	old := b.vap.PairwiseKey()
	if hw := old.Flags&net80211.KeyHW != 0; hw != (kc != nil) {
		t.Fatalf("PTK in the key cache: %v, want %v", hw, kc != nil)
	}
	pn := old.TxPN
	var prot []bool
	b.medium.Filter = staData(b, 2, &prot) // message 2, then message 4 (dropped)
	b.ap.RekeyPTK()
	b.medium.Run(1000)
	nk := b.vap.PairwiseKey()
	if nk == old || b.ap.Stats.M4 != 1 || old.TxPN != pn+2 {
		t.Fatalf("rekey: new key %v, AP %+v, old key's TX PN %d (was %d)", nk != old, b.ap.Stats, old.TxPN, pn)
	}
	if old.Flags&net80211.KeyHW != 0 {
		t.Fatal("the retired PTK still claims a key cache slot")
	}
	b.ap.ResendM3()
	b.medium.Run(1000)
	if len(prot) != 3 || !prot[2] || old.TxPN != pn+3 || nk.TxPN != 0 {
		t.Fatalf("second message 4: frames %v, old key TX PN %d (want %d), new key TX PN %d (want 0)", prot, old.TxPN, pn+3, nk.TxPN)
	}
	if b.ap.Stats.M4 != 2 {
		t.Fatalf("AP did not take the second message 4: %+v", b.ap.Stats)
	}
	b.medium.Filter = nil
	b.pingPong("after")
}
