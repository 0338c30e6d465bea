package bridge

import (
	"bytes"
	"testing"
)

// A configuration BPDU laid out by hand from IEEE 802.1D-1998 9.3.1:
// root 8000.02:00:00:00:00:01 cost 19, bridge 8000.02:00:00:00:00:02,
// port 0x8002, message age 1 s, max age 20 s, hello 2 s, forward delay
// 15 s, TC set.
var goldenConfig = []byte{
	0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 38, // 802.3: length 3+35
	0x42, 0x42, 0x03, // LLC
	0, 0, 0, 0, 0x01, // protocol 0, version 0, type config, flags TC
	0x80, 0, 2, 0, 0, 0, 0, 1, // root
	0, 0, 0, 19, // root path cost
	0x80, 0, 2, 0, 0, 0, 0, 2, // bridge
	0x80, 0x02, // port
	1, 0, 20, 0, 2, 0, 15, 0, // times in 1/256 s
	0, 0, 0, 0, 0, 0, 0, 0, // padding to 60 bytes
}

func TestBPDUGolden(t *testing.T) {
	b := bpdu{typ: bpduConfig, flags: flagTC, root: 0x8000_0200_0000_0001, cost: 19, bridge: 0x8000_0200_0000_0002, port: 0x8002,
		age: 256, maxAge: 20 * 256, hello: 2 * 256, fwdDelay: 15 * 256}
	f := make([]byte, bpduFrameMin)
	if n := b.encode(f, [6]byte{2, 0, 0, 0, 0, 2}); n != 60 || !bytes.Equal(f, goldenConfig) {
		t.Fatalf("encoded\n% x\nwant\n% x", f, goldenConfig)
	}
	got, err := parseBPDU(goldenConfig)
	if err != nil || got != b {
		t.Fatalf("parsed %+v %v, want %+v", got, err, b)
	}
	tcn := bpdu{typ: bpduTCN}
	tcn.encode(f, [6]byte{2, 0, 0, 0, 0, 2})
	if !bytes.Equal(f[12:21], []byte{0, 7, 0x42, 0x42, 3, 0, 0, 0, 0x80}) {
		t.Errorf("TCN % x", f[12:21])
	}
	if got, err := parseBPDU(f); err != nil || got.typ != bpduTCN {
		t.Errorf("TCN parsed %+v %v", got, err)
	}
	for name, mut := range map[string]func([]byte){
		"length":      func(f []byte) { f[13] = 200 },
		"llc":         func(f []byte) { f[14] = 0xaa },
		"protocol":    func(f []byte) { f[18] = 1 },
		"type":        func(f []byte) { f[20] = 0x02 }, // RST BPDU: not read
		"age>=maxAge": func(f []byte) { f[44] = 21 },
	} {
		f := bytes.Clone(goldenConfig)
		mut(f)
		if _, err := parseBPDU(f); err == nil {
			t.Errorf("%s: malformed BPDU accepted", name)
		}
	}
}

// FuzzBPDU: no frame panics the parser; a parsed configuration BPDU
// encodes to a frame that parses to the same BPDU.
func FuzzBPDU(f *testing.F) {
	f.Add(goldenConfig)
	f.Add(goldenConfig[:21])
	f.Add([]byte{0x01, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 7, 0x42, 0x42, 3, 0, 0, 0, 0x80})
	f.Fuzz(func(t *testing.T, frame []byte) {
		b, err := parseBPDU(frame)
		if err != nil || b.typ != bpduConfig {
			return
		}
		out := make([]byte, bpduFrameMin)
		b.encode(out, [6]byte{2})
		again, err := parseBPDU(out)
		if err != nil || again != b {
			t.Fatalf("%+v re-encoded parses to %+v %v", b, again, err)
		}
	})
}
