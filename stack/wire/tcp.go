package wire

import "encoding/binary"

// TCP is a view of a TCP segment (RFC 9293 §3.1): header with options,
// then data.
//
//	0      2      4          8          12        13     14       16         18        20
//	+------+------+----------+----------+---------+------+--------+----------+---------+-------
//	| sport| dport|  seq     |  ack     |doff|rsvd| flags| window | checksum | urgent  | options…
//	+------+------+----------+----------+---------+------+--------+----------+---------+-------
//
// The checksum covers the same IPv4 pseudo-header as UDP (RFC 9293
// §3.1, "Checksum"), and unlike UDP zero has no special meaning.
type TCP []byte

// TCP header sizes.
const (
	TCPMinHeaderLen = 20
	TCPMaxHeaderLen = 60
)

// TCP flags (RFC 9293 §3.1 "Control bits"; CWR and ECE from RFC 3168).
const (
	TCPFlagFIN uint8 = 1 << iota
	TCPFlagSYN
	TCPFlagRST
	TCPFlagPSH
	TCPFlagACK
	TCPFlagURG
	TCPFlagECE
	TCPFlagCWR
)

var (
	errTCPTruncated    = headerErr("tcp", "segment shorter than 20 bytes", ErrTruncated)
	errTCPDataOffset   = headerErr("tcp", "data offset below 5", ErrBadLength)
	errTCPHdrTruncated = headerErr("tcp", "data offset exceeds segment", ErrTruncated)
	errTCPOptionsLong  = headerErr("tcp", "options longer than 40 bytes", ErrBadLength)
)

// NewTCP checks b (the IP payload) as a TCP segment: at least 20 bytes and
// a data offset of 5 or more that fits. After it succeeds no accessor
// panics.
func NewTCP(b []byte) (TCP, error) {
	if len(b) < TCPMinHeaderLen {
		return nil, errTCPTruncated
	}
	hl := int(b[12]>>4) * 4
	if hl < TCPMinHeaderLen {
		return nil, errTCPDataOffset
	}
	if hl > len(b) {
		return nil, errTCPHdrTruncated
	}
	return TCP(b), nil
}

// SrcPort returns the source port.
func (t TCP) SrcPort() uint16 { return binary.BigEndian.Uint16(t[0:2]) }

// DstPort returns the destination port.
func (t TCP) DstPort() uint16 { return binary.BigEndian.Uint16(t[2:4]) }

// Seq returns the sequence number.
func (t TCP) Seq() uint32 { return binary.BigEndian.Uint32(t[4:8]) }

// Ack returns the acknowledgment number.
func (t TCP) Ack() uint32 { return binary.BigEndian.Uint32(t[8:12]) }

// HeaderLen returns the header length in bytes (data offset × 4).
func (t TCP) HeaderLen() int { return int(t[12]>>4) * 4 }

// Flags returns the eight control bits.
func (t TCP) Flags() uint8 { return t[13] }

// Window returns the window field (unscaled).
func (t TCP) Window() uint16 { return binary.BigEndian.Uint16(t[14:16]) }

// Checksum returns the checksum field.
func (t TCP) Checksum() uint16 { return binary.BigEndian.Uint16(t[16:18]) }

// Urgent returns the urgent pointer.
func (t TCP) Urgent() uint16 { return binary.BigEndian.Uint16(t[18:20]) }

// Options returns the options area (possibly empty).
func (t TCP) Options() TCPOptions { return TCPOptions(t[TCPMinHeaderLen:t.HeaderLen()]) }

// Payload returns the data after the header.
func (t TCP) Payload() []byte { return t[t.HeaderLen():] }

// ChecksumValid verifies the checksum with the IPv4 pseudo-header.
func (t TCP) ChecksumValid(src, dst Addr4) bool {
	return Checksum(t, PseudoHeaderChecksum(IPProtocolTCP, src, dst, uint16(len(t)))) == 0xffff
}

// UpdateChecksum computes and stores the checksum over the whole view.
func (t TCP) UpdateChecksum(src, dst Addr4) {
	t.SetChecksum(0)
	t.SetChecksum(^Checksum(t, PseudoHeaderChecksum(IPProtocolTCP, src, dst, uint16(len(t)))))
}

// SetSrcPort sets the source port.
func (t TCP) SetSrcPort(p uint16) { binary.BigEndian.PutUint16(t[0:2], p) }

// SetDstPort sets the destination port.
func (t TCP) SetDstPort(p uint16) { binary.BigEndian.PutUint16(t[2:4], p) }

// SetSeq sets the sequence number.
func (t TCP) SetSeq(v uint32) { binary.BigEndian.PutUint32(t[4:8], v) }

// SetAck sets the acknowledgment number.
func (t TCP) SetAck(v uint32) { binary.BigEndian.PutUint32(t[8:12], v) }

// SetFlags sets the control bits.
func (t TCP) SetFlags(f uint8) { t[13] = f }

// SetWindow sets the window field.
func (t TCP) SetWindow(w uint16) { binary.BigEndian.PutUint16(t[14:16], w) }

// SetChecksum stores v in the checksum field.
func (t TCP) SetChecksum(v uint16) { binary.BigEndian.PutUint16(t[16:18], v) }

// SetUrgent sets the urgent pointer.
func (t TCP) SetUrgent(v uint16) { binary.BigEndian.PutUint16(t[18:20], v) }

// Fields decodes the header. Options aliases the view.
func (t TCP) Fields() TCPFields {
	return TCPFields{SrcPort: t.SrcPort(), DstPort: t.DstPort(), Seq: t.Seq(), Ack: t.Ack(), Flags: t.Flags(),
		Reserved: t[12] & 0x0f, Window: t.Window(), Checksum: t.Checksum(), Urgent: t.Urgent(), Options: t.Options()}
}

// TCPFields is the decoded form of a TCP header.
type TCPFields struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            uint8
	Reserved         uint8 // the 4 bits after the data offset (must be zero, RFC 9293); passed through
	Window           uint16
	Checksum         uint16 // written as is; call TCP.UpdateChecksum once the data is in place
	Urgent           uint16
	Options          TCPOptions // padded with zeros (End of Option List) to a multiple of 4
}

// HeaderLen returns the encoded header length.
func (f *TCPFields) HeaderLen() int { return TCPMinHeaderLen + (len(f.Options)+3)&^3 }

// Encode writes the header at the start of b and returns a view of all of
// b (the data follows the header).
func (f *TCPFields) Encode(b []byte) (TCP, error) {
	hl := f.HeaderLen()
	if hl > TCPMaxHeaderLen {
		return nil, errTCPOptionsLong
	}
	if len(b) < hl {
		return nil, ErrShortBuffer
	}
	t := TCP(b)
	t.SetSrcPort(f.SrcPort)
	t.SetDstPort(f.DstPort)
	t.SetSeq(f.Seq)
	t.SetAck(f.Ack)
	b[12] = uint8(hl/4)<<4 | f.Reserved&0x0f
	t.SetFlags(f.Flags)
	t.SetWindow(f.Window)
	t.SetChecksum(f.Checksum)
	t.SetUrgent(f.Urgent)
	n := copy(b[TCPMinHeaderLen:hl], f.Options)
	clear(b[TCPMinHeaderLen+n : hl])
	return t, nil
}

// TCPOptions is the options area of a TCP header (RFC 9293 §3.2): kind 0
// (End of Option List) and 1 (No-Operation) are one octet; every other
// kind has a length octet counting kind and length.
type TCPOptions []byte

// TCP option kinds (IANA "TCP Option Kind Numbers").
const (
	TCPOptionEOL           uint8 = 0
	TCPOptionNOP           uint8 = 1
	TCPOptionMSS           uint8 = 2 // RFC 9293 §3.2, length 4
	TCPOptionWindowScale   uint8 = 3 // RFC 7323 §2, length 3
	TCPOptionSACKPermitted uint8 = 4 // RFC 2018, length 2
	TCPOptionSACK          uint8 = 5 // RFC 2018
	TCPOptionTimestamps    uint8 = 8 // RFC 7323 §3, length 10
)

// TCPOption is one decoded option; Data aliases the header.
type TCPOption struct {
	Kind uint8
	Data []byte
}

var (
	errTCPOptTruncated = headerErr("tcp", "option length octet missing", ErrBadOption)
	errTCPOptLen       = headerErr("tcp", "option length below 2 or beyond the options area", ErrBadOption)
)

// Next decodes the first option, like IPv4Options.Next: ok false at the
// end of the list, ErrBadOption for an impossible length.
func (o TCPOptions) Next() (opt TCPOption, rest TCPOptions, ok bool, err error) {
	if len(o) == 0 || o[0] == TCPOptionEOL {
		return TCPOption{}, nil, false, nil
	}
	if o[0] == TCPOptionNOP {
		return TCPOption{Kind: TCPOptionNOP}, o[1:], true, nil
	}
	if len(o) < 2 {
		return TCPOption{}, nil, false, errTCPOptTruncated
	}
	n := int(o[1])
	if n < 2 || n > len(o) {
		return TCPOption{}, nil, false, errTCPOptLen
	}
	return TCPOption{Kind: o[0], Data: o[2:n]}, o[n:], true, nil
}

// MSS returns the Maximum Segment Size option's value, if present and
// well formed (RFC 9293 §3.7.1).
func (o TCPOptions) MSS() (uint16, bool) {
	for {
		opt, rest, ok, _ := o.Next()
		if !ok {
			return 0, false
		}
		if opt.Kind == TCPOptionMSS && len(opt.Data) == 2 {
			return binary.BigEndian.Uint16(opt.Data), true
		}
		o = rest
	}
}
