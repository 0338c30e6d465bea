package tcp

import (
	"testing"

	"github.com/gopkt/gopkt/stack/wire"
)

func TestParseSegmentOptions(t *testing.T) {
	seg := []byte{
		0x30, 0x39, 0x00, 0x50, // ports 12345 -> 80
		0, 0, 0, 1, 0, 0, 0, 0, // seq 1, ack 0
		0xa0, wire.TCPFlagSYN, 0xff, 0xff, 0, 0, 0, 0, // 40-byte header
		2, 4, 0x05, 0xb4, // MSS 1460
		4, 2, // SACK permitted
		8, 10, 0, 0, 0, 7, 0, 0, 0, 0, // TS 7, 0
		1, 3, 3, 15, // NOP, window scale 15 (taken as 14)
	}
	var s segment
	if r := parseSegment(seg, len(seg), &s); r != dropNone {
		t.Fatal(r)
	}
	if !s.hasMSS || s.mss != 1460 || !s.sackPerm || !s.hasTS || s.tsVal != 7 || !s.hasWS || s.ws != 14 {
		t.Errorf("%+v", s)
	}
	if s.seqLen() != 1 || s.dataLen != 0 {
		t.Errorf("seqLen %d dataLen %d", s.seqLen(), s.dataLen)
	}
	bad := append([]byte(nil), seg...)
	bad[21] = 40 // MSS length beyond the options
	if r := parseSegment(bad, len(bad), &s); r != dropBadOption {
		t.Errorf("bad option length: %v", r)
	}
	bad = append([]byte(nil), seg...)
	bad[13] = wire.TCPFlagSYN | wire.TCPFlagRST
	if r := parseSegment(bad, len(bad), &s); r != dropBadFlags {
		t.Errorf("SYN+RST: %v", r)
	}
	if r := parseSegment(seg[:30], 30, &s); r != dropShort {
		t.Errorf("truncated header: %v", r)
	}
}

// FuzzParseSegment checks the parser's promise: after dropNone, the
// header length and payload length agree with the input.
func FuzzParseSegment(f *testing.F) {
	f.Add([]byte{0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 2, 0xff, 0xff, 0, 0, 0, 0, 2, 4, 5, 0xb4})
	f.Add([]byte{0x30, 0x39, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x80, 0x10, 0xff, 0xff, 0, 0, 0, 0, 1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2})
	f.Fuzz(func(t *testing.T, d []byte) {
		var s segment
		if parseSegment(d, len(d), &s) != dropNone {
			return
		}
		if s.hdrLen < 20 || s.hdrLen > len(d) || s.dataLen != len(d)-s.hdrLen || s.nSACK > 4 || s.ws > 14 {
			t.Fatalf("inconsistent: %+v for %d bytes", s, len(d))
		}
	})
}

func TestSeqArithmetic(t *testing.T) {
	if !seqLT(0xfffffff0, 0x10) || seqLT(0x10, 0xfffffff0) || !seqGEQ(5, 5) || !inWindow(2, 0xffffffff, 4) || inWindow(3, 0xffffffff, 4) {
		t.Fatal("wraparound")
	}
}

func TestSipHashVector(t *testing.T) {
	// SipHash-2-4 reference vector (Aumasson and Bernstein, Appendix A):
	// key 00..0f; our six-word form must match a plain
	// implementation over the same 48 bytes, and the plain one the
	// paper's 15-byte vector a129ca6149be45e5.
	k := sipKey{0x0706050403020100, 0x0f0e0d0c0b0a0908}
	msg := make([]byte, 48)
	for i := range msg {
		msg[i] = byte(i)
	}
	le := func(b []byte) uint64 {
		var v uint64
		for i := 7; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	var w [6]uint64
	for i := range w {
		w[i] = le(msg[8*i:])
	}
	if got, want := k.sum6(w), sipRef(k, msg); got != want {
		t.Errorf("sum6 %x, reference %x", got, want)
	}
	if got := sipRef(k, msg[:15]); got != 0xa129ca6149be45e5 {
		t.Errorf("reference on the paper's vector: %x", got)
	}
}

// sipRef is a byte-oriented SipHash-2-4 for the test.
func sipRef(k sipKey, m []byte) uint64 {
	v0, v1, v2, v3 := k.k0^0x736f6d6570736575, k.k1^0x646f72616e646f6d, k.k0^0x6c7967656e657261, k.k1^0x7465646279746573
	rot := func(x uint64, b uint) uint64 { return x<<b | x>>(64-b) }
	round := func() {
		v0 += v1
		v1 = rot(v1, 13) ^ v0
		v0 = rot(v0, 32)
		v2 += v3
		v3 = rot(v3, 16) ^ v2
		v0 += v3
		v3 = rot(v3, 21) ^ v0
		v2 += v1
		v1 = rot(v1, 17) ^ v2
		v2 = rot(v2, 32)
	}
	b := uint64(len(m)) << 56
	for len(m) >= 8 {
		var w uint64
		for i := 7; i >= 0; i-- {
			w = w<<8 | uint64(m[i])
		}
		v3 ^= w
		round()
		round()
		v0 ^= w
		m = m[8:]
	}
	for i := len(m) - 1; i >= 0; i-- {
		b |= uint64(m[i]) << (8 * uint(i))
	}
	v3 ^= b
	round()
	round()
	v0 ^= b
	v2 ^= 0xff
	round()
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}
