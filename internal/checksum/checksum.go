package checksum

import (
	"encoding/binary"
	"math/bits"
)

// Sum returns the 16-bit ones' complement sum of b added to initial
// (RFC 1071 §1). It does not complement the result. Odd-length b is padded
// with a zero byte, as RFC 1071 §4.1 does.
func Sum(b []byte, initial uint16) uint16 {
	s := Fold64(sumLE(b))
	return Combine(bits.ReverseBytes16(s), initial)
}

// Combine adds two ones' complement sums (RFC 1071 §2(A)). Sums of
// adjacent buffers combine this way only when the first buffer has even
// length (hw/mbuf's Buf.Checksum handles odd segments).
func Combine(a, b uint16) uint16 {
	s := uint32(a) + uint32(b)
	return uint16(s + s>>16)
}

// sumLE returns a 64-bit ones' complement sum of b read as little-endian
// words. Only its value modulo 2^16-1 after Fold64 is meaningful.
func sumLE(b []byte) uint64 {
	var acc, c uint64
	for len(b) >= 64 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[0:8]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[8:16]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[16:24]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[24:32]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[32:40]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[40:48]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[48:56]), c)
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b[56:64]), c)
		b = b[64:]
	}
	for len(b) >= 8 {
		acc, c = bits.Add64(acc, binary.LittleEndian.Uint64(b), c)
		b = b[8:]
	}
	// The tail is at most 7 bytes; assemble it as one little-endian word
	// (a missing odd byte counts as zero, RFC 1071 §4.1).
	var tail uint64
	switch len(b) {
	case 7:
		tail = uint64(b[6])<<48 | uint64(binary.LittleEndian.Uint16(b[4:]))<<32 | uint64(binary.LittleEndian.Uint32(b))
	case 6:
		tail = uint64(binary.LittleEndian.Uint16(b[4:]))<<32 | uint64(binary.LittleEndian.Uint32(b))
	case 5:
		tail = uint64(b[4])<<32 | uint64(binary.LittleEndian.Uint32(b))
	case 4:
		tail = uint64(binary.LittleEndian.Uint32(b))
	case 3:
		tail = uint64(b[2])<<16 | uint64(binary.LittleEndian.Uint16(b))
	case 2:
		tail = uint64(binary.LittleEndian.Uint16(b))
	case 1:
		tail = uint64(b[0])
	}
	acc, c = bits.Add64(acc, tail, c)
	acc, c = bits.Add64(acc, 0, c)
	return acc + c // c is 1 only if acc wrapped to 0, so this cannot overflow
}

// Fold64 reduces a 64-bit ones' complement sum to 16 bits (end-around carry).
func Fold64(s uint64) uint16 {
	s = s&0xffffffff + s>>32 // < 2^33
	s = s&0xffffffff + s>>32 // < 2^32
	s = s&0xffff + s>>16     // < 2^17
	s = s&0xffff + s>>16     // < 2^16 + 1
	s = s&0xffff + s>>16
	return uint16(s)
}
