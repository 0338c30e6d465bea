package wire

import (
	"encoding/binary"
	"math/bits"
)

// The Internet checksum (RFC 1071) is the 16-bit ones' complement of the
// ones' complement sum of the data taken as big-endian 16-bit words.
//
// Checksum returns the folded sum, not its complement, so that partial sums
// (pseudo-header, header, payload in separate buffers) combine with
// ChecksumCombine and the caller complements once at the end. A received
// header whose checksum field is correct sums to 0xffff.
//
// Speed: RFC 1071 §2(B) and §2(C) allow summing in any byte order and in
// wider words as long as the end-around carry is kept. We add the data as
// little-endian 64-bit words (one plain load each) through an add-with-carry
// chain, eight words per unrolled iteration, fold 64→16 bits and swap the two
// bytes of the result back to network order at the end. (A carry-free loop
// of 32-bit big-endian words for short headers measured slower, even at 20
// bytes.)

// Checksum returns the 16-bit ones' complement sum of b added to initial
// (RFC 1071 §1). It does not complement the result. Odd-length b is padded
// with a zero byte, as RFC 1071 §4.1 does.
func Checksum(b []byte, initial uint16) uint16 {
	s := fold64(sumLE(b))
	return ChecksumCombine(bits.ReverseBytes16(s), initial)
}

// ChecksumCombine adds two ones' complement sums (RFC 1071 §2(A)). Sums of
// adjacent buffers combine this way only when the first buffer has even
// length, which holds for every header this package knows.
func ChecksumCombine(a, b uint16) uint16 {
	s := uint32(a) + uint32(b)
	return uint16(s + s>>16)
}

// PseudoHeaderChecksum returns the ones' complement sum of the IPv4
// pseudo-header that UDP (RFC 768) and TCP (RFC 793 §3.1) include in their
// checksum: source, destination, zero, protocol, transport length.
func PseudoHeaderChecksum(proto IPProtocol, src, dst Addr4, length uint16) uint16 {
	s := uint64(binary.BigEndian.Uint16(src[0:])) + uint64(binary.BigEndian.Uint16(src[2:])) +
		uint64(binary.BigEndian.Uint16(dst[0:])) + uint64(binary.BigEndian.Uint16(dst[2:])) +
		uint64(proto) + uint64(length)
	return fold64(s)
}

// ChecksumUpdate16 returns the checksum field that results when one aligned
// 16-bit word covered by the checksum changes from old to new, without
// summing the data again (RFC 1624 §3, eqn. 3: HC' = ~(~HC + ~m + m')).
// check is the stored (complemented) checksum field, as is the result.
func ChecksumUpdate16(check, old, new uint16) uint16 {
	s := uint32(^check) + uint32(^old) + uint32(new)
	s = s&0xffff + s>>16
	s = s&0xffff + s>>16
	return ^uint16(s)
}

// sumLE returns a 64-bit ones' complement sum of b read as little-endian
// words. Only its value modulo 2^16-1 after fold64 is meaningful.
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

// fold64 reduces a 64-bit ones' complement sum to 16 bits (end-around carry).
func fold64(s uint64) uint16 {
	s = s&0xffffffff + s>>32 // < 2^33
	s = s&0xffffffff + s>>32 // < 2^32
	s = s&0xffff + s>>16     // < 2^17
	s = s&0xffff + s>>16     // < 2^16 + 1
	s = s&0xffff + s>>16
	return uint16(s)
}
