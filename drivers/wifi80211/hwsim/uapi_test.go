package hwsim

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// kernelFrameMsg is a HWSIM_CMD_FRAME as mac80211_hwsim_tx_frame_nl builds
// it on x86-64: transmitter 42:00:00:00:00:00, a 24-byte beacon header,
// flags REQ_TX_STATUS|NO_ACK, TX info (rate 0 x1, rest -1), cookie 7, freq
// 2412, TX info flags.
const kernelFrameMsg = "0a00 0200 420000000000 0000" +
	"1c00 0300 80000000ffffffffffff020000000000020000000000 1000" +
	"0800 0400 03000000" +
	"0c00 0700 0001ff00ff00ff00" +
	"0c00 0800 0700000000000000" +
	"0800 1300 6c090000" +
	"1000 1500 00000000ff000000ff000000"

func TestParseFrame(t *testing.T) {
	var k kframe
	if err := parseFrame(unhex(t, kernelFrameMsg), &k); err != nil {
		t.Fatal(err)
	}
	if k.transmitter != [6]byte{0x42} || k.flags != flagReqTxStatus|flagNoAck || k.cookie != 7 || k.freq != 2412 {
		t.Fatalf("parsed %+v", k)
	}
	if want := unhex(t, "80000000ffffffffffff0200000000000200000000001000"); !bytes.Equal(k.frame, want) {
		t.Fatalf("frame %x", k.frame)
	}
	if !bytes.Equal(k.txInfo, unhex(t, "0001ff00ff00ff00")) || len(k.txInfoFlags) != 12 {
		t.Fatalf("tx info %x flags %x", k.txInfo, k.txInfoFlags)
	}

	bad := []struct {
		name string
		msg  string
		err  error
	}{
		{"no cookie", "0a00 0200 420000000000 0000 0800 0300 80000000 0800 0400 00000000 0c00 0700 0001ff00ff00ff00", ErrMissing},
		{"length past end", "0a00 0200 4200", ErrTruncated},
		{"length below header", "0200 0200", ErrTruncated},
		{"short transmitter", "0800 0200 42000000", ErrTruncated},
		{"3 bytes", "0a00 02", ErrTruncated},
	}
	for _, c := range bad {
		if err := parseFrame(unhex(t, c.msg), &k); !errors.Is(err, c.err) {
			t.Errorf("%s: %v, want %v", c.name, err, c.err)
		}
	}
}

func TestParseMACAddr(t *testing.T) {
	r, a, err := parseMACAddr(unhex(t, "0a00 0200 420000000100 0000 0a00 0100 020000000100 0000"))
	if err != nil || r != [6]byte{0x42, 0, 0, 0, 1, 0} || a != [6]byte{2, 0, 0, 0, 1, 0} {
		t.Fatalf("%x %x %v", r, a, err)
	}
	if _, _, err := parseMACAddr(unhex(t, "0a00 0200 420000000100 0000")); !errors.Is(err, ErrMissing) {
		t.Fatalf("receiver missing: %v", err)
	}
}

func TestAttrsEncode(t *testing.T) {
	var a attrs
	a.bytes(attrAddrReceiver, []byte{0x42, 0, 0, 0, 0, 0})
	a.u32(attrRxRate, 3)
	a.u64(attrCookie, 0x0102030405060708)
	want := unhex(t, "0a00 0100 420000000000 0000 0800 0500 03000000 0c00 0800 0807060504030201")
	if !bytes.Equal(a.b, want) {
		t.Fatalf("encoded %x\nwant    %x", a.b, want)
	}
}

func TestRates(t *testing.T) {
	cases := []struct {
		idx  int8
		freq int
		rate int
	}{
		{0, 2412, 2}, {3, 2412, 22}, {11, 2437, 108}, {0, 5180, 12}, {7, 5180, 108}, {-1, 2412, 2}, {12, 2412, 2}, {8, 5180, 12},
	}
	for _, c := range cases {
		if got := rateOf(c.idx, c.freq); got != c.rate {
			t.Errorf("rateOf(%d, %d) = %d, want %d", c.idx, c.freq, got, c.rate)
		}
		if c.idx >= 0 && rateOf(c.idx, c.freq) == c.rate && int(c.idx)+bandOffset(c.freq) < len(hwsimRates) {
			if back := rateIndex(c.rate, c.freq); int8(back) != c.idx {
				t.Errorf("rateIndex(%d, %d) = %d, want %d", c.rate, c.freq, back, c.idx)
			}
		}
	}
	// Between table rates: the highest rate not above the request.
	for _, c := range []struct{ rate, freq, idx int }{{100, 2412, 10}, {21, 2412, 5}, {30, 2412, 6}, {1, 2412, 0}, {100, 5180, 6}} {
		if got := rateIndex(c.rate, c.freq); int(got) != c.idx {
			t.Errorf("rateIndex(%d, %d) = %d, want %d", c.rate, c.freq, got, c.idx)
		}
	}
}

// TestRatesHT: an HT MCS of ours goes to the kernel as the highest legacy
// index not above its data rate (HWSIM_CMD_FRAME has no HT field); a
// kernel frame whose first TX rate flag says MCS arrives as that MCS.
func TestRatesHT(t *testing.T) {
	for _, c := range []struct{ rate, freq, idx int }{{0x80, 2412, 4}, {0x81, 2412, 6}, {0x83, 2412, 8}, {0x87, 2412, 11}, {0x86, 2412, 11}, {0x80, 5180, 0}, {0x87, 5180, 7}} {
		if got := rateIndex(c.rate, c.freq); int(got) != c.idx {
			t.Errorf("rateIndex(%#x, %d) = %d, want %d", c.rate, c.freq, got, c.idx)
		}
	}
	txInfo := []byte{7, 1, 0xff, 0, 0xff, 0, 0xff, 0}
	if got := kernelRate(txInfo, []byte{7, txRCMCS, 0, 0xff, 0, 0, 0xff, 0, 0, 0xff, 0, 0}, 2412); got != 0x87 {
		t.Errorf("MCS 7: %#x", got)
	}
	if got := kernelRate(txInfo, []byte{7, 0, 0, 0xff, 0, 0, 0xff, 0, 0, 0xff, 0, 0}, 2412); got != 36 {
		t.Errorf("legacy index 7: %d", got)
	}
	if got := kernelRate(txInfo, nil, 2412); got != 36 {
		t.Errorf("no flags: %d", got)
	}
	if got := kernelRate([]byte{9, 1}, []byte{9, txRCMCS, 0}, 2412); got != 0x89 {
		t.Errorf("MCS 9 (two streams): %d", got)
	}
}

func FuzzParseFrame(f *testing.F) {
	f.Add(unhex(f, kernelFrameMsg))
	f.Add(unhex(f, "0a00 0200 420000000100 0000 0a00 0100 020000000100 0000"))
	f.Add([]byte{0x04, 0, 0x03, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var k kframe
		if parseFrame(b, &k) == nil {
			if len(k.txInfo) != maxRates*2 || k.frame == nil && len(b) == 0 {
				t.Fatalf("accepted frame without TX info: %+v", k)
			}
			_ = rateOf(int8(k.txInfo[0]), int(k.freq))
			_ = kernelRate(k.txInfo, k.txInfoFlags, int(k.freq))
		}
		_, _, _ = parseMACAddr(b)
	})
}
