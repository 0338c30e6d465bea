package stack

import (
	"encoding/binary"
	"testing"
)

// udp4 builds an Ethernet + IPv4 + UDP header with the given ports and
// fragment field.
func udp4(src, dst byte, sport, dport, frag uint16) []byte {
	f := make([]byte, 14+20+8)
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:]
	ip[0], ip[9] = 0x45, 17
	binary.BigEndian.PutUint16(ip[6:], frag)
	ip[12], ip[15], ip[16], ip[19] = 198, src, 198, dst
	binary.BigEndian.PutUint16(ip[20:], sport)
	binary.BigEndian.PutUint16(ip[22:], dport)
	return f
}

func TestFlowHash(t *testing.T) {
	a := flowHash(udp4(1, 2, 1000, 7, 0))
	if a == 0 || a != flowHash(udp4(1, 2, 1000, 7, 0)) {
		t.Fatalf("hash %#x not stable", a)
	}
	if flowHash(udp4(1, 2, 1001, 7, 0)) == a {
		t.Error("the source port does not change the hash")
	}
	if flowHash(udp4(1, 3, 1000, 7, 0)) == a {
		t.Error("the destination address does not change the hash")
	}
	// Every fragment of one datagram hashes alike: ports are left out as
	// soon as MF or an offset is set (later fragments have none).
	first, later := flowHash(udp4(1, 2, 1000, 7, 0x2000)), flowHash(udp4(1, 2, 0xdead, 0xbeef, 0x0010))
	if first != later {
		t.Errorf("fragments hash %#x and %#x", first, later)
	}
	// A VLAN tag is skipped.
	f := udp4(1, 2, 1000, 7, 0)
	tagged := append(append(append([]byte{}, f[:12]...), 0x81, 0x00, 0x00, 0x05), f[12:]...)
	if flowHash(tagged) != a {
		t.Error("an 802.1Q tag changes the hash")
	}
	// IPv6: addresses and ports.
	v6 := make([]byte, 14+40+8)
	binary.BigEndian.PutUint16(v6[12:], 0x86dd)
	v6[14] = 0x60
	v6[14+6] = 17
	v6[14+8], v6[14+39] = 0x20, 1
	h6 := flowHash(v6)
	binary.BigEndian.PutUint16(v6[14+40:], 5)
	if h6 == 0 || flowHash(v6) == h6 {
		t.Errorf("IPv6 hash %#x ignores the port", h6)
	}
	for _, short := range [][]byte{nil, f[:13], f[:14+19], tagged[:17], v6[:14+39]} {
		if h := flowHash(short); h != 0 {
			t.Errorf("%d-byte frame hashes to %#x, want 0", len(short), h)
		}
	}
}

// FuzzFlowHash: any bytes hash without a panic, and alike every time.
func FuzzFlowHash(f *testing.F) {
	f.Add(udp4(1, 2, 1000, 7, 0))
	f.Add(udp4(1, 2, 1000, 7, 0x2000))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x81, 0, 0, 1, 0x86, 0xdd})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0x4f})
	f.Fuzz(func(t *testing.T, b []byte) {
		if h, again := flowHash(b), flowHash(append([]byte(nil), b...)); h != again {
			t.Fatalf("hash %#x, then %#x for the same bytes", h, again)
		}
	})
}

func BenchmarkFlowHash(b *testing.B) {
	f := udp4(1, 2, 1000, 7, 0)
	b.ReportAllocs()
	for b.Loop() {
		_ = flowHash(f)
	}
}
