package wire

import "strconv"

// EtherType is the 16-bit type field of an Ethernet II frame or of an
// 802.1Q tag (IEEE 802.3 clause 3.2.6; values from the IEEE registry).
type EtherType uint16

// EtherTypes the stack knows about.
const (
	EtherTypeIPv4  EtherType = 0x0800
	EtherTypeARP   EtherType = 0x0806
	EtherTypeVLAN  EtherType = 0x8100 // IEEE 802.1Q C-tag
	EtherTypeIPv6  EtherType = 0x86dd
	EtherTypeQinQ  EtherType = 0x88a8 // IEEE 802.1ad S-tag
	EtherTypeEAPOL EtherType = 0x888e // IEEE 802.1X, used by the WPA2 4-way handshake
)

// MinEtherType is the smallest value that is a type; below it (≤ 1500) the
// field is an IEEE 802.3 length (IEEE 802.3 clause 3.2.6).
const MinEtherType EtherType = 0x0600

func (t EtherType) String() string {
	switch t {
	case EtherTypeIPv4:
		return "IPv4"
	case EtherTypeARP:
		return "ARP"
	case EtherTypeVLAN:
		return "802.1Q"
	case EtherTypeIPv6:
		return "IPv6"
	case EtherTypeQinQ:
		return "802.1ad"
	case EtherTypeEAPOL:
		return "EAPOL"
	}
	return "0x" + strconv.FormatUint(uint64(t)|0x10000, 16)[1:]
}

// IPProtocol is the IPv4 protocol / IPv6 next-header number (IANA
// "Assigned Internet Protocol Numbers").
type IPProtocol uint8

// IP protocol numbers the stack knows about.
const (
	IPProtocolICMP   IPProtocol = 1
	IPProtocolIGMP   IPProtocol = 2
	IPProtocolTCP    IPProtocol = 6
	IPProtocolUDP    IPProtocol = 17
	IPProtocolICMPv6 IPProtocol = 58
)

func (p IPProtocol) String() string {
	switch p {
	case IPProtocolICMP:
		return "ICMP"
	case IPProtocolIGMP:
		return "IGMP"
	case IPProtocolTCP:
		return "TCP"
	case IPProtocolUDP:
		return "UDP"
	case IPProtocolICMPv6:
		return "ICMPv6"
	}
	return strconv.Itoa(int(p))
}
