package observer

import (
	"bytes"
	"io"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/radiotap"
)

// learned returns an observer that has followed the CCMP capture's
// handshake, and the capture's MAC frames.
func learned(t testing.TB, name string) (*Observer, [][]byte) {
	t.Helper()
	_, recs := records(t, readCapture(t, name))
	o, err := New(config(name))
	if err != nil {
		t.Fatal(err)
	}
	var macs [][]byte
	for _, r := range recs {
		_, mac, err := radiotap.Parse(r)
		if err != nil {
			t.Fatal(err)
		}
		macs = append(macs, append([]byte(nil), mac...))
		o.Frame(append([]byte(nil), mac...))
	}
	return o, macs
}

// FuzzFrame feeds arbitrary MAC frames to observers that hold keys (CCMP
// and TKIP), seeded with every frame of the captures: nothing panics, and
// a decrypted frame is a subslice of the input.
func FuzzFrame(f *testing.F) {
	ccmp, macs := learned(f, "wpa2-ccmp")
	tkip, tmacs := learned(f, "wpa1-tkip")
	for _, m := range append(macs, tmacs...) {
		f.Add(m)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, o := range []*Observer{ccmp, tkip} {
			in := append([]byte(nil), b...)
			v, out := o.Frame(in)
			if (v == Plain || v == Decrypted) && (len(out) > len(in) || len(out) == 0) {
				t.Fatalf("verdict %d with %d of %d octets", v, len(out), len(in))
			}
		}
	})
}

// FuzzDecryptCapture runs whole files through DecryptCapture: a capture
// cut short, bit-flipped or invented never panics.
func FuzzDecryptCapture(f *testing.F) {
	raw := readCapture(f, "wpa2-ccmp")
	f.Add(raw[:4096])
	f.Add(raw[:len(raw)/2])
	f.Add(pcapHeader(LinkPrism))
	f.Add(append(pcapHeader(LinkPPI), make([]byte, 40)...))
	_, recs := records(f, raw)
	f.Add(writePcap(f, LinkRadiotap, recs[:40]))
	c := CaptureConfig{Config: config("wpa2-ccmp")}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = DecryptCapture(bytes.NewReader(b), io.Discard, c)
	})
}

// FuzzMAC: link-header stripping returns a subslice of the record or an error.
func FuzzMAC(f *testing.F) {
	_, recs := records(f, readCapture(f, "wpa2-ccmp"))
	for _, r := range recs[:8] {
		f.Add(LinkRadiotap, r)
	}
	f.Add(LinkPrism, []byte{0x44, 0, 0, 0, 8, 0, 0, 0, 1, 2})
	f.Add(LinkPrism, []byte{0x80, 0x21, 0x10, 0x01, 0, 0, 0, 8, 1})
	f.Add(LinkPPI, []byte{0, 0, 12, 0, 105, 0, 0, 0, 2, 0, 0, 0, 1})
	f.Add(LinkIEEE80211, []byte{8, 0, 0, 0})
	f.Fuzz(func(t *testing.T, link int, rec []byte) {
		for _, m := range []FCSMode{FCSAuto, FCSNone, FCSPresent} {
			mac, err := MAC(link, rec, m)
			if err == nil && len(mac) > len(rec) {
				t.Fatalf("MAC longer than the record")
			}
		}
	})
}
