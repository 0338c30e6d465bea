package ie

import (
	"bytes"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/internal/capture"
)

func addCaptureSeeds(f *testing.F) {
	for _, name := range capture.Names() {
		c, err := capture.Read(name)
		if err != nil {
			continue
		}
		for _, p := range c.Frames() {
			fr, err := frame.Parse(p)
			if err != nil || fr.Type() != frame.TypeMgmt {
				continue
			}
			if b, err := frame.ParseBeacon(fr.Body()); err == nil {
				f.Add(b.Elements())
			}
			f.Add(fr.Body())
		}
	}
}

// FuzzParseSet drives the iterator and every typed element parser.
func FuzzParseSet(f *testing.F) {
	addCaptureSeeds(f)
	f.Add([]byte{IDRSN, 2, 1, 0})
	f.Add([]byte{IDVendor, 6, 0, 0x50, 0xf2, 1, 1, 0})
	f.Add([]byte{IDVendor, 7, 0, 0x50, 0xf2, 2, 0, 1, 0})
	f.Add([]byte{IDTIM, 4, 0, 1, 0xfe, 0xff})
	f.Add([]byte{IDCountry, 3, 'U', 'S', ' '})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParseSet(b)
		if err != nil {
			return
		}
		if s.RSN != nil {
			r2, err := ParseRSN(AppendRSN(nil, s.RSN)[2:])
			if err != nil || !r2.Equal(s.RSN) {
				t.Fatalf("RSN re-encode: %v %+v vs %+v", err, r2, s.RSN)
			}
		}
		if s.TIM != nil {
			for aid := uint16(0); aid < 2008; aid += 7 {
				_ = s.TIM.HasAID(aid)
			}
		}
		if s.HTCaps != nil {
			if got := AppendHTCaps(nil, s.HTCaps); len(got) != 2+HTCapsLen {
				t.Fatal("HT caps length")
			}
		}
		if s.VHTCaps != nil {
			for ss := 0; ss < 10; ss++ {
				_ = s.VHTCaps.RxMaxMCS(ss)
			}
		}
		if s.HasSSID && !bytes.Equal(AppendSSID(nil, s.SSID)[2:], s.SSID) {
			t.Fatal("SSID round trip")
		}
	})
}

// FuzzParseRSN fuzzes the RSN body parser alone (deeper coverage of its branches).
func FuzzParseRSN(f *testing.F) {
	f.Add([]byte{1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 2, 0, 0})
	f.Add([]byte{1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 2, 0xc0, 0, 1, 0,
		0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0x0f, 0xac, 6})
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, wpa := range []bool{false, true} {
			r, err := parseRSN(b, wpa)
			if err != nil {
				continue
			}
			enc := AppendRSN(nil, &r)
			off := 2
			if wpa {
				off = 6
			}
			r2, err := parseRSN(enc[off:], wpa)
			if err != nil || !r2.Equal(&r) {
				t.Fatalf("re-encode wpa=%v: %v", wpa, err)
			}
		}
	})
}

// FuzzTyped runs the fixed-layout element parsers.
func FuzzTyped(f *testing.F) {
	f.Add(uint8(IDHTCaps), make([]byte, HTCapsLen))
	f.Add(uint8(IDVHTCaps), make([]byte, VHTCapsLen))
	f.Add(uint8(IDCountry), []byte("US \x01\x0b\x1e\x00"))
	f.Add(uint8(IDVendor), []byte{WMMSubtypeParam, 1, 0x81, 0, 3, 0xa4, 0, 0, 0x27, 0xa4, 0, 0, 0x42, 0x43, 0x5e, 0, 0x62, 0x32, 0x2f, 0})
	f.Fuzz(func(t *testing.T, id uint8, b []byte) {
		_, _ = ParseHTCaps(b)
		_, _ = ParseHTOperation(b)
		_, _ = ParseVHTCaps(b)
		_, _ = ParseVHTOperation(b)
		if c, err := ParseCountry(b); err == nil {
			_ = AppendCountry(nil, &c)
		}
		_, _ = ParseVendor(b)
		_, _ = ParseWMM(b)
		_, _ = ParseERP(b)
		_, _ = ParseDS(b)
		_, _ = ParseRates(b, id&1 == 1)
		_ = AppendElement(nil, id, b)
	})
}
