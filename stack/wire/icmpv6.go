package wire

import "encoding/binary"

// ICMPv6 is a view of an ICMPv6 message (RFC 4443 §2.1): type, code,
// checksum, then a body whose first four bytes depend on the type (echo:
// identifier and sequence number; packet too big: the MTU; parameter
// problem: the pointer). The checksum covers the IPv6 pseudo-header
// (RFC 8200 §8.1) and the whole message.
//
//	0      1      2          4                 8
//	+------+------+----------+-----------------+--------
//	| type | code | checksum | rest of header  | body
//	+------+------+----------+-----------------+--------
type ICMPv6 []byte

// ICMPv6HeaderLen is the length of the header including the four
// type-specific bytes every message we parse carries.
const ICMPv6HeaderLen = 8

// ICMPv6Type is the ICMPv6 type field.
type ICMPv6Type uint8

// ICMPv6 types (RFC 4443 §2.1, RFC 4861 §4, RFC 3810 §5; IANA).
const (
	ICMPv6DestUnreach     ICMPv6Type = 1
	ICMPv6PacketTooBig    ICMPv6Type = 2
	ICMPv6TimeExceeded    ICMPv6Type = 3
	ICMPv6ParamProblem    ICMPv6Type = 4
	ICMPv6EchoRequest     ICMPv6Type = 128
	ICMPv6EchoReply       ICMPv6Type = 129
	ICMPv6MLDQuery        ICMPv6Type = 130
	ICMPv6MLDReport       ICMPv6Type = 131
	ICMPv6MLDDone         ICMPv6Type = 132
	ICMPv6RouterSolicit   ICMPv6Type = 133
	ICMPv6RouterAdvert    ICMPv6Type = 134
	ICMPv6NeighborSolicit ICMPv6Type = 135
	ICMPv6NeighborAdvert  ICMPv6Type = 136
	ICMPv6Redirect        ICMPv6Type = 137
	ICMPv6MLDv2Report     ICMPv6Type = 143
)

// IsError reports whether t is an error message: types 0 to 127
// (RFC 4443 §2.1).
func (t ICMPv6Type) IsError() bool { return t < 128 }

// Codes (RFC 4443 §3.1, §3.3, §3.4).
const (
	ICMPv6NoRoute          uint8 = 0 // destination unreachable
	ICMPv6AdminProhibited  uint8 = 1
	ICMPv6AddrUnreachable  uint8 = 3
	ICMPv6PortUnreachable  uint8 = 4
	ICMPv6HopLimitExceeded uint8 = 0 // time exceeded
	ICMPv6ReassemblyTime   uint8 = 1
	ICMPv6ErroneousHeader  uint8 = 0 // parameter problem
	ICMPv6UnknownNextHdr   uint8 = 1
	ICMPv6UnknownOption    uint8 = 2
	ICMPv6IncompleteChain  uint8 = 3 // RFC 7112 §5
)

var errICMPv6Truncated = headerErr("icmpv6", "message shorter than 8 bytes", ErrTruncated)

// NewICMPv6 checks that b holds the 8-byte header. After it succeeds no
// accessor panics.
func NewICMPv6(b []byte) (ICMPv6, error) {
	if len(b) < ICMPv6HeaderLen {
		return nil, errICMPv6Truncated
	}
	return ICMPv6(b), nil
}

// Type returns the type.
func (m ICMPv6) Type() ICMPv6Type { return ICMPv6Type(m[0]) }

// Code returns the code.
func (m ICMPv6) Code() uint8 { return m[1] }

// Checksum returns the checksum field.
func (m ICMPv6) Checksum() uint16 { return binary.BigEndian.Uint16(m[2:4]) }

// Rest returns the four type-specific header bytes as one word.
func (m ICMPv6) Rest() uint32 { return binary.BigEndian.Uint32(m[4:8]) }

// ID returns the echo identifier.
func (m ICMPv6) ID() uint16 { return binary.BigEndian.Uint16(m[4:6]) }

// Seq returns the echo sequence number.
func (m ICMPv6) Seq() uint16 { return binary.BigEndian.Uint16(m[6:8]) }

// Body returns the bytes after the 8-byte header.
func (m ICMPv6) Body() []byte { return m[ICMPv6HeaderLen:] }

// SetType sets the type.
func (m ICMPv6) SetType(t ICMPv6Type) { m[0] = uint8(t) }

// SetCode sets the code.
func (m ICMPv6) SetCode(c uint8) { m[1] = c }

// SetChecksum sets the checksum field.
func (m ICMPv6) SetChecksum(c uint16) { binary.BigEndian.PutUint16(m[2:4], c) }

// SetRest sets the four type-specific bytes.
func (m ICMPv6) SetRest(v uint32) { binary.BigEndian.PutUint32(m[4:8], v) }

// IPv6FragmentLen is the length of the Fragment header (RFC 8200 §4.5).
const IPv6FragmentLen = 8

// IPv6FragHeader is a view of the Fragment extension header:
//
//	0           8          16                    29   31
//	+-----------+----------+----------------------+----+-+
//	| Next Hdr  | Reserved |   Fragment Offset    |Res |M|
//	+-----------+----------+----------------------+----+-+
//	|                  Identification                    |
//	+----------------------------------------------------+
type IPv6FragHeader []byte

// NextHeader returns the type of the header after the fragmentable part.
func (f IPv6FragHeader) NextHeader() IPProtocol { return IPProtocol(f[0]) }

// Offset returns the fragment offset in bytes (the field counts 8-byte units).
func (f IPv6FragHeader) Offset() int { return int(binary.BigEndian.Uint16(f[2:4]) &^ 7) }

// More reports the M flag (more fragments follow).
func (f IPv6FragHeader) More() bool { return f[3]&1 != 0 }

// ID returns the identification.
func (f IPv6FragHeader) ID() uint32 { return binary.BigEndian.Uint32(f[4:8]) }

// Encode writes a Fragment header for the given next header, byte offset
// (a multiple of 8), M flag and identification.
func (f IPv6FragHeader) Encode(next IPProtocol, off int, more bool, id uint32) {
	f[0], f[1] = uint8(next), 0
	v := uint16(off) &^ 7
	if more {
		v |= 1
	}
	binary.BigEndian.PutUint16(f[2:4], v)
	binary.BigEndian.PutUint32(f[4:8], id)
}

// MulticastMAC6 is the Ethernet address of an IPv6 multicast group:
// 33:33 and the group's low 32 bits (RFC 2464 §7).
func MulticastMAC6(group [16]byte) MAC {
	return MAC{0x33, 0x33, group[12], group[13], group[14], group[15]}
}

// SolicitedNode returns the solicited-node multicast group of a, ff02::1:ff
// followed by its low 24 bits (RFC 4291 §2.7.1).
func SolicitedNode(a [16]byte) [16]byte {
	return [16]byte{0: 0xff, 1: 0x02, 11: 0x01, 12: 0xff, 13: a[13], 14: a[14], 15: a[15]}
}
