package wire

import "encoding/binary"

// VLAN is a view of an IEEE 802.1Q tag as it follows the source address of
// a tagged frame, i.e. it starts at Ethernet.Payload() when Ethernet.Type()
// is EtherTypeVLAN (or EtherTypeQinQ for an 802.1ad S-tag of the same form):
//
//	0          2     4
//	+----------+-----+---------
//	| PCP|DEI|VID | type | payload
//	+----------+-----+---------
//
// The tag control information (TCI) is IEEE 802.1Q clause 9.6: 3-bit
// priority code point, 1-bit drop eligible indicator, 12-bit VLAN ID.
type VLAN []byte

// VLANTagLen is the length of an 802.1Q tag (TCI + inner EtherType).
const VLANTagLen = 4

var errVLANTruncated = headerErr("vlan", "tag shorter than 4 bytes", ErrTruncated)

// NewVLAN checks that b holds an 802.1Q tag.
func NewVLAN(b []byte) (VLAN, error) {
	if len(b) < VLANTagLen {
		return nil, errVLANTruncated
	}
	return VLAN(b), nil
}

// TCI returns the whole tag control information.
func (v VLAN) TCI() uint16 { return binary.BigEndian.Uint16(v[0:2]) }

// PCP returns the priority code point (0..7).
func (v VLAN) PCP() uint8 { return v[0] >> 5 }

// DEI returns the drop eligible indicator.
func (v VLAN) DEI() bool { return v[0]&0x10 != 0 }

// VID returns the VLAN identifier (0..4095; 0 means priority tag only).
func (v VLAN) VID() uint16 { return binary.BigEndian.Uint16(v[0:2]) & 0x0fff }

// Type returns the EtherType of the encapsulated payload.
func (v VLAN) Type() EtherType { return EtherType(binary.BigEndian.Uint16(v[2:4])) }

// Payload returns the bytes after the tag.
func (v VLAN) Payload() []byte { return v[VLANTagLen:] }

// SetTCI sets the tag control information.
func (v VLAN) SetTCI(tci uint16) { binary.BigEndian.PutUint16(v[0:2], tci) }

// SetType sets the inner EtherType.
func (v VLAN) SetType(t EtherType) { binary.BigEndian.PutUint16(v[2:4], uint16(t)) }

// Fields decodes the tag.
func (v VLAN) Fields() VLANFields {
	return VLANFields{PCP: v.PCP(), DEI: v.DEI(), VID: v.VID(), Type: v.Type()}
}

// VLANFields is the decoded form of an 802.1Q tag.
type VLANFields struct {
	PCP  uint8  // 0..7; higher bits are ignored
	DEI  bool   // drop eligible
	VID  uint16 // 0..4095; higher bits are ignored
	Type EtherType
}

// Encode writes the tag at the start of b and returns the view of b.
func (f *VLANFields) Encode(b []byte) (VLAN, error) {
	if len(b) < VLANTagLen {
		return nil, ErrShortBuffer
	}
	tci := uint16(f.PCP&7)<<13 | f.VID&0x0fff
	if f.DEI {
		tci |= 0x1000
	}
	v := VLAN(b)
	v.SetTCI(tci)
	v.SetType(f.Type)
	return v, nil
}
