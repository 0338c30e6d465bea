package observer

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
)

// TestClassify: message numbers from Key Information as hostapd and
// wpa_supplicant set it (802.11-2020 12.7.6), WPA1's message 4 without
// the Secure bit included.
func TestClassify(t *testing.T) {
	const (
		p = eapol.InfoPairwise
		a = eapol.InfoAck
		m = eapol.InfoMIC
		i = eapol.InfoInstall
		s = eapol.InfoSecure
		e = eapol.InfoEncData
	)
	var nonce [32]byte
	nonce[0] = 1
	for _, c := range []struct {
		info    uint16
		nonce   bool
		keyData int
		want    int
	}{
		{2 | p | a, true, 0, msg1},
		{2 | p | m, true, 22, msg2},
		{2 | p | a | m | i | s | e, true, 56, msg3},
		{2 | p | m | s, false, 0, msg4},
		{1 | p | a | m | i, true, 24, msg3}, // WPA1: no Secure, no encrypted data
		{1 | p | m, false, 0, msg4},         // WPA1 message 4
		{1 | p | m, true, 24, msg2},         // WPA1 message 2
		{2 | a | m | s | e, false, 40, msgGroup1},
		{2 | m | s, false, 0, msgGroup2},
		{2 | p | m | eapol.InfoRequest | eapol.InfoError, false, 0, msg4}, // a MIC failure report is no message 2
		{2 | p, false, 0, msgNone},
	} {
		f := eapol.KeyFields{Descriptor: eapol.DescRSN, Info: c.info, KeyData: make([]byte, c.keyData)}
		if c.nonce {
			f.Nonce = nonce
		}
		_, k, err := eapol.ParseKeyFrame(eapol.AppendKey(nil, &f), eapol.DefaultMIC)
		if err != nil {
			t.Fatal(err)
		}
		if got := classify(k); got != c.want {
			t.Errorf("info %#04x nonce %v key data %d: message %d, want %d", c.info, c.nonce, c.keyData, got, c.want)
		}
	}
}

// TestAMSDUEthernet: a decrypted A-MSDU becomes one Ethernet frame per
// subframe (9.3.2.2), SNAP-encapsulated ones as Ethernet II.
func TestAMSDUEthernet(t *testing.T) {
	hdr := []byte{0x88, 0x02, 0, 0, // QoS data, FromDS
		2, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, // A1 A2 A3 seq
		0x80, 0} // QoS Control: A-MSDU present
	sub := func(da, sa byte, msdu []byte) []byte {
		b := []byte{2, 0, 0, 0, 0, da, 2, 0, 0, 0, 0, sa, byte(len(msdu) >> 8), byte(len(msdu))}
		return append(b, msdu...)
	}
	ip := append([]byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00}, bytes.Repeat([]byte{0x45}, 21)...)
	raw := append([]byte{1, 2, 3}, bytes.Repeat([]byte{9}, 10)...) // no SNAP: an 802.3 length frame
	f := append([]byte(nil), hdr...)
	s1 := sub(1, 3, ip)
	f = append(f, s1...)
	f = append(f, make([]byte, (4-len(s1)%4)%4)...)
	f = append(f, sub(2, 3, raw)...)
	var out bytes.Buffer
	w := pcapgo.NewWriter(&out)
	if err := w.WriteFileHeader(65535, 1); err != nil {
		t.Fatal(err)
	}
	var scratch []byte
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(1, 0)}
	n, err := writeEther(w, &ci, f, &scratch)
	if err != nil || n != 2 {
		t.Fatalf("wrote %d frames: %v", n, err)
	}
	r, err := pcapgo.NewReader(&out)
	if err != nil {
		t.Fatal(err)
	}
	e1, _, _ := r.ReadPacketData()
	e2, _, _ := r.ReadPacketData()
	if len(e1) != 14+21 || e1[5] != 1 || e1[11] != 3 || e1[12] != 0x08 || e1[13] != 0 {
		t.Errorf("first subframe as Ethernet: % x", e1)
	}
	if len(e2) != 14+len(raw) || e2[5] != 2 || e2[13] != byte(len(raw)) || !bytes.Equal(e2[14:], raw) {
		t.Errorf("second subframe as 802.3: % x", e2)
	}
}
