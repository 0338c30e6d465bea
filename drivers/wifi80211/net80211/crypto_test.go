package net80211

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/soft"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// roomy copies b into a buffer with 64 octets of spare capacity.
func roomy(b []byte) []byte { return append(make([]byte, 0, len(b)+64), b...) }

// IEEE 802.11-2016 J.6.4 (802.11-2012 M.6.4) CCMP test vector: TK, PN, the
// plaintext MPDU, and the full protected MPDU (header, CCMP header, data, MIC).
const (
	ccmpTK     = "c97c1f67ce371185514a8a19f2bdd52f"
	ccmpPlain  = "08 48 c3 2c 0f d2 e1 28 a5 7c 50 30 f1 84 44 08 ab ae a5 b8 fc ba 80 33 f8 ba 1a 55 d0 2f 85 ae 96 7b b6 2f b6 cd a8 eb 7e 78 a0 50"
	ccmpCipher = "08 48 c3 2c 0f d2 e1 28 a5 7c 50 30 f1 84 44 08 ab ae a5 b8 fc ba 80 33 0c e7 00 20 76 97 03 b5" +
		" f3 d0 a2 fe 9a 3d bf 23 42 a6 43 e4 32 46 e8 0c 3c 04 d0 19 78 45 ce 0b 16 f9 76 23"
	ccmpPN = 0xB5039776E70C
)

func TestCCMPMPDUVector(t *testing.T) {
	k, err := NewKey(CCMP{}, 0, unhex(t, ccmpTK), RoleSupplicant, KeyXmit|KeyRecv)
	if err != nil {
		t.Fatal(err)
	}
	k.TxPN = ccmpPN - 1
	got, err := CCMP{}.Encap(k, roomy(unhex(t, ccmpPlain)), 24)
	if err != nil {
		t.Fatal(err)
	}
	if want := unhex(t, ccmpCipher); !bytes.Equal(got, want) {
		t.Fatalf("encap\n got %x\nwant %x", got, want)
	}
	// Decap of the standard's MPDU gives the plaintext MPDU back (Protected
	// bit cleared), and advances the non-QoS replay counter to the PN.
	rk, _ := NewKey(CCMP{}, 0, unhex(t, ccmpTK), RoleSupplicant, KeyRecv)
	plain, err := CCMP{}.Decap(rk, roomy(unhex(t, ccmpCipher)), 24, false)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, ccmpPlain)
	want[1] &^= 0x40
	if !bytes.Equal(plain, want) || rk.RxPN[tidNonQoS] != ccmpPN {
		t.Fatalf("decap %x rxpn %x", plain, rk.RxPN[tidNonQoS])
	}
	// The same MPDU again is a replay: dropped and counted, counter unchanged.
	if _, err := (CCMP{}).Decap(rk, roomy(unhex(t, ccmpCipher)), 24, false); !errors.Is(err, ErrReplay) || rk.Stats.Replays != 1 {
		t.Fatalf("replay err %v replays %d", err, rk.Stats.Replays)
	}
}

// TestCCMPReplayOrder checks that a forged frame with a higher PN does not
// advance the counter (update only after the MIC verified) and that QoS TIDs
// have separate counters.
func TestCCMPReplayOrder(t *testing.T) {
	tk := unhex(t, ccmpTK)
	tx, _ := NewKey(CCMP{}, 1, tk, RoleAuthenticator, KeyXmit)
	rx, _ := NewKey(CCMP{}, 1, tk, RoleSupplicant, KeyRecv)
	mk := func(tid uint8) []byte {
		h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubQoSData, frame.FlagFromDS),
			Addr1: unhex(t, "020000000001"), Addr2: unhex(t, "020000000002"), Addr3: unhex(t, "020000000002"), QoS: uint16(tid)}
		b := frame.AppendHeader(make([]byte, 0, 200), &h)
		return append(b, "hello, 802.11 world"...)
	}
	enc := func(tid uint8) []byte {
		b, err := CCMP{}.Encap(tx, mk(tid), 26)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f1 := enc(3) // PN 1
	f2 := enc(3) // PN 2
	forged := bytes.Clone(f2)
	forged[26+7] = 0x7f // PN5: far in the future
	if _, err := (CCMP{}).Decap(rx, roomy(forged), 26, false); !errors.Is(err, ErrDecrypt) || rx.RxPN[3] != 0 {
		t.Fatalf("forged: err %v rxpn %d", err, rx.RxPN[3])
	}
	if _, err := (CCMP{}).Decap(rx, roomy(f2), 26, false); err != nil || rx.RxPN[3] != 2 {
		t.Fatalf("f2: err %v rxpn %d", err, rx.RxPN[3])
	}
	if _, err := (CCMP{}).Decap(rx, roomy(f1), 26, false); !errors.Is(err, ErrReplay) {
		t.Fatalf("f1 after f2: %v", err)
	}
	// TID 5 has its own counter: an older PN there is fine.
	f3 := enc(5) // PN 3
	if _, err := (CCMP{}).Decap(rx, roomy(f3), 26, false); err != nil || rx.RxPN[5] != 3 || rx.RxPN[3] != 2 {
		t.Fatalf("tid5: %v %v", err, rx.RxPN)
	}
	// Wrong key ID and ExtIV are counted as bad headers.
	f4 := enc(3)
	f4[26+3] = 0x20 // key ID 0
	if _, err := (CCMP{}).Decap(rx, roomy(f4), 26, false); !errors.Is(err, ErrKeyID) || rx.Stats.BadHeader != 1 {
		t.Fatalf("keyid: %v", err)
	}
}

// IEEE 802.11-2012 Table M-5 (WEP): IV fb029e, key "01234", the plaintext
// MSDU and the ciphertext with the encrypted ICV as its last 4 octets.
const (
	wepPlain = "aa aa 03 00 00 00 08 00 45 00 00 4e 66 1a 00 00 80 11 be 64 0a 00 01 22 0a ff ff ff 00 89 00 89 00 3a 00 00 80 a6 01 10 00 01 " +
		"00 00 00 00 00 00 20 45 43 45 4a 45 48 45 43 46 43 45 50 46 45 45 49 45 46 46 43 43 41 43 41 43 41 43 41 43 41 41 41 00 00 20 00 01"
	wepCipherText = "f6 9c 58 06 bd 6c e8 46 26 bc be fb 94 74 65 0a ad 1f 79 09 b0 f6 4d 5f 58 a5 03 a2 58 b7 ed 22 eb 0e a6 49 30 d3 a0 56 a5 57 " +
		"42 fc ce 14 1d 48 5f 8a a8 36 de a1 8d f4 2c 53 80 80 5a d0 c6 1a 5d 6f 58 f4 10 40 b2 4b 7d 1a 69 38 56 ed 0d 43 98 e7 ae e3 bf 0e 2a 2c a8 f7"
)

func TestWEPVector(t *testing.T) {
	hdr := unhex(t, "0841 0000 020000000001 020000000002 020000000003 0000")
	mpdu := append(append(bytes.Clone(hdr), 0xfb, 0x02, 0x9e, 0x00), unhex(t, wepCipherText)...)
	k, err := NewKey(WEP40{}, 0, []byte("01234"), RoleSupplicant, KeyRecv|KeyXmit)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := WEP40{}.Decap(k, roomy(mpdu), 24, false)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(plain[24:], unhex(t, wepPlain)) || plain[1] != 0x01 {
		t.Fatalf("wep decap %x", plain)
	}
	// Encap with the same IV reproduces the vector's MPDU.
	k.TxPN = 0x9e02fb - 1
	b := append(roomy(hdr), unhex(t, wepPlain)...)
	b[1] &^= 0x40
	enc, err := WEP40{}.Encap(k, b, 24)
	if err != nil || !bytes.Equal(enc, mpdu) {
		t.Fatalf("wep encap %v\n got %x\nwant %x", err, enc, mpdu)
	}
	mpdu[len(mpdu)-1] ^= 1
	if _, err := (WEP40{}).Decap(k, roomy(mpdu), 24, false); !errors.Is(err, ErrDecrypt) || k.Stats.DecryptErrs != 1 {
		t.Fatalf("bad ICV: %v", err)
	}
}

// TKIP: the plaintext MPDU of IEEE 802.11-2012 M.6.3 (as listed by hostap's
// test_vectors.c), whose Michael MIC with the Authenticator Tx key (the
// frame is FromDS) is 68 81 a3 f3 d6 48 d0 3c.
const (
	tkipTK    = "12345678901234567890123456789012345678901234567890123456789012 34"
	tkipPlain = "08 42 2c 00 02 03 04 05 06 08 02 03 04 05 06 07 02 03 04 05 06 07 d0 02 " +
		"aa aa 03 00 00 00 08 00 45 00 00 54 00 00 40 00 40 01 a5 55 c0 a8 0a 02 c0 a8 0a 01 08 00 3a b0 00 00 00 00 cd 4c 05 00 " +
		"00 00 00 00 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27 28 29 2a 2b " +
		"2c 2d 2e 2f 30 31 32 33 34 35 36 37"
	tkipMIC = "68 81 a3 f3 d6 48 d0 3c"
	// The protected MPDU of the same vector (TSC 1): header, TKIP header,
	// encrypted MSDU + MIC + ICV.
	tkipCipher = "08 42 2c 00 02 03 04 05 06 08 02 03 04 05 06 07 02 03 04 05 06 07 d0 02 00 20 01 20 00 00 00 00 " +
		"c0 0e 14 fc e7 cf ab c7 75 47 e6 66 e5 7c 0d ac 70 4a 1e 35 8a 88 c1 1c 8e 2e 28 2e 38 01 02 7a " +
		"46 56 05 5e e9 3e 9c 25 47 02 e9 73 58 05 dd b5 76 9b a7 3f 1e bb 56 e8 44 ef 91 22 85 d3 dd 6e " +
		"54 1e 82 38 73 55 8a db a0 79 06 8a bd 7f 7f 50 95 96 75 ac c4 b4 de 9a a9 9c 05 f2 89 a7 c5 2f " +
		"ee 5b fc 14 f6 f8 e5 f8"
)

// TestTKIPMPDUVector checks encap and decap against the full protected MPDU
// of IEEE 802.11-2012 M.6.3.
func TestTKIPMPDUVector(t *testing.T) {
	tk := unhex(t, tkipTK)
	ap, _ := NewKey(TKIP{}, 0, tk, RoleAuthenticator, KeyXmit)
	b := roomy(unhex(t, tkipPlain))
	f := frame.Frame(b)
	body, err := TKIP{}.EnMIC(ap, f.DA(), f.SA(), 0, b[24:])
	if err != nil {
		t.Fatal(err)
	}
	enc, err := TKIP{}.Encap(ap, b[:24+len(body)], 24)
	if err != nil {
		t.Fatal(err)
	}
	want := unhex(t, tkipCipher)
	if !bytes.Equal(enc, want) {
		t.Fatalf("encap\n got %x\nwant %x", enc, want)
	}
	sta, _ := NewKey(TKIP{}, 0, tk, RoleSupplicant, KeyRecv)
	dec, err := TKIP{}.Decap(sta, roomy(want), 24, false)
	if err != nil {
		t.Fatal(err)
	}
	df := frame.Frame(dec)
	msdu, err := TKIP{}.DeMIC(sta, df.DA(), df.SA(), 0, false, dec[24:])
	if err != nil || !bytes.Equal(msdu, unhex(t, tkipPlain)[24:]) || sta.RxPN[tidNonQoS] != 1 {
		t.Fatalf("decap: %v %x", err, msdu)
	}
}

func TestTKIPMichaelAndRoundTrip(t *testing.T) {
	tk := unhex(t, tkipTK)
	ap, err := NewKey(TKIP{}, 0, tk, RoleAuthenticator, KeyXmit)
	if err != nil {
		t.Fatal(err)
	}
	sta, _ := NewKey(TKIP{}, 0, tk, RoleSupplicant, KeyRecv)
	b := roomy(unhex(t, tkipPlain))
	f := frame.Frame(b)
	body, err := TKIP{}.EnMIC(ap, f.DA(), f.SA(), 0, b[24:])
	if err != nil {
		t.Fatal(err)
	}
	if got := body[len(body)-8:]; !bytes.Equal(got, unhex(t, tkipMIC)) {
		t.Fatalf("Michael MIC %x", got)
	}
	b = b[:24+len(body)]
	enc, err := TKIP{}.Encap(ap, b, 24)
	if err != nil {
		t.Fatal(err)
	}
	// TSC 1: TSC1=0, WEPSeed=0x20, TSC0=1, ExtIV.
	if !bytes.Equal(enc[24:32], unhex(t, "00 20 01 20 00 00 00 00")) {
		t.Fatalf("TKIP header %x", enc[24:32])
	}
	saved := bytes.Clone(enc)
	dec, err := TKIP{}.Decap(sta, enc, 24, false)
	if err != nil {
		t.Fatal(err)
	}
	if sta.RxPN[tidNonQoS] != 0 {
		t.Fatal("TSC committed before the MIC was checked")
	}
	df := frame.Frame(dec)
	msdu, err := TKIP{}.DeMIC(sta, df.DA(), df.SA(), 0, false, dec[24:])
	if err != nil || !bytes.Equal(msdu, unhex(t, tkipPlain)[24:]) || sta.RxPN[tidNonQoS] != 1 {
		t.Fatalf("demic %v rxpn %d", err, sta.RxPN[tidNonQoS])
	}
	if _, err := (TKIP{}).Decap(sta, saved, 24, false); !errors.Is(err, ErrReplay) || sta.Stats.Replays != 1 {
		t.Fatalf("replay: %v", err)
	}
	// A wrong MIC is a Michael failure and leaves the counter alone.
	b2 := roomy(unhex(t, tkipPlain))
	body2, _ := TKIP{}.EnMIC(ap, f.DA(), f.SA(), 0, b2[24:])
	body2[len(body2)-1] ^= 0xff
	enc2, _ := TKIP{}.Encap(ap, b2[:24+len(body2)], 24)
	dec2, err := TKIP{}.Decap(sta, enc2, 24, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (TKIP{}).DeMIC(sta, df.DA(), df.SA(), 0, false, dec2[24:]); !errors.Is(err, ErrMIC) || sta.RxPN[tidNonQoS] != 1 || sta.Stats.MICFailures != 1 {
		t.Fatalf("mic failure: %v", err)
	}
}

func TestGCMPEncap(t *testing.T) {
	// IEEE P802.11ad/D9.0 M.11.1 GCMP test MPDU #2 (QoS data, TID 3), as
	// published in IEEE 802.11-12/0051r0: the expected encrypted MPDU is
	// the standard's (its 4-octet FCS left off).
	tk := unhex(t, ccmpTK)
	plain := unhex(t, "88 48 0b 00 0f d2 e1 28 a5 7c 50 30 f1 84 44 08 50 30 f1 84 44 08 80 33 03 00"+
		"00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27")
	want := unhex(t, "88 48 0b 00 0f d2 e1 28 a5 7c 50 30 f1 84 44 08 50 30 f1 84 44 08 80 33 03 00 08 2b 00 20 5f 5f 89 00"+
		"60 e9 70 0c c4 d4 0a c6 d2 88 b2 01 c3 8f 5b f0 8b 80 74 42 64 0a 15 96 e5 db da d4 1d 1f 36 23 f4 5d 7a 12 db 7a fb 23"+
		"de f6 19 c2 a3 74 b6 df 66 ff a5 3b 6c 69 d7 9e")
	k, _ := NewKey(GCMP{}, 0, tk, RoleSupplicant, KeyXmit)
	k.TxPN = 0x00895F5F2B08 - 1
	enc, err := GCMP{}.Encap(k, roomy(plain), 26)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(enc, want) {
		t.Fatalf("gcmp\n got %x\nwant %x", enc, want)
	}
	rk, _ := NewKey(GCMP{}, 0, tk, RoleSupplicant, KeyRecv)
	dec, err := GCMP{}.Decap(rk, enc, 26, false)
	if err != nil || !bytes.Equal(dec[26:], plain[26:]) || rk.RxPN[3] != 0x00895F5F2B08 {
		t.Fatalf("gcmp decap %v", err)
	}
}

func TestKeyRules(t *testing.T) {
	if _, err := NewKey(CCMP{}, 0, make([]byte, 16), RoleSupplicant, 0); !errors.Is(err, ErrKeyInvalid) {
		t.Fatalf("all-zero key: %v", err)
	}
	if _, err := NewKey(CCMP{}, 0, make([]byte, 15), RoleSupplicant, 0); !errors.Is(err, ErrKeyInvalid) {
		t.Fatalf("short key: %v", err)
	}
	if _, err := NewKey(CCMP{}, 4, unhex(t, ccmpTK), RoleSupplicant, 0); !errors.Is(err, ErrKeyInvalid) {
		t.Fatalf("key id 4: %v", err)
	}
	k, _ := NewKey(CCMP{}, 0, unhex(t, ccmpTK), RoleSupplicant, 0)
	if !k.SameMaterial(unhex(t, ccmpTK)) || k.SameMaterial(unhex(t, tkipTK)[:16]) {
		t.Fatal("SameMaterial")
	}
	if _, err := (CCMP{}).Encap(k, make([]byte, 30), 24); !errors.Is(err, ErrNoRoom) {
		t.Fatalf("no room: %v", err)
	}
}

// BenchmarkCipher measures in-place encap and decap of a 1500-octet MSDU,
// with the primitives called directly and (CCMP-128+soft) through a
// session of the software engine of the crypto offload API.
func BenchmarkCipher(b *testing.B) {
	eng := soft.New(soft.Options{})
	seenCCMP := false
	for _, c := range []Cipher{CCMP{}, GCMP{}, TKIP{}, WEP104{}, CCMP{}} {
		tk := bytes.Repeat([]byte{0x5a}, c.KeyLen())
		tx, _ := NewKey(c, 0, tk, RoleAuthenticator, KeyXmit)
		rx, _ := NewKey(c, 0, tk, RoleSupplicant, KeyRecv)
		name := c.Name()
		h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubData, frame.FlagFromDS),
			Addr1: bytes.Repeat([]byte{2}, 6), Addr2: bytes.Repeat([]byte{4}, 6), Addr3: bytes.Repeat([]byte{6}, 6)}
		tmpl := append(frame.AppendHeader(nil, &h), make([]byte, 1500)...)
		buf := make([]byte, 0, len(tmpl)+64)
		if c.Name() == "CCMP-128" && seenCCMP {
			tx.session, _ = eng.NewSession(crypto.CCMP128, tk)
			rx.session, _ = eng.NewSession(crypto.CCMP128, tk)
			name = "CCMP-128+soft"
		}
		seenCCMP = seenCCMP || c.Name() == "CCMP-128"
		b.Run(name+"/encap", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(1500)
			for b.Loop() {
				buf = append(buf[:0], tmpl...)
				if _, err := c.Encap(tx, buf, 24); err != nil {
					b.Fatal(err)
				}
			}
		})
		enc, _ := c.Encap(tx, append(make([]byte, 0, len(tmpl)+64), tmpl...), 24)
		encPN := tx.TxPN
		b.Run(name+"/decap", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(1500)
			for b.Loop() {
				buf = append(buf[:0], enc...)
				rx.SetRxPN(0) // each iteration decrypts the same PN again
				if _, err := c.Decap(rx, buf, 24, false); err != nil {
					b.Fatal(err, encPN)
				}
			}
		})
	}
}
