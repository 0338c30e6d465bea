package radiotap

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

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

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		check   func(*Fields) bool
		payload int
		err     error
	}{
		// First packet of wpa3-psk.pcap: TSFT, Flags, Rate, Channel (2412 MHz, CCK|2GHz).
		{name: "wpa3-beacon", in: "000016000f0000007c50b182ae8605000002 6c09a000" + "80000000",
			check: func(f *Fields) bool {
				return f.TSFT == 0x000586ae82b1507c && f.Flags == 0 && f.Rate == 2 && f.ChannelFreq == 2412 &&
					f.ChannelFlags == ChanCCK|Chan2GHz && FreqToChannel(int(f.ChannelFreq)) == 1
			}, payload: 4},
		// Flags with FCS, dBm signal, then the frame + 4 FCS octets.
		{name: "fcs", in: "00000a002200000010c4" + "d4000000" + "aabbccdd",
			check: func(f *Fields) bool { return f.Flags == FlagFCS && f.SignalDBm == -60 }, payload: 4},
		{name: "version", in: "0100080000000000", err: ErrVersion},
		{name: "short", in: "00000800000000", err: ErrTruncated},
		{name: "len-past-end", in: "0000100000000000", err: ErrTruncated},
		{name: "ext-no-room", in: "0000080000000080", err: ErrTruncated},
		{name: "field-past-len", in: "0000080001000000", err: ErrTruncated},
		{name: "unknown-bit", in: "000009000000001000" + "d4",
			check: func(f *Fields) bool { return f.Unknown }, payload: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := unhex(t, string(bytes.ReplaceAll([]byte(tt.in), []byte(" "), nil)))
			f, fr, err := Parse(in)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err %v want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if !tt.check(&f) || len(fr) != tt.payload {
				t.Fatalf("fields %+v payload %d", f, len(fr))
			}
		})
	}
}

func TestVendorNamespace(t *testing.T) {
	// Word 0: Flags + vendor-ns + ext. Word 1 (vendor ns): bit 0 + radiotap-ns + ext.
	// Word 2 (radiotap again): Rate. Data: flags(1) pad(1) vendor hdr OUI(3) sub(1) skip(2)=3,
	// vendor data (3), then a rate that belongs to the second radiotap namespace.
	in := unhex(t, "00001a00"+"020000c0"+"010000a0"+"04000000"+"10"+"00"+"001122010300"+"aabbcc"+"0c"+"d400000000000000000000")
	in[2] = byte(len(in) - 11)
	f, fr, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	if f.VendorNS != 1 || f.Flags != FlagFCS || f.Has(BitRate) || len(fr) != 11-4 {
		t.Fatalf("fields %+v frame %x", f, fr)
	}
}

func TestBuildRoundTrip(t *testing.T) {
	var f Fields
	for _, b := range []int{BitTSFT, BitFlags, BitRate, BitChannel, BitSignalDBm, BitAntenna, BitRxFlags, BitTxFlags,
		BitDataRetries, BitXChannel, BitMCS, BitAMPDU, BitVHT, BitTimestamp, BitLSIG} {
		f.Set(b)
	}
	f.TSFT, f.Flags, f.Rate, f.ChannelFreq, f.ChannelFlags = 0x1122334455667788, FlagShortPre, 108, 5180, Chan5GHz|ChanOFDM
	f.SignalDBm, f.Antenna, f.RxFlags, f.TxFlags, f.DataRetries = -42, 1, 2, TxFail, 3
	f.XChannel = XChannel{0x140, 5180, 36, 20}
	f.MCS = MCS{0x07, 0x01, 7}
	f.AMPDU = AMPDU{99, 4, 0xab}
	f.VHT = VHT{0x44, 1, 4, [4]uint8{0x92, 0, 0, 0}, 0, 0, 0}
	f.Raw[0][0] = 9
	f.LSIG = [2]uint16{1, 2}
	b := Append([]byte{0xee}, &f)
	if b[0] != 0xee || len(b) != 1+f.Len() {
		t.Fatalf("append len %d vs %d", len(b), f.Len())
	}
	b = append(b, 0xd4, 0, 0, 0)
	got, fr, err := Parse(b[1:])
	if err != nil {
		t.Fatal(err)
	}
	if got != f || !bytes.Equal(fr, []byte{0xd4, 0, 0, 0}) {
		t.Fatalf("round trip\n got %+v\nwant %+v", got, f)
	}
	// Alignment: TSFT 8 at 8, Flags 16, Rate 17, Channel 18-21, signal 22, antenna 23,
	// RX flags 24, TX flags 26, retries 28, XChannel 32-39, MCS 40-42, A-MPDU 44-51,
	// VHT 52-63, timestamp 64-75, L-SIG 76-79.
	if f.Len() != 80 {
		t.Fatalf("len %d, want 80", f.Len())
	}
}

func TestCaptureHeaders(t *testing.T) {
	c, err := capture.Read("wpa3-psk.pcap")
	if errors.Is(err, capture.ErrNoTestdata) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.LinkType != LinkType {
		t.Fatalf("link type %d", c.LinkType)
	}
	for i, p := range c.Packets {
		f, fr, err := Parse(p)
		if err != nil {
			t.Fatalf("#%d: %v", i+1, err)
		}
		if f.ChannelFreq != 2412 || len(fr) < 10 {
			t.Fatalf("#%d: freq %d frame %d", i+1, f.ChannelFreq, len(fr))
		}
		// Re-encode and compare with the captured header bytes.
		if enc := Append(nil, &f); !bytes.Equal(enc, p[:len(p)-len(fr)]) {
			t.Fatalf("#%d: re-encode %x != %x", i+1, enc, p[:len(p)-len(fr)])
		}
	}
}

func TestChannels(t *testing.T) {
	for _, c := range []struct{ ch, mhz int }{{1, 2412}, {6, 2437}, {13, 2472}, {14, 2484}, {36, 5180}, {165, 5825}} {
		if ChannelToFreq(c.ch) != c.mhz || FreqToChannel(c.mhz) != c.ch {
			t.Errorf("channel %d <-> %d MHz", c.ch, c.mhz)
		}
	}
}

// FuzzParse checks Parse never panics and that re-encoding a parsed header
// with only radiotap fields parses back to the same values.
func FuzzParse(f *testing.F) {
	if c, err := capture.Read("wpa3-psk.pcap"); err == nil {
		for _, p := range c.Packets {
			f.Add(p)
		}
	}
	f.Add([]byte{0, 0, 8, 0, 0, 0, 0, 0})
	f.Add([]byte{0, 0, 0x1a, 0, 2, 0, 0, 0xc0, 1, 0, 0, 0xa0, 4, 0, 0, 0, 0x10, 0, 0, 0x11, 0x22, 1, 3, 0, 0xaa, 0xbb, 0xcc, 0x0c})
	f.Fuzz(func(t *testing.T, b []byte) {
		fl, _, err := Parse(b)
		if err != nil {
			return
		}
		fl.Flags &^= FlagFCS
		enc := Append(nil, &fl)
		got, _, err := Parse(enc)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		got.Unknown, got.VendorNS = fl.Unknown, fl.VendorNS
		if got != fl {
			t.Fatalf("re-parse mismatch\n got %+v\nwant %+v", got, fl)
		}
	})
}
