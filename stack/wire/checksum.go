package wire

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/internal/checksum"
)

// The Internet checksum (RFC 1071) is the 16-bit ones' complement of the
// ones' complement sum of the data taken as big-endian 16-bit words.
//
// Checksum returns the folded sum, not its complement, so that partial sums
// (pseudo-header, header, payload in separate buffers) combine with
// ChecksumCombine and the caller complements once at the end. A received
// header whose checksum field is correct sums to 0xffff.
//
// The sum itself is internal/checksum's (shared with hw/mbuf, whose
// Buf.Checksum sums a chain).

// Checksum returns the 16-bit ones' complement sum of b added to initial
// (RFC 1071 §1). It does not complement the result. Odd-length b is padded
// with a zero byte, as RFC 1071 §4.1 does.
func Checksum(b []byte, initial uint16) uint16 { return checksum.Sum(b, initial) }

// ChecksumCombine adds two ones' complement sums (RFC 1071 §2(A)). Sums of
// adjacent buffers combine this way only when the first buffer has even
// length, which holds for every header this package knows.
func ChecksumCombine(a, b uint16) uint16 { return checksum.Combine(a, b) }

// PseudoHeaderChecksum returns the ones' complement sum of the IPv4
// pseudo-header that UDP (RFC 768) and TCP (RFC 793 §3.1) include in their
// checksum: source, destination, zero, protocol, transport length.
func PseudoHeaderChecksum(proto IPProtocol, src, dst Addr4, length uint16) uint16 {
	s := uint64(binary.BigEndian.Uint16(src[0:])) + uint64(binary.BigEndian.Uint16(src[2:])) +
		uint64(binary.BigEndian.Uint16(dst[0:])) + uint64(binary.BigEndian.Uint16(dst[2:])) +
		uint64(proto) + uint64(length)
	return checksum.Fold64(s)
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
