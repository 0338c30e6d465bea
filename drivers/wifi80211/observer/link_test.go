package observer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/drivers/wifi80211/internal/capture"
	"github.com/gopkt/gopkt/drivers/wifi80211/radiotap"
)

// writePcap writes records as a pcap of the link type.
func writePcap(t testing.TB, link int, recs [][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(65535, layers.LinkType(link)); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(int64(i), 0), CaptureLength: len(r), Length: len(r)}
		if err := w.WritePacket(ci, r); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

func withFCS(mac []byte) []byte {
	return binary.LittleEndian.AppendUint32(append([]byte(nil), mac...), crc32.ChecksumIEEE(mac))
}

// TestLinkTypes rewrites the CCMP capture's records into every link type
// (and pcapng) and expects the same decryption from each.
func TestLinkTypes(t *testing.T) {
	raw := readCapture(t, "wpa2-ccmp")
	link, recs := records(t, raw)
	if link != LinkRadiotap {
		t.Fatalf("capture link type %d", link)
	}
	base, _ := decryptBytes(t, raw, CaptureConfig{Config: config("wpa2-ccmp")})
	var macs [][]byte
	for _, r := range recs {
		_, mac, err := radiotap.Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		macs = append(macs, mac)
	}
	conv := func(f func(mac []byte) []byte) [][]byte {
		var out [][]byte
		for _, m := range macs {
			out = append(out, f(m))
		}
		return out
	}
	prismRec := func(mac []byte) []byte {
		h := make([]byte, prismHeaderLen)
		binary.LittleEndian.PutUint32(h, 0x44)
		binary.LittleEndian.PutUint32(h[4:], prismHeaderLen)
		copy(h[8:], "wlan0")
		return append(h, withFCS(mac)...)
	}
	avsRec := func(mac []byte) []byte {
		h := make([]byte, 64)
		binary.BigEndian.PutUint32(h, 0x80211001)
		binary.BigEndian.PutUint32(h[4:], 64)
		return append(h, mac...)
	}
	ppiRec := func(mac []byte) []byte {
		h := make([]byte, ppiHeaderLen+4+20)
		binary.LittleEndian.PutUint16(h[2:], uint16(len(h)))
		binary.LittleEndian.PutUint32(h[4:], LinkIEEE80211)
		binary.LittleEndian.PutUint16(h[8:], ppiField80211)
		binary.LittleEndian.PutUint16(h[10:], 20)
		binary.LittleEndian.PutUint16(h[12+8:], ppiFlagFCS)
		return append(h, withFCS(mac)...)
	}
	radiotapFCS := func(mac []byte) []byte {
		var f radiotap.Fields
		f.Set(radiotap.BitFlags)
		f.Flags = radiotap.FlagFCS
		return append(radiotap.Append(nil, &f), withFCS(mac)...)
	}
	for _, c := range []struct {
		name string
		link int
		recs [][]byte
		fcs  FCSMode
	}{
		{"802.11", LinkIEEE80211, macs, FCSAuto},
		{"802.11 no FCS", LinkIEEE80211, macs, FCSNone},
		{"802.11+FCS auto", LinkIEEE80211, conv(withFCS), FCSAuto},
		{"802.11+FCS", LinkIEEE80211, conv(withFCS), FCSPresent},
		{"prism+FCS", LinkPrism, conv(prismRec), FCSAuto},
		{"avs", LinkPrism, conv(avsRec), FCSNone},
		{"ppi+FCS", LinkPPI, conv(ppiRec), FCSNone},
		{"radiotap+FCS", LinkRadiotap, conv(radiotapFCS), FCSNone},
	} {
		st, _ := decryptBytes(t, writePcap(t, c.link, c.recs), CaptureConfig{Config: config("wpa2-ccmp"), FCS: c.fcs})
		if st.Decrypted != base.Decrypted || st.Handshakes != 1 || st.LinkErrors != 0 {
			t.Errorf("%s: decrypted %d, handshakes %d, link errors %d; want %d, 1, 0", c.name, st.Decrypted, st.Handshakes, st.LinkErrors, base.Decrypted)
		}
	}
	// pcapng, radiotap records.
	var ng bytes.Buffer
	w, err := pcapgo.NewNgWriter(&ng, layers.LinkTypeIEEE80211Radio)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: time.Unix(int64(i), 0), CaptureLength: len(r), Length: len(r)}, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if st, _ := decryptBytes(t, ng.Bytes(), CaptureConfig{Config: config("wpa2-ccmp")}); st.Decrypted != base.Decrypted {
		t.Errorf("pcapng: decrypted %d, want %d", st.Decrypted, base.Decrypted)
	}
}

// TestMACErrors: malformed link headers and bad FCS marks.
func TestMACErrors(t *testing.T) {
	var f radiotap.Fields
	f.Set(radiotap.BitFlags)
	f.Flags = radiotap.FlagBadFCS
	bad := append(radiotap.Append(nil, &f), make([]byte, 24)...)
	for _, c := range []struct {
		name string
		link int
		rec  []byte
		want error
	}{
		{"radiotap truncated", LinkRadiotap, []byte{0, 0, 40, 0}, ErrLinkHeader},
		{"radiotap bad FCS", LinkRadiotap, bad, ErrBadFCS},
		{"prism short", LinkPrism, []byte{0x44, 0, 0, 0}, ErrLinkHeader},
		{"prism length past end", LinkPrism, []byte{0x44, 0, 0, 0, 200, 0, 0, 0}, ErrLinkHeader},
		{"ppi other DLT", LinkPPI, []byte{0, 0, 8, 0, 1, 0, 0, 0}, ErrLinkHeader},
		{"ppi field past end", LinkPPI, []byte{0, 0, 12, 0, 105, 0, 0, 0, 2, 0, 20, 0}, ErrLinkHeader},
		{"ethernet", LinkEthernet, make([]byte, 60), ErrLinkType},
	} {
		if _, err := MAC(c.link, c.rec, FCSAuto); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestHandshakeOnly: aircrack-ng's wpa2.eapol.cap (a real WPA2 handshake
// between other people's devices, link type 105) gives one PTK and the
// GTK from message 3.
func TestHandshakeOnly(t *testing.T) {
	c, err := capture.Read("wpa2.eapol.cap")
	if errors.Is(err, capture.ErrNoTestdata) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	st, _ := decryptBytes(t, writePcap(t, c.LinkType, c.Packets), CaptureConfig{Config: Config{SSID: []byte("Harkonen"), Passphrase: "12345678"}})
	if st.Handshakes != 1 || st.GroupKeys != 1 || st.EAPOLKey != 4 || st.EAPOLBadMIC != 0 {
		t.Errorf("handshakes %d, group keys %d, EAPOL-Key %d, bad MIC %d; want 1, 1, 4, 0", st.Handshakes, st.GroupKeys, st.EAPOLKey, st.EAPOLBadMIC)
	}
}
