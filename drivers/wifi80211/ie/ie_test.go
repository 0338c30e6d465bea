package ie

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/internal/capture"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Elements of the beacon in wpa2.eapol.cap (tshark -x).
const harkonenIEs = "0008486172 6b6f6e656e" + "010882848b960c183048" + "030101" + "050400010000" + "2a0100" +
	"32041224606c" + "3014010000 0fac04010000 0fac04010000 0fac020100"

func clean(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)) }

func TestHarkonenBeacon(t *testing.T) {
	b := unhex(t, clean(harkonenIEs))
	s, err := ParseSet(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(s.SSID) != "Harkonen" || s.Channel != 1 || s.Elements != 7 {
		t.Fatalf("ssid %q channel %d elements %d", s.SSID, s.Channel, s.Elements)
	}
	want := []Rate{0x82, 0x84, 0x8b, 0x96, 0x0c, 0x18, 0x30, 0x48, 0x12, 0x24, 0x60, 0x6c}
	if len(s.Rates) != len(want) {
		t.Fatalf("rates %v", s.Rates)
	}
	for i := range want {
		if s.Rates[i] != want[i] {
			t.Fatalf("rate %d = %#x", i, s.Rates[i])
		}
	}
	if !s.Rates[0].Basic() || s.Rates[0].Kbps() != 1000 || s.Rates[11].Kbps() != 54000 {
		t.Fatal("rate decoding")
	}
	r := s.RSN
	if r == nil || r.Version != 1 || r.Group != CipherCCMP128 || !r.HasPairwise(CipherCCMP128) || len(r.Pairwise) != 1 ||
		!r.HasAKM(AKMPSK) || r.Capabilities != 0x0001 || !r.HasCaps {
		t.Fatalf("rsn %+v", r)
	}
	if got := AppendRSN(nil, r); !bytes.Equal(got, s.RSNRaw) {
		t.Fatalf("rsn round trip\n got %x\nwant %x", got, s.RSNRaw)
	}
	if s.TIM == nil || s.TIM.DTIMPeriod != 1 || s.TIM.Multicast() {
		t.Fatalf("tim %+v", s.TIM)
	}
}

func TestRSNVariants(t *testing.T) {
	tests := []struct {
		name string
		in   string
		err  error
		akm  Suite
		caps uint16
		mgmt Suite
		pmk  int
	}{
		{name: "version-only", in: "0100", akm: AKM8021X},
		{name: "sae-mfp", in: "0100000fac040100000fac040100000fac08c000", akm: AKMSAE, caps: 0xc0},
		{name: "pmkid-bip", in: "0100000fac040100000fac040100000fac02c0000100" + "00112233445566778899aabbccddeeff" + "000fac06",
			akm: AKMPSK, caps: 0xc0, mgmt: CipherBIPCMAC, pmk: 1},
		{name: "version-2", in: "0200", err: ErrVersion},
		{name: "short", in: "01", err: ErrTruncated},
		{name: "partial-group", in: "0100000f", err: ErrMalformed},
		{name: "count-too-big", in: "0100000fac040200000fac04", err: ErrMalformed},
		{name: "zero-pairwise", in: "0100000fac040000", err: ErrMalformed},
		{name: "pmkid-short", in: "0100000fac040100000fac040100000fac0200000100aabb", err: ErrMalformed},
		{name: "trailing", in: "0100000fac040100000fac040100000fac020000000000", err: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRSN(unhex(t, tt.in))
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if r.AKM[0] != tt.akm || r.Capabilities != tt.caps || r.GroupMgmt != tt.mgmt || len(r.PMKIDs) != tt.pmk {
				t.Fatalf("got %+v", r)
			}
			if tt.name != "version-only" {
				if got := AppendRSN(nil, &r); !bytes.Equal(got[2:], unhex(t, tt.in)) {
					t.Fatalf("round trip %x", got)
				}
			}
		})
	}
}

func TestWPAVendor(t *testing.T) {
	// WPA1 element with TKIP group, TKIP pairwise, PSK.
	el := unhex(t, "dd160050f20101000050f20201000050f20201000050f202")
	v, ok := FindVendor(el, OUIMicrosoft, VendorTypeWPA)
	if !ok {
		t.Fatal("WPA vendor element not found")
	}
	r, err := ParseWPA(v.Data)
	if err != nil || !r.WPA || r.Group.ToIEEE() != CipherTKIP || r.AKM[0].ToIEEE() != AKMPSK {
		t.Fatalf("wpa %+v %v", r, err)
	}
	if got := AppendRSN(nil, &r); !bytes.Equal(got, el) {
		t.Fatalf("wpa round trip %x", got)
	}
	s, err := ParseSet(el)
	if err != nil || s.WPA == nil || !bytes.Equal(s.WPARaw, el) {
		t.Fatalf("set wpa %v", err)
	}
}

func TestBasicElements(t *testing.T) {
	c, err := ParseCountry(unhex(t, "555320010b1e00"))
	if err != nil || string(c.Code[:2]) != "US" || len(c.Triplets) != 1 || c.Triplets[0] != (CountryTriplet{1, 11, 30}) {
		t.Fatalf("country %+v %v", c, err)
	}
	if got := AppendCountry(nil, &c); !bytes.Equal(got, unhex(t, "0706555320010b1e")) {
		t.Fatalf("country append %x", got)
	}
	if _, err := ParseCountry(unhex(t, "555320010b1e0102")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("country trailing err %v", err)
	}
	tim, err := ParseTIM(unhex(t, "00030204"))
	// Offset field 1 → N1 = 2: the bitmap's first octet covers AIDs 16-23.
	if err != nil || tim.HasAID(2) || !tim.HasAID(18) || tim.HasAID(17) {
		t.Fatalf("tim %+v %v", tim, err)
	}
	if got := AppendTIM(nil, &tim); !bytes.Equal(got, unhex(t, "050400030204")) {
		t.Fatalf("tim append %x", got)
	}
	if _, err := ParseSSID(make([]byte, 33)); !errors.Is(err, ErrMalformed) {
		t.Fatal("33-octet SSID accepted")
	}
	if _, err := ParseRates(make([]byte, 9), false); !errors.Is(err, ErrMalformed) {
		t.Fatal("9 supported rates accepted")
	}
	if err := Validate(unhex(t, "000548")); !errors.Is(err, ErrTruncated) {
		t.Fatalf("validate err %v", err)
	}
	rates := []Rate{0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24, 0x30, 0x48}
	if got := AppendRates(nil, rates); !bytes.Equal(got, unhex(t, "010882848b960c12182432023048")) {
		t.Fatalf("rates %x", got)
	}
}

func TestHTVHT(t *testing.T) {
	// HT Capabilities of the probe request in wpa3-psk.pcap.
	h, err := ParseHTCaps(unhex(t, "7e101bffff00000000000000000000010000000000000000000000"[:52]))
	if err != nil {
		t.Fatal(err)
	}
	if h.Info != 0x107e || h.MaxAMPDULen() != 65535 || !h.RxMCS(15) || h.RxMCS(16) || h.Streams() != 2 || h.Info&HTCapSGI20 == 0 {
		t.Fatalf("ht %+v", h)
	}
	if got := AppendHTCaps(nil, &h); !bytes.Equal(got[2:], unhex(t, "7e101bffff00000000000000000000010000000000000000000000"[:52])) {
		t.Fatalf("ht round trip %x", got)
	}
	v, err := ParseVHTCaps(unhex(t, "b2018033faff0c03faff0c03"))
	if err != nil || v.RxMaxMCS(1) != 9 || v.RxMaxMCS(2) != 9 || v.RxMaxMCS(3) != -1 || v.Info&VHTCapSGI80 == 0 || v.RxHighestRate != 0x30c {
		t.Fatalf("vht %+v %v", v, err)
	}
	if got := AppendVHTCaps(nil, &v); !bytes.Equal(got[2:], unhex(t, "b2018033faff0c03faff0c03")) {
		t.Fatalf("vht round trip %x", got)
	}
	if _, err := ParseHTCaps(make([]byte, 25)); !errors.Is(err, ErrMalformed) {
		t.Fatal("short HT caps accepted")
	}
}

// TestCaptureElements parses the elements of every management frame in the captures.
func TestCaptureElements(t *testing.T) {
	for _, name := range capture.Names() {
		c, err := capture.Read(name)
		if errors.Is(err, capture.ErrNoTestdata) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range c.Frames() {
			f, err := frame.Parse(p)
			if err != nil || f.Type() != frame.TypeMgmt {
				continue
			}
			var els []byte
			switch f.Subtype() {
			case frame.SubBeacon, frame.SubProbeResp:
				b, err := frame.ParseBeacon(f.Body())
				if err != nil {
					t.Fatal(err)
				}
				els = b.Elements()
			case frame.SubProbeReq:
				els = f.Body()
			case frame.SubAssocReq:
				a, _ := frame.ParseAssocReq(f.Body(), false)
				els = a.Elements()
			default:
				continue
			}
			s, err := ParseSet(els)
			if err != nil {
				t.Fatalf("%s #%d: %v", name, i+1, err)
			}
			switch name {
			case "Chinese-SSID-Name.pcap":
				if !bytes.Equal(s.SSID, []byte{0xb2, 0xe2, 0xca, 0xd4}) {
					t.Fatalf("SSID %x", s.SSID)
				}
				if got := AppendSSID(nil, s.SSID); !bytes.Equal(got, els[:6]) {
					t.Fatalf("SSID round trip %x", got)
				}
			case "wpa3-psk.pcap":
				if f.Subtype() == frame.SubBeacon && (s.RSN == nil || !s.RSN.HasAKM(AKMSAE) || s.RSN.Capabilities&RSNCapMFPR == 0) {
					t.Fatalf("wpa3 beacon rsn %+v", s.RSN)
				}
				if f.Subtype() == frame.SubProbeReq && s.HTCaps == nil {
					t.Fatal("probe request HT caps missing")
				}
			case "wep.open.system.authentication.cap":
				if f.Subtype() == frame.SubBeacon && string(s.SSID) != "teddy" {
					t.Fatalf("wep ssid %q", s.SSID)
				}
			}
		}
	}
}

// TestWMM: the Parameter element hostapd 2.10 beacons with wmm_enabled=1
// (bytes as its defaults give them: WMM Specification 1.2 table 5) and
// our Information element round trip through ParseSet.
func TestWMM(t *testing.T) {
	param := []byte{IDVendor, 24, 0x00, 0x50, 0xf2, 0x02, 0x01, 0x01, 0x01, 0x00,
		0x03, 0xa4, 0x00, 0x00, 0x27, 0xa4, 0x00, 0x00, 0x42, 0x43, 0x5e, 0x00, 0x62, 0x32, 0x2f, 0x00}
	s, err := ParseSet(param)
	if err != nil || s.WMM == nil || s.WMM.Subtype != WMMSubtypeParam || s.WMM.QoSInfo != 1 || s.WMM.AC[3] != [4]byte{0x62, 0x32, 0x2f, 0x00} {
		t.Fatalf("parameter element: %+v %v", s.WMM, err)
	}
	info := AppendWMMInfo(nil, 0)
	if !bytes.Equal(info, []byte{IDVendor, 7, 0x00, 0x50, 0xf2, 0x02, 0x00, 0x01, 0x00}) {
		t.Fatalf("information element % x", info)
	}
	if s, err := ParseSet(info); err != nil || s.WMM == nil || s.WMM.Subtype != WMMSubtypeInfo {
		t.Fatalf("information element: %+v %v", s.WMM, err)
	}
	for _, bad := range [][]byte{{0, 2}, {0, 1, 0, 9}, {1, 1, 0}, {7, 1, 0}} {
		if _, err := ParseWMM(bad); err == nil {
			t.Errorf("ParseWMM(% x) accepted", bad)
		}
	}
	// A TSPEC (subtype 2) or a broken WMM element is skipped, not an error.
	if s, err := ParseSet([]byte{IDVendor, 6, 0x00, 0x50, 0xf2, 0x02, 0x02, 0x01}); err != nil || s.WMM != nil {
		t.Fatalf("TSPEC: %+v %v", s.WMM, err)
	}
}
