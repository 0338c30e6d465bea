package vcard_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// The CCMP-128 MPDU example of IEEE 802.11-2016 J.6.4 (IEEE 802.11i D7.0
// I.7.4 "test mpdu 1"): the whole frame, before and after encapsulation.
const (
	vecTK     = "c97c1f67ce371185514a8a19f2bdd52f"
	vecPN     = 0xb5039776e70c
	vecA2     = "50:30:f1:84:44:08"
	vecHdr    = "0808c32c 0fd2e128a57c 5030f1844408 abaea5b8fcba 8033" // Retry set, Protected clear
	vecPlain  = "f8ba1a55d02f85ae967bb62fb6cda8eb7e78a050"
	vecCipher = "0848c32c 0fd2e128a57c 5030f1844408 abaea5b8fcba 8033" +
		"0ce70020769703b5" + "f3d0a2fe9a3dbf2342a643e43246e80c3c04d019" + "7845ce0b16f97623"
)

func TestKeyCacheEncryptMatchesStandard(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(t, md, vecA2, vcard.Poll)
	b := newCard(t, md, macB, vcard.Poll)
	b.d.SetRxFilter(vcard.FilterPromisc)
	slot, err := a.d.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: unhex(t, vecTK), Peer: mac(vecA2), TSC: vecPN - 1})
	if err != nil {
		t.Fatal(err)
	}
	plain := append(unhex(t, vecHdr), unhex(t, vecPlain)...)
	st := a.send(t, plain, vcard.TxInfo{Key: slot, NoAck: true})
	if st.PN != vecPN || st.Err || st.NoKey {
		t.Fatalf("status %+v: want PN %#x", st, uint64(vecPN))
	}
	frames, info := b.recv()
	if len(frames) != 1 {
		t.Fatalf("%d frames", len(frames))
	}
	if want := unhex(t, vecCipher); !bytes.Equal(frames[0], want) {
		t.Fatalf("on the air:\n got %x\nwant %x", frames[0], want)
	}
	if !info[0].NoKey || info[0].Decrypted {
		t.Fatalf("B has no key: info %+v, want NoKey", info[0])
	}
	if tsc, _, err := a.d.KeyCache().Counters(slot, 0); err != nil || tsc != vecPN {
		t.Fatalf("TSC after one frame %#x %v", tsc, err)
	}
	if s := a.d.Stats(); s.TxCrypto != 1 {
		t.Fatalf("TxCrypto %d", s.TxCrypto)
	}
}

func TestKeyCacheDecryptAndReplay(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(t, md, vecA2, vcard.Poll) // transmits prepared MPDUs as they are
	b := newCard(t, md, macB, vcard.Poll)
	kc := b.d.KeyCache()
	slot, err := kc.Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: unhex(t, vecTK), Peer: mac(vecA2)})
	if err != nil {
		t.Fatal(err)
	}
	mpdu := unhex(t, vecCipher)
	a.send(t, mpdu, vcard.TxInfo{Key: -1})
	frames, info := b.recv()
	want := append(unhex(t, vecHdr), unhex(t, vecPlain)...)
	if len(frames) != 1 || !bytes.Equal(frames[0], want) {
		t.Fatalf("decrypted:\n got %x\nwant %x", frames, want)
	}
	if !info[0].Decrypted || info[0].Key != slot || info[0].PN != vecPN {
		t.Fatalf("info %+v", info[0])
	}
	if _, rsc, _ := kc.Counters(slot, 0); rsc != vecPN {
		t.Fatalf("RSC %#x after the frame, want its PN", rsc)
	}

	// The same frame again is a replay: dropped and counted, RSC unchanged.
	a.send(t, mpdu, vcard.TxInfo{Key: -1})
	if frames, _ = b.recv(); len(frames) != 0 || b.d.Stats().RxReplay != 1 {
		t.Fatalf("replay delivered %d frames, RxReplay %d", len(frames), b.d.Stats().RxReplay)
	}
	// A higher PN with the old MIC fails verification, and must not move
	// the counter (update only after success).
	forged := bytes.Clone(mpdu)
	forged[24]++ // PN0
	a.send(t, forged, vcard.TxInfo{Key: -1})
	if frames, _ = b.recv(); len(frames) != 0 || b.d.Stats().RxMICErr != 1 {
		t.Fatalf("forged frame delivered %d, RxMICErr %d", len(frames), b.d.Stats().RxMICErr)
	}
	if _, rsc, _ := kc.Counters(slot, 0); rsc != vecPN {
		t.Fatalf("RSC moved to %#x on a MIC failure", rsc)
	}
	// With PASSBAD both come up flagged, as received.
	b.d.SetPassBad(true)
	a.send(t, mpdu, vcard.TxInfo{Key: -1})
	a.send(t, forged, vcard.TxInfo{Key: -1})
	frames, info = b.recv()
	if len(frames) != 2 || !info[0].Replay || !info[1].MICErr || !bytes.Equal(frames[1], forged) {
		t.Fatalf("PASSBAD: %d frames, info %+v", len(frames), info)
	}
}

// qosFrame is a QoS data frame (FromDS) from the AP bssid to sta with TID tid.
func qosFrame(bssid, sta []byte, tid byte, payload string) []byte {
	f := []byte{0x88, 0x02, 0, 0}
	f = append(f, sta...)
	f = append(f, bssid...)
	f = append(f, bssid...)
	f = append(f, 0x30, 0x01, tid, 0)
	return append(f, payload...)
}

func TestKeyCacheRoundTripAgainstSoftware(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	ap := newCard(t, md, macA, vcard.Poll)
	sta := newCard(t, md, macB, vcard.Poll)
	tk := unhex(t, "000102030405060708090a0b0c0d0e0f")
	tx, err := ap.d.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: tk, Peer: mac(macB), TSC: 41})
	if err != nil {
		t.Fatal(err)
	}
	// The station's pairwise key does not fit (cache full, say): it stays
	// in software and the card hands the frame up as received.
	f := qosFrame(mac(macA), mac(macB), 5, "payload for TID 5 through the key cache")
	if st := ap.send(t, f, vcard.TxInfo{Key: tx}); !st.Acked || st.PN != 42 {
		t.Fatalf("status %+v", st)
	}
	frames, info := sta.recv()
	if len(frames) != 1 || !info[0].NoKey {
		t.Fatalf("%d frames, info %+v", len(frames), info)
	}
	got := frames[0]
	// Software CCMP (crypto/ccm) with the nonce and AAD of IEEE 802.11-2016
	// 12.5.3.3.3-4 built here by hand: FC 88 42 (Protected), A1-A3, SC with
	// the sequence number masked, QC reduced to the TID.
	hdr := got[:26]
	if got[1] != 0x42 || got[26] != 42 || got[27] != 0 || got[29] != 0x20 {
		t.Fatalf("header/CCMP header % x", got[:34])
	}
	aad := append([]byte{0x88, 0x42}, hdr[4:22]...)
	aad = append(aad, 0x00, 0x00, 0x05, 0x00)
	nonce := append([]byte{5}, mac(macA)...)
	nonce = append(nonce, 0, 0, 0, 0, 0, 42)
	soft, err := ccm.New(tk, 8)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := soft.Open(nil, nonce, got[34:], aad)
	if err != nil || string(plain) != "payload for TID 5 through the key cache" {
		t.Fatalf("software decryption of the card's frame: %q %v", plain, err)
	}
	// Now in hardware on the station: TID 5 has its own counter.
	rx, err := sta.d.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: tk, Peer: mac(macA)})
	if err != nil {
		t.Fatal(err)
	}
	ap.send(t, f, vcard.TxInfo{Key: tx})
	frames, info = sta.recv()
	if len(frames) != 1 || !bytes.Equal(frames[0], f) || !info[0].Decrypted || info[0].PN != 43 {
		t.Fatalf("hardware decryption: %x %+v", frames, info)
	}
	if _, rsc, _ := sta.d.KeyCache().Counters(rx, 5); rsc != 43 {
		t.Fatalf("RSC[5] = %d", rsc)
	}
	if _, rsc, _ := sta.d.KeyCache().Counters(rx, 0); rsc != 0 {
		t.Fatalf("RSC[0] = %d: TIDs must not share counters", rsc)
	}
}

func TestKeyCacheFullAndCipherFallback(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(t, md, macA, vcard.Poll)
	kc := a.d.KeyCache()
	if kc.Slots() != 16 || !kc.Supports(vcard.CipherCCMP) || kc.Supports(vcard.CipherTKIP) {
		t.Fatalf("slots %d, caps CCMP %v TKIP %v", kc.Slots(), kc.Supports(vcard.CipherCCMP), kc.Supports(vcard.CipherTKIP))
	}
	key := make([]byte, 16)
	for i := range 16 {
		key[0] = byte(i + 1)
		if s, err := kc.Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: key, Peer: mac(macB)}); err != nil || s != i {
			t.Fatalf("install %d: slot %d %v", i, s, err)
		}
	}
	_, err := kc.Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: key, Peer: mac(macB)})
	if !errors.Is(err, vcard.ErrCacheFull) {
		t.Fatalf("17th key: %v", err)
	}
	if _, err := kc.Install(vcard.Key{Cipher: vcard.CipherTKIP, Key: make([]byte, 32), Peer: mac(macB)}); !errors.Is(err, vcard.ErrCipher) {
		t.Fatalf("TKIP key: %v", err)
	}
	if _, err := kc.Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: key[:5], Peer: mac(macB)}); !errors.Is(err, vcard.ErrKey) {
		t.Fatalf("5-byte key: %v", err)
	}
	if err := kc.Delete(7); err != nil {
		t.Fatal(err)
	}
	if kc.Free() != 1 {
		t.Fatalf("free slots %d", kc.Free())
	}
	if s, err := kc.Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: key, Peer: mac(macB)}); err != nil || s != 7 {
		t.Fatalf("reinstall: %d %v", s, err)
	}
	// A descriptor naming an empty slot is refused by the card, not sent.
	if err := kc.Delete(3); err != nil {
		t.Fatal(err)
	}
	if st := a.send(t, dataFrame(mac(macB), mac(macA), mac(macB), 1, "x"), vcard.TxInfo{Key: 3}); !st.NoKey || st.Attempts != 0 {
		t.Fatalf("send with an empty slot: %+v", st)
	}
}

// The host-generated-IV model (net80211, mac80211): the host writes the
// CCMP header, the card encrypts behind it; the receiver keeps the header.
func TestKeyCacheIVPresentAndKeepIV(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(t, md, vecA2, vcard.Poll)
	b := newCard(t, md, macB, vcard.Poll)
	tk := unhex(t, vecTK)
	slot, err := a.d.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: tk, Peer: mac(vecA2), TSC: 5})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.d.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: tk, Group: true}); err != nil {
		t.Fatal(err)
	}
	b.d.SetKeepIV(true)
	full := unhex(t, vecCipher)
	withIV := bytes.Clone(full[:32])
	withIV = append(withIV, unhex(t, vecPlain)...)
	if st := a.send(t, withIV, vcard.TxInfo{Key: slot, IVPresent: true}); st.PN != vecPN || st.Err {
		t.Fatalf("status %+v", st)
	}
	if tsc, _, _ := a.d.KeyCache().Counters(slot, 0); tsc != 5 {
		t.Fatalf("TSC %d: IVPRESENT must not touch it", tsc)
	}
	frames, info := b.recv()
	// B decrypted with its group key (A1 is group addressed) and kept the
	// CCMP header: the vector's header and PN, then the plaintext.
	if len(frames) != 1 || !info[0].Decrypted || !bytes.Equal(frames[0], withIV) {
		t.Fatalf("got %x (%+v), want %x", frames, info, withIV)
	}
	// Without the Protected bit the card refuses.
	if st := a.send(t, append(unhex(t, vecHdr), unhex(t, vecPlain)...), vcard.TxInfo{Key: slot, IVPresent: true}); !st.Err {
		t.Fatalf("IVPRESENT on a frame without a CCMP header: %+v", st)
	}
}

// Replacing a key right after queueing frames that use it (message 4 of a
// rekey, then the new PTK): Delete waits for the queued frames, so none
// goes out unencrypted or is refused for an empty slot.
func TestKeyCacheDeleteDrainsQueuedFrames(t *testing.T) {
	md := air.NewLocal(air.LocalConfig{})
	a := newCard(t, md, macA, vcard.Poll)
	b := newCard(t, md, macB, vcard.Poll)
	tk := make([]byte, 16)
	slot, err := a.d.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: tk, Peer: mac(macB)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.d.KeyCache().Install(vcard.Key{Cipher: vcard.CipherCCMP, Key: tk, Peer: mac(macA)}); err != nil {
		t.Fatal(err)
	}
	const n = 32
	var bufs [n]*mbuf.Buf
	var info [n]vcard.TxInfo
	if a.pool.Alloc(bufs[:]) != n {
		t.Fatal("pool")
	}
	for i := range bufs {
		f := dataFrame(mac(macB), mac(macA), mac(macB), uint16(i), "queued before the rekey")
		p, _ := bufs[i].Append(len(f))
		copy(p, f)
		info[i] = vcard.TxInfo{Key: slot, Cookie: uint32(i)}
	}
	if a.d.Transmit(bufs[:], info[:]) != n {
		t.Fatal("ring refused the burst")
	}
	if err := a.d.KeyCache().Delete(slot); err != nil {
		t.Fatal(err)
	}
	var st [n]vcard.TxStatus
	got := 0
	for deadline := time.Now().Add(5 * time.Second); got < n && time.Now().Before(deadline); {
		got += a.d.Reap(st[got:])
	}
	for i := range got {
		if st[i].NoKey || !st[i].Acked {
			t.Fatalf("frame %d: %+v: the slot was cleared under a queued frame", i, st[i])
		}
	}
	if got != n {
		t.Fatalf("%d of %d statuses", got, n)
	}
	var frames [][]byte
	for deadline := time.Now().Add(2 * time.Second); len(frames) < n && time.Now().Before(deadline); {
		f, _ := b.recv()
		frames = append(frames, f...)
	}
	if len(frames) != n || b.d.Stats().RxDecrypted != n {
		t.Fatalf("B received %d frames, decrypted %d", len(frames), b.d.Stats().RxDecrypted)
	}
}
