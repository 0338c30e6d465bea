package wire

import "encoding/binary"

// ARP is a view of an ARP packet in its Ethernet/IPv4 form (RFC 826,
// "Packet format"; hardware type 1 from RFC 1700 / IANA):
//
//	0     2     4    5    6     8       14     18      24     28
//	+-----+-----+----+----+-----+-------+------+-------+------+
//	| hrd | pro | hln| pln| op  |  sha  | spa  |  tha  | tpa  |
//	+-----+-----+----+----+-----+-------+------+-------+------+
//
// NewARP rejects other hardware/protocol combinations with ErrNotSupported;
// it does not judge the opcode (RFC 826 says to look at it only after the
// table update, so the ARP layer decides).
type ARP []byte

// ARPLen is the length of an Ethernet/IPv4 ARP packet.
const ARPLen = 28

// ARPOp is the ARP opcode (RFC 826 ar$op).
type ARPOp uint16

// ARP opcodes (RFC 826).
const (
	ARPRequest ARPOp = 1
	ARPReply   ARPOp = 2
)

// ARPHardwareEthernet is ar$hrd for Ethernet (IANA ARP parameters).
const ARPHardwareEthernet = 1

var (
	errARPTruncated = headerErr("arp", "packet shorter than 28 bytes", ErrTruncated)
	errARPForm      = headerErr("arp", "hardware/protocol is not Ethernet/IPv4 (hrd 1, pro 0x0800, hln 6, pln 4)", ErrNotSupported)
)

// NewARP checks that b holds an Ethernet/IPv4 ARP packet and returns the
// view trimmed to ARPLen (Ethernet padding dropped).
func NewARP(b []byte) (ARP, error) {
	if len(b) < ARPLen {
		return nil, errARPTruncated
	}
	if binary.BigEndian.Uint16(b[0:2]) != ARPHardwareEthernet || binary.BigEndian.Uint16(b[2:4]) != uint16(EtherTypeIPv4) ||
		b[4] != 6 || b[5] != 4 {
		return nil, errARPForm
	}
	return ARP(b[:ARPLen]), nil
}

// Op returns the opcode.
func (a ARP) Op() ARPOp { return ARPOp(binary.BigEndian.Uint16(a[6:8])) }

// SenderMAC returns ar$sha.
func (a ARP) SenderMAC() MAC { return MAC(a[8:14]) }

// SenderIP returns ar$spa.
func (a ARP) SenderIP() Addr4 { return Addr4(a[14:18]) }

// TargetMAC returns ar$tha.
func (a ARP) TargetMAC() MAC { return MAC(a[18:24]) }

// TargetIP returns ar$tpa.
func (a ARP) TargetIP() Addr4 { return Addr4(a[24:28]) }

// Fields decodes the packet.
func (a ARP) Fields() ARPFields {
	return ARPFields{Op: a.Op(), SenderMAC: a.SenderMAC(), SenderIP: a.SenderIP(), TargetMAC: a.TargetMAC(), TargetIP: a.TargetIP()}
}

// ARPFields is the decoded form of an Ethernet/IPv4 ARP packet.
type ARPFields struct {
	Op        ARPOp
	SenderMAC MAC
	SenderIP  Addr4
	TargetMAC MAC
	TargetIP  Addr4
}

// Encode writes the packet (with hrd=1, pro=0x0800, hln=6, pln=4) at the
// start of b and returns the view of b[:ARPLen].
func (f *ARPFields) Encode(b []byte) (ARP, error) {
	if len(b) < ARPLen {
		return nil, ErrShortBuffer
	}
	binary.BigEndian.PutUint16(b[0:2], ARPHardwareEthernet)
	binary.BigEndian.PutUint16(b[2:4], uint16(EtherTypeIPv4))
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:8], uint16(f.Op))
	copy(b[8:14], f.SenderMAC[:])
	copy(b[14:18], f.SenderIP[:])
	copy(b[18:24], f.TargetMAC[:])
	copy(b[24:28], f.TargetIP[:])
	return ARP(b[:ARPLen]), nil
}
