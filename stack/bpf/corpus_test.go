package bpf

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/stack/wire"
)

// The corpus: frames built with package wire that exercise every test the
// compiler generates, including the awkward cases (IPv4 options, later
// fragments, IPv6 fragment headers, VLAN tags, truncation, ARP/RARP).

var (
	macA = wire.MAC{0x02, 0, 0, 0, 0, 0x0a}
	macB = wire.MAC{0x02, 0, 0, 0, 0, 0x0b}
	macX = wire.MAC{0x01, 0x02, 0x03, 0x04, 0x05, 0x06}
	ip1  = wire.Addr4{198, 18, 0, 1}
	ip2  = wire.Addr4{198, 18, 0, 2}
	ip3  = wire.Addr4{198, 18, 1, 3}
	ip4  = wire.Addr4{198, 19, 7, 4}
)

type corpusFrame struct {
	name string
	b    []byte
}

func ether(dst, src wire.MAC, t wire.EtherType, payload []byte) []byte {
	b := make([]byte, wire.EthernetHeaderLen+len(payload))
	(&wire.EthernetFields{Dst: dst, Src: src, Type: t}).Encode(b)
	copy(b[wire.EthernetHeaderLen:], payload)
	if len(b) < wire.EthernetMinFrameLen {
		b = append(b, make([]byte, wire.EthernetMinFrameLen-len(b))...)
	}
	return b
}

func vlanTag(vid uint16, inner wire.EtherType, payload []byte) []byte {
	b := make([]byte, wire.VLANTagLen+len(payload))
	(&wire.VLANFields{VID: vid, Type: inner}).Encode(b)
	copy(b[wire.VLANTagLen:], payload)
	return b
}

func ipv4(src, dst wire.Addr4, proto wire.IPProtocol, flags uint8, fragOff uint16, opts []byte, payload []byte) []byte {
	f := wire.IPv4Fields{ID: 1, Flags: flags, FragmentOffset: fragOff, TTL: 64, Protocol: proto, Src: src, Dst: dst, Options: opts}
	hl := f.HeaderLen()
	f.TotalLen = uint16(hl + len(payload))
	b := make([]byte, int(f.TotalLen))
	ip, _ := f.Encode(b)
	copy(b[hl:], payload)
	ip.UpdateChecksum()
	return b
}

func ipv6(src, dst byte, next uint8, payload []byte) []byte {
	b := make([]byte, 40+len(payload))
	b[0] = 0x60
	binary.BigEndian.PutUint16(b[4:], uint16(len(payload)))
	b[6], b[7] = next, 64
	b[8], b[23] = 0x20, src // 2001:db8::src
	b[9], b[10], b[11] = 0x01, 0x0d, 0xb8
	b[24], b[25], b[26], b[27], b[39] = 0x20, 0x01, 0x0d, 0xb8, dst
	copy(b[40:], payload)
	return b
}

func udp(src, dst wire.Addr4, sp, dp uint16, data []byte) []byte {
	b := make([]byte, 8+len(data))
	u, _ := (&wire.UDPFields{SrcPort: sp, DstPort: dp, Length: uint16(len(b))}).Encode(b)
	copy(b[8:], data)
	u.UpdateChecksum(src, dst)
	return b
}

// tcp returns a 20-byte TCP header (RFC 793 §3.1) with SYN set; the
// checksum is left zero (no filter looks at it).
func tcp(sp, dp uint16) []byte {
	b := make([]byte, 20)
	binary.BigEndian.PutUint16(b[0:], sp)
	binary.BigEndian.PutUint16(b[2:], dp)
	binary.BigEndian.PutUint32(b[4:], 1000)
	b[12] = 5 << 4
	b[13] = 0x02
	binary.BigEndian.PutUint16(b[14:], 65535)
	return b
}

func icmpEcho(id, seq uint16) []byte {
	b := make([]byte, 16)
	m, _ := (&wire.ICMPv4Fields{Type: wire.ICMPv4Echo, Rest: wire.EchoRest(id, seq)}).Encode(b)
	m.UpdateChecksum()
	return b
}

func arpPkt(op wire.ARPOp, smac wire.MAC, sip wire.Addr4, tip wire.Addr4) []byte {
	b := make([]byte, wire.ARPLen)
	(&wire.ARPFields{Op: op, SenderMAC: smac, SenderIP: sip, TargetIP: tip}).Encode(b)
	return b
}

func corpus() []corpusFrame {
	fragFirst := ipv4(ip1, ip2, wire.IPProtocolUDP, wire.IPv4FlagMF, 0, nil, udp(ip1, ip2, 5353, 53, make([]byte, 24)))
	// A later fragment whose first payload bytes look like ports 53 → 53:
	// port tests must not look at them (libpcap's jset #0x1fff).
	later := make([]byte, 16)
	binary.BigEndian.PutUint16(later[0:], 53)
	binary.BigEndian.PutUint16(later[2:], 53)
	fragLater := ipv4(ip1, ip2, wire.IPProtocolUDP, 0, 32, nil, later)
	rr := []byte{wire.IPv4OptionNOP, wire.IPv4OptionRecordRoute, 7, 4, 0, 0, 0, 0} // 8 bytes: IHL 7
	v6frag := append([]byte{17, 0, 0, 1, 0, 0, 0, 9}, udp(ip1, ip2, 1000, 53, []byte("x"))...)

	frames := []corpusFrame{
		{"arp request", ether(wire.BroadcastMAC(), macA, wire.EtherTypeARP, arpPkt(wire.ARPRequest, macA, ip1, ip2))},
		{"arp reply", ether(macA, macB, wire.EtherTypeARP, arpPkt(wire.ARPReply, macB, ip2, ip1))},
		{"rarp", ether(wire.BroadcastMAC(), macA, 0x8035, arpPkt(3, macA, ip3, ip4))},
		{"icmp echo 1→2", ether(macB, macA, wire.EtherTypeIPv4, ipv4(ip1, ip2, wire.IPProtocolICMP, wire.IPv4FlagDF, 0, nil, icmpEcho(7, 1)))},
		{"udp 1:40000→2:53", ether(macB, macA, wire.EtherTypeIPv4, ipv4(ip1, ip2, wire.IPProtocolUDP, 0, 0, nil, udp(ip1, ip2, 40000, 53, []byte("query"))))},
		{"udp 2:53→1:40000", ether(macA, macB, wire.EtherTypeIPv4, ipv4(ip2, ip1, wire.IPProtocolUDP, 0, 0, nil, udp(ip2, ip1, 53, 40000, []byte("answer"))))},
		{"udp 3:6000→4:6010", ether(macB, macX, wire.EtherTypeIPv4, ipv4(ip3, ip4, wire.IPProtocolUDP, 0, 0, nil, udp(ip3, ip4, 6000, 6010, nil)))},
		{"tcp 3:1234→4:80", ether(macB, macA, wire.EtherTypeIPv4, ipv4(ip3, ip4, wire.IPProtocolTCP, wire.IPv4FlagDF, 0, nil, tcp(1234, 80)))},
		{"tcp opts 4:443→1:5000", ether(macA, macB, wire.EtherTypeIPv4, ipv4(ip4, ip1, wire.IPProtocolTCP, 0, 0, rr, tcp(443, 5000)))},
		{"udp first fragment", ether(macB, macA, wire.EtherTypeIPv4, fragFirst)},
		{"udp later fragment", ether(macB, macA, wire.EtherTypeIPv4, fragLater)},
		{"sctp 1:9→2:2905", ether(macB, macA, wire.EtherTypeIPv4, ipv4(ip1, ip2, 132, 0, 0, nil, tcp(9, 2905)[:12]))},
		{"igmp", ether(macB, macA, wire.EtherTypeIPv4, ipv4(ip1, wire.Addr4{224, 0, 0, 1}, wire.IPProtocolIGMP, 0, 0, nil, make([]byte, 8)))},
		{"ipv6 udp →53", ether(macB, macA, wire.EtherTypeIPv6, ipv6(1, 2, 17, udp(ip1, ip2, 1000, 53, []byte("v6"))))},
		{"ipv6 tcp →80", ether(macB, macA, wire.EtherTypeIPv6, ipv6(1, 2, 6, tcp(2000, 80)))},
		{"ipv6 frag udp", ether(macB, macA, wire.EtherTypeIPv6, ipv6(1, 2, 44, v6frag))},
		{"vlan 100 udp →53", ether(macB, macA, wire.EtherTypeVLAN, vlanTag(100, wire.EtherTypeIPv4,
			ipv4(ip1, ip2, wire.IPProtocolUDP, 0, 0, nil, udp(ip1, ip2, 40001, 53, []byte("tagged")))))},
		{"vlan 200 arp", ether(wire.BroadcastMAC(), macA, wire.EtherTypeVLAN, vlanTag(200, wire.EtherTypeARP, arpPkt(wire.ARPRequest, macA, ip3, ip4)))},
		{"qinq 300 tcp", ether(macB, macA, wire.EtherTypeQinQ, vlanTag(300, wire.EtherTypeIPv4, ipv4(ip3, ip2, wire.IPProtocolTCP, 0, 0, nil, tcp(80, 8080))))},
		{"qinq 300/100 udp", ether(macB, macA, wire.EtherTypeQinQ, vlanTag(300, wire.EtherTypeVLAN, vlanTag(100, wire.EtherTypeIPv4,
			ipv4(ip1, ip2, wire.IPProtocolUDP, 0, 0, nil, udp(ip1, ip2, 40002, 53, []byte("stacked"))))))},
		{"lldp", ether(wire.MAC{0x01, 0x80, 0xc2, 0, 0, 0x0e}, macX, 0x88cc, make([]byte, 30))},
		{"llc", ether(macB, macA, 46, make([]byte, 46))},
		{"truncated ipv4", ether(macB, macA, wire.EtherTypeIPv4, nil)[:18]},
		{"truncated tcp", ether(macB, macA, wire.EtherTypeIPv4, ipv4(ip3, ip4, wire.IPProtocolTCP, 0, 0, nil, tcp(1234, 80)))[:36]},
		{"big udp", ether(macB, macA, wire.EtherTypeIPv4, ipv4(ip2, ip4, wire.IPProtocolUDP, 0, 0, nil, udp(ip2, ip4, 123, 123, make([]byte, 400))))},
		{"ether only", ether(macX, macB, 0x0800, nil)[:14]},
		{"icmpv6 echo", ether(macB, macA, wire.EtherTypeIPv6, ipv6(2, 1, 58, []byte{128, 0, 0, 0, 0, 1, 0, 1}))},
		{"ipv6 other net", ether(macA, macB, wire.EtherTypeIPv6, func() []byte {
			b := ipv6(5, 9, 17, udp(ip1, ip2, 53, 1000, nil))
			b[11] = 0xb9 // 2001:db9::5 → 2001:db8::9
			return b
		}())},
		{"multicast mac", ether(wire.MAC{0x01, 0x00, 0x5e, 0, 0, 1}, macA, wire.EtherTypeIPv4,
			ipv4(ip1, wire.Addr4{224, 0, 0, 1}, wire.IPProtocolUDP, 0, 0, nil, udp(ip1, wire.Addr4{224, 0, 0, 1}, 5353, 5353, nil)))},
	}
	return frames
}

// exprs is the expression corpus the compiler is validated on.
var exprs = []string{
	"", "ip", "ip6", "arp", "rarp", "tcp", "udp", "icmp", "sctp",
	"host 198.18.0.1", "src host 198.18.0.1", "dst host 198.18.0.1", "ip host 198.18.1.3", "arp host 198.18.0.2",
	"rarp host 198.19.7.4", "src or dst host 198.18.0.2", "src and dst host 198.18.0.1",
	"host 198.18.0.1 or 198.18.0.2", "host 198.18.0.1 and not 198.18.0.2",
	"net 198.18.0.0/16", "net 198.18.0.0/15", "src net 198.19.0.0/16", "dst net 198.18.1.0/24", "net 198.18", "net 198.18.0.0 mask 255.255.255.0", "net 0.0.0.0/0",
	"port 53", "src port 53", "dst port 53", "udp port 53", "tcp port 53", "tcp port 80 or 443", "port 80 and tcp",
	"portrange 6000-6010", "udp portrange 6005-6010", "tcp dst portrange 1-1024", "sctp port 2905",
	"ether host 01:02:03:04:05:06", "ether src 02:00:00:00:00:0a", "ether dst ff:ff:ff:ff:ff:ff", "ether proto 0x88cc", "ether proto \\arp", "ip proto \\tcp",
	"ip proto 17", "ip proto \\icmp", "proto 17", "ip6 proto 17", "ip6 proto 6", "ip proto 2",
	"vlan", "vlan 100", "vlan 200 and arp", "vlan 100 and udp port 53", "vlan and host 198.18.1.3", "not vlan and udp",
	"less 60", "greater 100", "less 36 and ip",
	"not ip", "! arp", "udp or arp and host 198.18.0.1", "udp or (arp and host 198.18.0.1)",
	"(udp or tcp) and not port 53", "icmp or (udp and dst port 53) or ether host 01:02:03:04:05:06",
	"not (host 198.18.0.1 or host 198.18.0.2)", "ip && !tcp || arp",
	"tcp and host 198.18.1.3 and port 80", "host 198.19.7.4 and (port 80 or port 443)",
	"icmp6", "igmp", "ether broadcast", "ether multicast", "not ether multicast and ip6", "ether multicast or udp",
	"host 2001:db8::1", "ip6 host 2001:db8::2", "src host 2001:db8::1", "dst host 2001:db8::9", "src and dst host 2001:db8::1",
	"net 2001:db8::/32", "net 2001:db8::/126", "src net 2001:db9::/32", "dst net 2001:db8::8/125", "net ::/0",
	"host 2001:db8::1 and udp port 53", "ip6 and not host 2001:db8::2",
	"ip6 net 2001:db8::/32", "ip6 src net 2001:db8::/64", "ip6 dst net 2001:db8::/126", "ip6 and icmp6", "ip6 host 2001:db8::1 and icmp6",
	"src or dst port 53", "dst and src host 198.18.0.1", "udp and src or dst port 40000", "ether src or dst 02:00:00:00:00:0a",
	"tcp src port 1234 or dst port 443", "not not arp", "!(udp||tcp)&&ip",
	"vlan and vlan and udp", "vlan 300 and vlan 100 and udp port 53", "vlan 300 and udp", "vlan and not vlan 300",
}
