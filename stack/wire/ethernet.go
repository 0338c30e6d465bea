package wire

import "encoding/binary"

// Ethernet is a view of an Ethernet II frame without FCS (IEEE 802.3
// clause 3.1.1): destination, source, EtherType, payload. The FCS is
// handled (stripped, appended) by the NIC.
//
//	0      6      12   14
//	+------+------+----+---------
//	| dst  | src  |type| payload
//	+------+------+----+---------
type Ethernet []byte

// EthernetHeaderLen is the length of an untagged Ethernet II header.
const EthernetHeaderLen = 14

// EthernetMinFrameLen is the minimum frame length without FCS (64 bytes
// with FCS, IEEE 802.3 clause 4.4.2); shorter frames are padded on output.
const EthernetMinFrameLen = 60

var errEthernetTruncated = headerErr("ethernet", "frame shorter than 14 bytes", ErrTruncated)

// NewEthernet checks that b holds an Ethernet header. After it succeeds no
// accessor of the returned view panics.
func NewEthernet(b []byte) (Ethernet, error) {
	if len(b) < EthernetHeaderLen {
		return nil, errEthernetTruncated
	}
	return Ethernet(b), nil
}

// Dst returns the destination address.
func (e Ethernet) Dst() MAC { return MAC(e[0:6]) }

// Src returns the source address.
func (e Ethernet) Src() MAC { return MAC(e[6:12]) }

// Type returns the EtherType (or an 802.3 length if < MinEtherType).
func (e Ethernet) Type() EtherType { return EtherType(binary.BigEndian.Uint16(e[12:14])) }

// Payload returns the bytes after the header (for a tagged frame, the
// 802.1Q tag; see NewVLAN).
func (e Ethernet) Payload() []byte { return e[EthernetHeaderLen:] }

// SetDst sets the destination address.
func (e Ethernet) SetDst(m MAC) { copy(e[0:6], m[:]) }

// SetSrc sets the source address.
func (e Ethernet) SetSrc(m MAC) { copy(e[6:12], m[:]) }

// SetType sets the EtherType.
func (e Ethernet) SetType(t EtherType) { binary.BigEndian.PutUint16(e[12:14], uint16(t)) }

// Fields decodes the header.
func (e Ethernet) Fields() EthernetFields {
	return EthernetFields{Dst: e.Dst(), Src: e.Src(), Type: e.Type()}
}

// EthernetFields is the decoded form of an Ethernet II header.
type EthernetFields struct {
	Dst, Src MAC
	Type     EtherType
}

// Encode writes the header at the start of b and returns the view of b.
func (f *EthernetFields) Encode(b []byte) (Ethernet, error) {
	if len(b) < EthernetHeaderLen {
		return nil, ErrShortBuffer
	}
	e := Ethernet(b)
	e.SetDst(f.Dst)
	e.SetSrc(f.Src)
	e.SetType(f.Type)
	return e, nil
}
