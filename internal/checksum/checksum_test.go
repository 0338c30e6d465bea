package checksum

import (
	"encoding/binary"
	"testing"
)

// naive is the textbook RFC 1071 loop: 16-bit big-endian words into a
// 32-bit accumulator. (stack/wire's tests compare wire.Checksum, this
// package's Sum, with the same loop at every length and alignment.)
func naive(b []byte, initial uint16) uint16 {
	s := uint32(initial)
	for len(b) >= 2 {
		s += uint32(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func TestSum(t *testing.T) {
	// RFC 1071 §3's example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
	if got := Sum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, 0); got != 0xddf2 {
		t.Fatalf("RFC 1071 example: %#04x, want 0xddf2", got)
	}
	b := make([]byte, 200)
	for i := range b {
		b[i] = byte(i*37 + 11)
	}
	for n := range len(b) {
		if got, want := Sum(b[:n], 0x1234), naive(b[:n], 0x1234); got != want {
			t.Fatalf("%d bytes: %#04x, want %#04x", n, got, want)
		}
	}
	if got := Combine(0xffff, 0x0001); got != 0x0001 {
		t.Errorf("Combine end-around carry: %#04x", got)
	}
	if got := Fold64(0xffff_ffff_ffff_ffff); got != 0xffff {
		t.Errorf("Fold64 of all ones: %#04x", got)
	}
}
