package wire

import "encoding/binary"

// UDP is a view of a UDP datagram (RFC 768): source port, destination
// port, length (header + data), checksum, data.
//
//	0      2      4        6          8
//	+------+------+--------+----------+------
//	| sport| dport| length | checksum | data
//	+------+------+--------+----------+------
//
// The checksum covers an IPv4 pseudo-header (source, destination, protocol,
// UDP length), the header and the data. A transmitted checksum of zero
// means "no checksum" (RFC 768); a computed zero is sent as 0xffff.
type UDP []byte

// UDPHeaderLen is the length of the UDP header.
const UDPHeaderLen = 8

var (
	errUDPTruncated = headerErr("udp", "datagram shorter than 8 bytes", ErrTruncated)
	errUDPLenShort  = headerErr("udp", "length field below 8", ErrBadLength)
	errUDPLenLong   = headerErr("udp", "length field exceeds IP payload", ErrTruncated)
)

// NewUDP checks b (the IP payload) as a UDP datagram and returns the view
// trimmed to the UDP length field (RFC 768, "Length"). After it succeeds
// no accessor panics.
func NewUDP(b []byte) (UDP, error) {
	if len(b) < UDPHeaderLen {
		return nil, errUDPTruncated
	}
	n := int(binary.BigEndian.Uint16(b[4:6]))
	if n < UDPHeaderLen {
		return nil, errUDPLenShort
	}
	if n > len(b) {
		return nil, errUDPLenLong
	}
	return UDP(b[:n]), nil
}

// SrcPort returns the source port.
func (u UDP) SrcPort() uint16 { return binary.BigEndian.Uint16(u[0:2]) }

// DstPort returns the destination port.
func (u UDP) DstPort() uint16 { return binary.BigEndian.Uint16(u[2:4]) }

// Length returns the length field.
func (u UDP) Length() uint16 { return binary.BigEndian.Uint16(u[4:6]) }

// Checksum returns the checksum field (0 = none).
func (u UDP) Checksum() uint16 { return binary.BigEndian.Uint16(u[6:8]) }

// Payload returns the data after the header.
func (u UDP) Payload() []byte { return u[UDPHeaderLen:] }

// ChecksumValid verifies the checksum with the IPv4 pseudo-header; a zero
// checksum field (none sent) is valid (RFC 768; RFC 1122 §4.1.3.4).
func (u UDP) ChecksumValid(src, dst Addr4) bool {
	if u.Checksum() == 0 {
		return true
	}
	return Checksum(u, PseudoHeaderChecksum(IPProtocolUDP, src, dst, uint16(len(u)))) == 0xffff
}

// ComputeChecksum returns the checksum field value for the view's contents
// with the IPv4 pseudo-header, treating the field itself as zero; a result
// of zero is returned as 0xffff (RFC 768).
func (u UDP) ComputeChecksum(src, dst Addr4) uint16 {
	s := Checksum(u, PseudoHeaderChecksum(IPProtocolUDP, src, dst, uint16(len(u))))
	c := ^ChecksumCombine(s, ^u.Checksum())
	if c == 0 {
		return 0xffff
	}
	return c
}

// UpdateChecksum computes and stores the checksum.
func (u UDP) UpdateChecksum(src, dst Addr4) {
	u.SetChecksum(0)
	c := ^Checksum(u, PseudoHeaderChecksum(IPProtocolUDP, src, dst, uint16(len(u))))
	if c == 0 {
		c = 0xffff
	}
	u.SetChecksum(c)
}

// SetSrcPort sets the source port.
func (u UDP) SetSrcPort(p uint16) { binary.BigEndian.PutUint16(u[0:2], p) }

// SetDstPort sets the destination port.
func (u UDP) SetDstPort(p uint16) { binary.BigEndian.PutUint16(u[2:4], p) }

// SetLength sets the length field.
func (u UDP) SetLength(n uint16) { binary.BigEndian.PutUint16(u[4:6], n) }

// SetChecksum stores v in the checksum field.
func (u UDP) SetChecksum(v uint16) { binary.BigEndian.PutUint16(u[6:8], v) }

// Fields decodes the header.
func (u UDP) Fields() UDPFields {
	return UDPFields{SrcPort: u.SrcPort(), DstPort: u.DstPort(), Length: u.Length(), Checksum: u.Checksum()}
}

// UDPFields is the decoded form of a UDP header.
type UDPFields struct {
	SrcPort, DstPort uint16
	Length           uint16 // header + data
	Checksum         uint16 // written as is; call UDP.UpdateChecksum once the data is in place
}

// Encode writes the header at the start of b and returns a view of
// b[:Length] (or all of b if Length exceeds it; at least the header).
func (f *UDPFields) Encode(b []byte) (UDP, error) {
	if len(b) < UDPHeaderLen {
		return nil, ErrShortBuffer
	}
	u := UDP(b)
	u.SetSrcPort(f.SrcPort)
	u.SetDstPort(f.DstPort)
	u.SetLength(f.Length)
	u.SetChecksum(f.Checksum)
	return u[:min(max(int(f.Length), UDPHeaderLen), len(b))], nil
}
