package wire

import "encoding/binary"

// ICMPv4 is a view of an ICMP message (RFC 792): an 8-byte header (type,
// code, checksum, 4 bytes whose meaning depends on the type) and a body.
// The checksum covers the whole message, header and body.
//
//	0      1      2          4                 8
//	+------+------+----------+-----------------+--------
//	| type | code | checksum | rest of header  | body
//	+------+------+----------+-----------------+--------
//
// Rest of header: echo / echo reply carry identifier and sequence number;
// destination unreachable code 4 carries the next-hop MTU in its low 16 bits
// (RFC 1191 §4); parameter problem carries a pointer in its first octet;
// redirect carries the gateway address. Destination unreachable and time
// exceeded bodies hold the offending IP header plus at least 8 bytes of its
// payload (RFC 792; RFC 1812 §4.3.2.3 allows more).
type ICMPv4 []byte

// ICMPv4HeaderLen is the length of the fixed ICMP header.
const ICMPv4HeaderLen = 8

// ICMPv4Type is the ICMP type field.
type ICMPv4Type uint8

// ICMP types (RFC 792; IANA "ICMP Type Numbers").
const (
	ICMPv4EchoReply      ICMPv4Type = 0
	ICMPv4DestUnreach    ICMPv4Type = 3
	ICMPv4SourceQuench   ICMPv4Type = 4 // deprecated, RFC 6633
	ICMPv4Redirect       ICMPv4Type = 5
	ICMPv4Echo           ICMPv4Type = 8
	ICMPv4TimeExceeded   ICMPv4Type = 11
	ICMPv4ParamProblem   ICMPv4Type = 12
	ICMPv4Timestamp      ICMPv4Type = 13
	ICMPv4TimestampReply ICMPv4Type = 14
)

// IsError reports whether the type is an ICMP error message (which must
// never be sent in reply to another error, RFC 1122 §3.2.2).
func (t ICMPv4Type) IsError() bool {
	switch t {
	case ICMPv4DestUnreach, ICMPv4SourceQuench, ICMPv4Redirect, ICMPv4TimeExceeded, ICMPv4ParamProblem:
		return true
	}
	return false
}

// Destination unreachable codes (RFC 792; RFC 1122 §3.2.2.1; RFC 1812 §5.2.7.1).
const (
	ICMPv4NetUnreachable    uint8 = 0
	ICMPv4HostUnreachable   uint8 = 1
	ICMPv4ProtoUnreachable  uint8 = 2
	ICMPv4PortUnreachable   uint8 = 3
	ICMPv4FragNeeded        uint8 = 4 // with DF set; next-hop MTU in MTU()
	ICMPv4SourceRouteFailed uint8 = 5
	ICMPv4AdminProhibited   uint8 = 13
)

// Time exceeded codes (RFC 792).
const (
	ICMPv4TTLExceeded        uint8 = 0
	ICMPv4ReassemblyExceeded uint8 = 1
)

var errICMPv4Truncated = headerErr("icmpv4", "message shorter than 8 bytes", ErrTruncated)

// NewICMPv4 checks that b holds an ICMP header; the view covers all of b
// (the message extends to the end of the IP payload).
func NewICMPv4(b []byte) (ICMPv4, error) {
	if len(b) < ICMPv4HeaderLen {
		return nil, errICMPv4Truncated
	}
	return ICMPv4(b), nil
}

// Type returns the message type.
func (m ICMPv4) Type() ICMPv4Type { return ICMPv4Type(m[0]) }

// Code returns the code.
func (m ICMPv4) Code() uint8 { return m[1] }

// Checksum returns the checksum field.
func (m ICMPv4) Checksum() uint16 { return binary.BigEndian.Uint16(m[2:4]) }

// Rest returns the 4 type-specific header bytes as one word.
func (m ICMPv4) Rest() uint32 { return binary.BigEndian.Uint32(m[4:8]) }

// ID returns the echo identifier (echo and echo reply).
func (m ICMPv4) ID() uint16 { return binary.BigEndian.Uint16(m[4:6]) }

// Seq returns the echo sequence number (echo and echo reply).
func (m ICMPv4) Seq() uint16 { return binary.BigEndian.Uint16(m[6:8]) }

// MTU returns the next-hop MTU of a "fragmentation needed" message
// (RFC 1191 §4); 0 from a router that predates RFC 1191.
func (m ICMPv4) MTU() uint16 { return binary.BigEndian.Uint16(m[6:8]) }

// Pointer returns the octet pointer of a parameter problem message.
func (m ICMPv4) Pointer() uint8 { return m[4] }

// Payload returns the body after the 8-byte header.
func (m ICMPv4) Payload() []byte { return m[ICMPv4HeaderLen:] }

// ChecksumValid reports whether the message sums to all ones.
func (m ICMPv4) ChecksumValid() bool { return Checksum(m, 0) == 0xffff }

// UpdateChecksum computes and stores the checksum over the whole view.
func (m ICMPv4) UpdateChecksum() {
	m.SetChecksum(0)
	m.SetChecksum(^Checksum(m, 0))
}

// SetType sets the type (the checksum is not updated).
func (m ICMPv4) SetType(t ICMPv4Type) { m[0] = uint8(t) }

// SetCode sets the code (the checksum is not updated).
func (m ICMPv4) SetCode(c uint8) { m[1] = c }

// SetChecksum stores v in the checksum field.
func (m ICMPv4) SetChecksum(v uint16) { binary.BigEndian.PutUint16(m[2:4], v) }

// SetRest sets the 4 type-specific bytes (the checksum is not updated).
func (m ICMPv4) SetRest(v uint32) { binary.BigEndian.PutUint32(m[4:8], v) }

// Fields decodes the header.
func (m ICMPv4) Fields() ICMPv4Fields {
	return ICMPv4Fields{Type: m.Type(), Code: m.Code(), Checksum: m.Checksum(), Rest: m.Rest()}
}

// ICMPv4Fields is the decoded form of an ICMP header.
type ICMPv4Fields struct {
	Type     ICMPv4Type
	Code     uint8
	Checksum uint16 // written as is; call ICMPv4.UpdateChecksum once the body is in place
	Rest     uint32 // see EchoRest for echo messages
}

// EchoRest packs an echo identifier and sequence number into Rest.
func EchoRest(id, seq uint16) uint32 { return uint32(id)<<16 | uint32(seq) }

// Encode writes the header at the start of b and returns a view of all of
// b (the caller fills or has filled the body after the header).
func (f *ICMPv4Fields) Encode(b []byte) (ICMPv4, error) {
	if len(b) < ICMPv4HeaderLen {
		return nil, ErrShortBuffer
	}
	m := ICMPv4(b)
	m.SetType(f.Type)
	m.SetCode(f.Code)
	m.SetChecksum(f.Checksum)
	m.SetRest(f.Rest)
	return m, nil
}
