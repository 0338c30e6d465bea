package igb

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// rssVector is one entry of Microsoft's RSS verification suite ("Verifying
// the RSS Hash Calculation"), computed with DefaultKey: the hash over the
// addresses only, and over addresses and TCP ports.
type rssVector struct {
	dst, src        string
	dport, sport    uint16
	ipHash, tcpHash uint32
}

var rssVectorsV4 = []rssVector{
	{"161.142.100.80", "66.9.149.187", 1766, 2794, 0x323e8fc2, 0x51ccc178},
	{"65.69.140.83", "199.92.111.2", 4739, 14230, 0xd718262a, 0xc626b0ea},
	{"12.22.207.184", "24.19.198.95", 38024, 12898, 0xd2d0a5de, 0x5c2b394a},
	{"209.142.163.6", "38.27.205.30", 2217, 48228, 0x82989176, 0xafc7327f},
	{"202.188.127.2", "153.39.163.191", 1303, 44251, 0x5d1809c5, 0x10e828a2},
}

var rssVectorsV6 = []rssVector{
	{"3ffe:2501:200:3::1", "3ffe:2501:200:1fff::7", 1766, 2794, 0x2cc18cd5, 0x40207d3d},
	{"ff02::1", "3ffe:501:8::260:97ff:fe40:efab", 4739, 14230, 0x0f0c461c, 0xdde51bbf},
	{"fe80::200:f8ff:fe21:67cf", "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 38024, 44251, 0x4b61e985, 0x02d1feef},
}

func TestToeplitzMicrosoftVectors(t *testing.T) {
	dk := DefaultKey()
	for _, v := range append(rssVectorsV4, rssVectorsV6...) {
		src, dst := netip.MustParseAddr(v.src).AsSlice(), netip.MustParseAddr(v.dst).AsSlice()
		in := append(append([]byte{}, src...), dst...)
		if got := Toeplitz(dk[:], in); got != v.ipHash {
			t.Errorf("%s -> %s: address hash %#08x, want %#08x", v.src, v.dst, got, v.ipHash)
		}
		in = binary.BigEndian.AppendUint16(in, v.sport)
		in = binary.BigEndian.AppendUint16(in, v.dport)
		if got := Toeplitz(dk[:], in); got != v.tcpHash {
			t.Errorf("%s:%d -> %s:%d: TCP hash %#08x, want %#08x", v.src, v.sport, v.dst, v.dport, got, v.tcpHash)
		}
	}
}

// frame builds an Ethernet frame carrying an IPv4 or IPv6 packet of proto
// with the vector's addresses and ports (RFC 791 / RFC 8200 headers).
func frame(v rssVector, proto byte, vlan bool) []byte {
	src, dst := netip.MustParseAddr(v.src), netip.MustParseAddr(v.dst)
	f := make([]byte, 12, 128)
	if vlan {
		f = append(f, 0x81, 0x00, 0x00, 0x05)
	}
	if src.Is4() {
		f = append(f, 0x08, 0x00, 0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, proto, 0, 0)
	} else {
		f = append(f, 0x86, 0xdd, 0x60, 0, 0, 0, 0, 20, proto, 64)
	}
	f = append(f, src.AsSlice()...)
	f = append(f, dst.AsSlice()...)
	f = binary.BigEndian.AppendUint16(f, v.sport)
	f = binary.BigEndian.AppendUint16(f, v.dport)
	return append(f, make([]byte, 16)...)
}

func TestFlowHash(t *testing.T) {
	dk := DefaultKey()
	for _, v := range rssVectorsV4 {
		for _, vlan := range []bool{false, true} {
			if h, ty := FlowHash(dk[:], DefaultFields, frame(v, 6, vlan)); h != v.tcpHash || ty != HashTCPIPv4 {
				t.Errorf("TCP/IPv4 %s vlan=%v: %#08x %v, want %#08x tcp-ipv4", v.src, vlan, h, ty, v.tcpHash)
			}
			if h, ty := FlowHash(dk[:], DefaultFields, frame(v, 1, vlan)); h != v.ipHash || ty != HashIPv4 {
				t.Errorf("ICMP/IPv4 %s: %#08x %v, want %#08x ipv4", v.src, h, ty, v.ipHash)
			}
			if h, ty := FlowHash(dk[:], DefaultFields, frame(v, 17, vlan)); h != v.tcpHash || ty != HashUDPIPv4 {
				t.Errorf("UDP/IPv4 %s: %#08x %v, want %#08x udp-ipv4 (same input as TCP)", v.src, h, ty, v.tcpHash)
			}
			if h, ty := FlowHash(dk[:], FieldIPv4, frame(v, 6, vlan)); h != v.ipHash || ty != HashIPv4 {
				t.Errorf("TCP/IPv4 %s with only the IPv4 field: %#08x %v, want %#08x ipv4", v.src, h, ty, v.ipHash)
			}
		}
		f := frame(v, 6, false)
		f[14+6] |= 0x20 // more fragments: ports are not hashed
		if h, ty := FlowHash(dk[:], DefaultFields, f); h != v.ipHash || ty != HashIPv4 {
			t.Errorf("fragment %s: %#08x %v, want %#08x ipv4", v.src, h, ty, v.ipHash)
		}
	}
	for _, v := range rssVectorsV6 {
		if h, ty := FlowHash(dk[:], DefaultFields, frame(v, 6, false)); h != v.tcpHash || ty != HashTCPIPv6 {
			t.Errorf("TCP/IPv6 %s: %#08x %v, want %#08x tcp-ipv6", v.src, h, ty, v.tcpHash)
		}
		if h, ty := FlowHash(dk[:], DefaultFields, frame(v, 58, false)); h != v.ipHash || ty != HashIPv6 {
			t.Errorf("ICMPv6 %s: %#08x %v, want %#08x ipv6", v.src, h, ty, v.ipHash)
		}
	}
	arp := make([]byte, 42)
	arp[12], arp[13] = 0x08, 0x06
	if h, ty := FlowHash(dk[:], DefaultFields, arp); h != 0 || ty != HashNone {
		t.Errorf("ARP hashed to %#x %v", h, ty)
	}
}

func TestRETA(t *testing.T) {
	var r RETA
	r.Spread(4)
	for h := uint32(0); h < 1024; h++ {
		if q := r.Queue(h); q != int(h%128%4) {
			t.Fatalf("hash %d -> queue %d, want %d", h, q, h%128%4)
		}
	}
	w := r.words()
	if w[0] != 0x03020100 || w[31] != 0x03020100 {
		t.Errorf("RETA words %#08x .. %#08x, want 0x03020100", w[0], w[31])
	}
}

func FuzzFlowHash(f *testing.F) {
	dk := DefaultKey()
	for _, v := range append(rssVectorsV4, rssVectorsV6...) {
		f.Add(frame(v, 6, false), uint32(DefaultFields))
		f.Add(frame(v, 17, true), uint32(FieldIPv4|FieldIPv6))
	}
	f.Add([]byte{}, uint32(0))
	f.Fuzz(func(t *testing.T, fr []byte, fields uint32) {
		h, ty := FlowHash(dk[:], HashFields(fields), fr)
		if ty >= hashTypeInvalid || (ty == HashNone && h != 0) {
			t.Fatalf("FlowHash returned %#x %v", h, ty)
		}
	})
}

func BenchmarkFlowHash(b *testing.B) {
	dk := DefaultKey()
	fr := frame(rssVectorsV4[0], 6, false)
	b.ReportAllocs()
	for b.Loop() {
		FlowHash(dk[:], DefaultFields, fr)
	}
}
