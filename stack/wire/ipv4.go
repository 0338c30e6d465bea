package wire

import (
	"encoding/binary"
	"net/netip"
)

// IPv4 is a view of an IPv4 datagram (RFC 791 §3.1), header and payload:
//
//	0       4       8              16      19             31
//	+-------+-------+--------------+-------+--------------+
//	|Version|  IHL  |     TOS      |     Total Length     |
//	|        Identification        |Flags| Fragment Offset|
//	|     TTL       |   Protocol   |   Header Checksum    |
//	|                    Source Address                   |
//	|                 Destination Address                 |
//	|            Options (IHL > 5)          |   Padding   |
//	+-----------------------------------------------------+
//
// NewIPv4 checks the version and that IHL and Total Length fit the buffer,
// and trims the view to Total Length (dropping Ethernet padding). It does
// not verify the header checksum: call ChecksumValid, or skip it when the
// NIC has verified it. Options are tolerated and exposed through Options;
// they are not validated by NewIPv4 (RFC 1122 §3.2.1.8: unknown options are
// ignored).
type IPv4 []byte

// IPv4 header sizes.
const (
	IPv4MinHeaderLen = 20
	IPv4MaxHeaderLen = 60
)

// IPv4 flag bits as returned by IPv4.Flags (RFC 791 §3.1, "Flags").
const (
	IPv4FlagMF uint8 = 1 << 0 // more fragments
	IPv4FlagDF uint8 = 1 << 1 // don't fragment
	// Bit 2 is reserved and must be zero (RFC 791); it is passed through.
)

var (
	errIPv4Truncated    = headerErr("ipv4", "buffer shorter than 20 bytes", ErrTruncated)
	errIPv4Version      = headerErr("ipv4", "version is not 4", ErrBadVersion)
	errIPv4IHL          = headerErr("ipv4", "IHL below 5", ErrBadLength)
	errIPv4HdrTruncated = headerErr("ipv4", "IHL exceeds buffer", ErrTruncated)
	errIPv4TotalShort   = headerErr("ipv4", "total length below header length", ErrBadLength)
	errIPv4TotalLong    = headerErr("ipv4", "total length exceeds buffer", ErrTruncated)
	errIPv4OptionsLong  = headerErr("ipv4", "options longer than 40 bytes", ErrBadLength)
)

// NewIPv4 checks b as an IPv4 datagram (RFC 791 §3.1, RFC 1122 §3.2.1.1)
// and returns the view trimmed to Total Length. After it succeeds no
// accessor of the view panics.
func NewIPv4(b []byte) (IPv4, error) {
	if len(b) < IPv4MinHeaderLen {
		return nil, errIPv4Truncated
	}
	if b[0]>>4 != 4 {
		return nil, errIPv4Version
	}
	hl := int(b[0]&0xf) * 4
	if hl < IPv4MinHeaderLen {
		return nil, errIPv4IHL
	}
	if hl > len(b) {
		return nil, errIPv4HdrTruncated
	}
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if total < hl {
		return nil, errIPv4TotalShort
	}
	if total > len(b) {
		return nil, errIPv4TotalLong
	}
	return IPv4(b[:total]), nil
}

// Version returns the version field (4 for a checked view).
func (h IPv4) Version() uint8 { return h[0] >> 4 }

// HeaderLen returns the header length in bytes (IHL × 4).
func (h IPv4) HeaderLen() int { return int(h[0]&0xf) * 4 }

// TOS returns the type-of-service / DSCP+ECN octet.
func (h IPv4) TOS() uint8 { return h[1] }

// TotalLen returns the Total Length field.
func (h IPv4) TotalLen() uint16 { return binary.BigEndian.Uint16(h[2:4]) }

// ID returns the Identification field.
func (h IPv4) ID() uint16 { return binary.BigEndian.Uint16(h[4:6]) }

// Flags returns the 3 flag bits (IPv4FlagDF, IPv4FlagMF).
func (h IPv4) Flags() uint8 { return h[6] >> 5 }

// FragmentOffset returns the fragment offset in bytes (the field × 8).
func (h IPv4) FragmentOffset() uint16 { return binary.BigEndian.Uint16(h[6:8]) << 3 }

// MoreFragments reports whether MF is set.
func (h IPv4) MoreFragments() bool { return h[6]&0x20 != 0 }

// DontFragment reports whether DF is set.
func (h IPv4) DontFragment() bool { return h[6]&0x40 != 0 }

// IsFragment reports whether the datagram is a fragment: MF set or a non-zero
// offset (RFC 791 §3.2, "Fragmentation and Reassembly").
func (h IPv4) IsFragment() bool { return binary.BigEndian.Uint16(h[6:8])&0x3fff != 0 }

// TTL returns the Time to Live.
func (h IPv4) TTL() uint8 { return h[8] }

// Protocol returns the protocol of the payload.
func (h IPv4) Protocol() IPProtocol { return IPProtocol(h[9]) }

// Checksum returns the header checksum field.
func (h IPv4) Checksum() uint16 { return binary.BigEndian.Uint16(h[10:12]) }

// Src returns the source address.
func (h IPv4) Src() Addr4 { return Addr4(h[12:16]) }

// Dst returns the destination address.
func (h IPv4) Dst() Addr4 { return Addr4(h[16:20]) }

// DstWord returns the destination address as a big-endian word, the form
// route.Table.NextHop4 takes (no [4]byte through memory).
func (h IPv4) DstWord() uint32 { return binary.BigEndian.Uint32(h[16:20]) }

// SrcAddr returns the source address as a netip.Addr.
func (h IPv4) SrcAddr() netip.Addr { return netip.AddrFrom4(h.Src()) }

// DstAddr returns the destination address as a netip.Addr.
func (h IPv4) DstAddr() netip.Addr { return netip.AddrFrom4(h.Dst()) }

// Options returns the options area (possibly empty, including padding).
func (h IPv4) Options() IPv4Options { return IPv4Options(h[IPv4MinHeaderLen:h.HeaderLen()]) }

// Header returns the header bytes.
func (h IPv4) Header() []byte { return h[:h.HeaderLen()] }

// Payload returns the bytes after the header, up to Total Length.
func (h IPv4) Payload() []byte { return h[h.HeaderLen():] }

// ChecksumValid reports whether the header checksum verifies (RFC 791
// §3.1, "Header Checksum": the header sums to all ones).
func (h IPv4) ChecksumValid() bool { return Checksum(h[:h.HeaderLen()], 0) == 0xffff }

// ComputeChecksum returns the value the checksum field should hold for the
// current header contents (treating the field itself as zero).
func (h IPv4) ComputeChecksum() uint16 {
	s := Checksum(h[:h.HeaderLen()], 0)
	return ^ChecksumCombine(s, ^h.Checksum())
}

// UpdateChecksum recomputes and stores the header checksum.
func (h IPv4) UpdateChecksum() {
	h.SetChecksum(0)
	h.SetChecksum(^Checksum(h[:h.HeaderLen()], 0))
}

// DecTTL decrements the TTL and patches the checksum incrementally
// (RFC 1624 §3), as a forwarding router does (RFC 1812 §5.3.1). It returns
// the new TTL. The caller checks TTL() > 1 first; DecTTL on TTL 0 wraps.
func (h IPv4) DecTTL() uint8 {
	old := binary.BigEndian.Uint16(h[8:10])
	h[8]--
	h.SetChecksum(ChecksumUpdate16(h.Checksum(), old, binary.BigEndian.Uint16(h[8:10])))
	return h[8]
}

// SetTOS sets the TOS octet (the checksum is not updated).
func (h IPv4) SetTOS(v uint8) { h[1] = v }

// SetTotalLen sets Total Length (the checksum is not updated).
func (h IPv4) SetTotalLen(v uint16) { binary.BigEndian.PutUint16(h[2:4], v) }

// SetID sets Identification (the checksum is not updated).
func (h IPv4) SetID(v uint16) { binary.BigEndian.PutUint16(h[4:6], v) }

// SetFlagsFragmentOffset sets the flags (low 3 bits of flags) and the
// fragment offset in bytes (must be a multiple of 8; the low 3 bits are
// dropped). The checksum is not updated.
func (h IPv4) SetFlagsFragmentOffset(flags uint8, offset uint16) {
	binary.BigEndian.PutUint16(h[6:8], uint16(flags&7)<<13|offset>>3&0x1fff)
}

// SetTTL sets the TTL (the checksum is not updated; see DecTTL).
func (h IPv4) SetTTL(v uint8) { h[8] = v }

// SetProtocol sets the protocol (the checksum is not updated).
func (h IPv4) SetProtocol(p IPProtocol) { h[9] = uint8(p) }

// SetChecksum stores v in the checksum field.
func (h IPv4) SetChecksum(v uint16) { binary.BigEndian.PutUint16(h[10:12], v) }

// SetSrc sets the source address (the checksum is not updated).
func (h IPv4) SetSrc(a Addr4) { copy(h[12:16], a[:]) }

// SetDst sets the destination address (the checksum is not updated).
func (h IPv4) SetDst(a Addr4) { copy(h[16:20], a[:]) }

// Fields decodes the header. Options aliases the view.
func (h IPv4) Fields() IPv4Fields {
	return IPv4Fields{
		TOS: h.TOS(), TotalLen: h.TotalLen(), ID: h.ID(), Flags: h.Flags(), FragmentOffset: h.FragmentOffset(),
		TTL: h.TTL(), Protocol: h.Protocol(), Checksum: h.Checksum(), Src: h.Src(), Dst: h.Dst(),
		Options: h.Options(),
	}
}

// IPv4Fields is the decoded form of an IPv4 header.
type IPv4Fields struct {
	TOS            uint8
	TotalLen       uint16 // header + payload, in bytes
	ID             uint16
	Flags          uint8  // IPv4FlagDF | IPv4FlagMF
	FragmentOffset uint16 // in bytes; a multiple of 8
	TTL            uint8
	Protocol       IPProtocol
	Checksum       uint16 // written as is; call IPv4.UpdateChecksum after Encode to compute it
	Src, Dst       Addr4
	Options        IPv4Options // padded with zeros (End of Option List) to a multiple of 4
}

// HeaderLen returns the encoded header length: 20 plus the options padded
// to a multiple of 4.
func (f *IPv4Fields) HeaderLen() int { return IPv4MinHeaderLen + (len(f.Options)+3)&^3 }

// Encode writes the header at the start of b and returns a view of
// b[:max(TotalLen, HeaderLen)] bounded by len(b). The view is not re-checked:
// if TotalLen is inconsistent the caller gets what it asked for.
func (f *IPv4Fields) Encode(b []byte) (IPv4, error) {
	hl := f.HeaderLen()
	if hl > IPv4MaxHeaderLen {
		return nil, errIPv4OptionsLong
	}
	if len(b) < hl {
		return nil, ErrShortBuffer
	}
	b[0] = 4<<4 | uint8(hl/4)
	h := IPv4(b)
	h.SetTOS(f.TOS)
	h.SetTotalLen(f.TotalLen)
	h.SetID(f.ID)
	h.SetFlagsFragmentOffset(f.Flags, f.FragmentOffset)
	h.SetTTL(f.TTL)
	h.SetProtocol(f.Protocol)
	h.SetChecksum(f.Checksum)
	h.SetSrc(f.Src)
	h.SetDst(f.Dst)
	n := copy(b[IPv4MinHeaderLen:hl], f.Options)
	clear(b[IPv4MinHeaderLen+n : hl])
	end := max(int(f.TotalLen), hl)
	return h[:min(end, len(b))], nil
}
