package wire

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopkt/gopkt/internal/checksum"
)

// IPv6 is a view of an IPv6 packet (RFC 8200 §3): the 40-byte fixed
// header and what follows it (extension headers, then the upper layer).
//
//	0    4       12              32        48        56         64
//	+----+-------+---------------+---------+---------+----------+
//	|Ver | Class |  Flow Label   | Payload | Next Hdr| Hop Limit|
//	+----+-------+---------------+---------+---------+----------+
//	|              Source Address (16 bytes)                    |
//	|           Destination Address (16 bytes)                  |
//	+-----------------------------------------------------------+
//
// NewIPv6 checks the version and that Payload Length fits the buffer and
// trims the view to it. Extension headers are not walked: NextHeader is
// the first one's type. (A jumbogram, Payload Length 0 with a Hop-by-Hop
// Jumbo Payload option, RFC 2675, is not supported.)
type IPv6 []byte

// IPv6HeaderLen is the length of the fixed header.
const IPv6HeaderLen = 40

// IPv6 extension header numbers (RFC 8200 §4; IANA).
const (
	IPv6HopByHop IPProtocol = 0
	IPv6Routing  IPProtocol = 43
	IPv6Fragment IPProtocol = 44
	IPv6NoNext   IPProtocol = 59
	IPv6DestOpts IPProtocol = 60
)

var (
	errIPv6Truncated = headerErr("ipv6", "buffer shorter than 40 bytes", ErrTruncated)
	errIPv6Version   = headerErr("ipv6", "version is not 6", ErrBadVersion)
	errIPv6Payload   = headerErr("ipv6", "payload length exceeds buffer", ErrTruncated)
)

// NewIPv6 checks b as an IPv6 packet and returns the view trimmed to
// 40 + Payload Length. After it succeeds no accessor panics.
func NewIPv6(b []byte) (IPv6, error) {
	if len(b) < IPv6HeaderLen {
		return nil, errIPv6Truncated
	}
	if b[0]>>4 != 6 {
		return nil, errIPv6Version
	}
	n := IPv6HeaderLen + int(binary.BigEndian.Uint16(b[4:6]))
	if n > len(b) {
		return nil, errIPv6Payload
	}
	return IPv6(b[:n]), nil
}

// TrafficClass returns the traffic class (DSCP and ECN).
func (h IPv6) TrafficClass() uint8 { return uint8(binary.BigEndian.Uint16(h[0:2]) >> 4) }

// FlowLabel returns the 20-bit flow label.
func (h IPv6) FlowLabel() uint32 { return binary.BigEndian.Uint32(h[0:4]) & 0xfffff }

// PayloadLen returns the Payload Length field.
func (h IPv6) PayloadLen() uint16 { return binary.BigEndian.Uint16(h[4:6]) }

// NextHeader returns the type of the header after the fixed header.
func (h IPv6) NextHeader() IPProtocol { return IPProtocol(h[6]) }

// HopLimit returns the hop limit.
func (h IPv6) HopLimit() uint8 { return h[7] }

// Src returns the source address.
func (h IPv6) Src() [16]byte { return [16]byte(h[8:24]) }

// Dst returns the destination address.
func (h IPv6) Dst() [16]byte { return [16]byte(h[24:40]) }

// SrcAddr returns the source address as a netip.Addr.
func (h IPv6) SrcAddr() netip.Addr { return netip.AddrFrom16(h.Src()) }

// DstAddr returns the destination address as a netip.Addr.
func (h IPv6) DstAddr() netip.Addr { return netip.AddrFrom16(h.Dst()) }

// Payload returns the bytes after the fixed header.
func (h IPv6) Payload() []byte { return h[IPv6HeaderLen:] }

// SetHopLimit sets the hop limit (IPv6 has no header checksum).
func (h IPv6) SetHopLimit(v uint8) { h[7] = v }

// SetPayloadLen sets the Payload Length field.
func (h IPv6) SetPayloadLen(n uint16) { binary.BigEndian.PutUint16(h[4:6], n) }

// Fields decodes the header.
func (h IPv6) Fields() IPv6Fields {
	return IPv6Fields{TrafficClass: h.TrafficClass(), FlowLabel: h.FlowLabel(), PayloadLen: h.PayloadLen(),
		NextHeader: h.NextHeader(), HopLimit: h.HopLimit(), Src: h.Src(), Dst: h.Dst()}
}

// IPv6Fields is the decoded form of the IPv6 fixed header.
type IPv6Fields struct {
	TrafficClass uint8
	FlowLabel    uint32 // 20 bits; higher bits are ignored
	PayloadLen   uint16
	NextHeader   IPProtocol
	HopLimit     uint8
	Src, Dst     [16]byte
}

// Encode writes the fixed header at the start of b and returns a view of
// b[:40+PayloadLen] bounded by len(b).
func (f *IPv6Fields) Encode(b []byte) (IPv6, error) {
	if len(b) < IPv6HeaderLen {
		return nil, ErrShortBuffer
	}
	binary.BigEndian.PutUint32(b[0:4], 6<<28|uint32(f.TrafficClass)<<20|f.FlowLabel&0xfffff)
	binary.BigEndian.PutUint16(b[4:6], f.PayloadLen)
	b[6] = uint8(f.NextHeader)
	b[7] = f.HopLimit
	copy(b[8:24], f.Src[:])
	copy(b[24:40], f.Dst[:])
	return IPv6(b[:min(IPv6HeaderLen+int(f.PayloadLen), len(b))]), nil
}

// PseudoHeaderChecksum6 returns the ones' complement sum of the IPv6
// pseudo-header that upper-layer checksums include (RFC 8200 §8.1):
// source, destination, 32-bit upper-layer length, next header.
func PseudoHeaderChecksum6(proto IPProtocol, src, dst [16]byte, length uint32) uint16 {
	var s uint64
	for i := 0; i < 16; i += 2 {
		s += uint64(binary.BigEndian.Uint16(src[i:])) + uint64(binary.BigEndian.Uint16(dst[i:]))
	}
	s += uint64(length>>16) + uint64(length&0xffff) + uint64(proto)
	return checksum.Fold64(s)
}
