package pktdump

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/gopkt/gopkt/stack/bpf"
	"github.com/gopkt/gopkt/stack/wire"
)

// Summary describes one frame in a line, in the spirit of tcpdump -n:
//
//	ARP, Request who-has 198.18.0.2 tell 198.18.0.1, length 42
//	IP 198.18.0.1 > 198.18.0.2: ICMP echo request, id 7, seq 1, length 64
//	IP 198.18.0.1.40000 > 198.18.0.2.53: UDP, length 5
//	vlan 100, IP …
//
// origLen is the frame's length on the wire (the frame may be truncated
// by the snap length). Malformed headers are named, never a panic.
func Summary(frame []byte, link bpf.LinkType, origLen int) string {
	if link != bpf.LinkEthernet {
		return fmt.Sprintf("link type %d, length %d", link, origLen)
	}
	e, err := wire.NewEthernet(frame)
	if err != nil {
		return fmt.Sprintf("[|ether] length %d", origLen)
	}
	prefix := ""
	typ, payload := e.Type(), e.Payload()
	for typ == wire.EtherTypeVLAN || typ == wire.EtherTypeQinQ {
		v, err := wire.NewVLAN(payload)
		if err != nil {
			return prefix + "[|vlan]"
		}
		prefix += "vlan " + strconv.Itoa(int(v.VID())) + ", "
		typ, payload = v.Type(), v.Payload()
	}
	switch typ {
	case wire.EtherTypeARP:
		return prefix + arpSummary(payload, origLen)
	case wire.EtherTypeIPv4:
		return prefix + ipv4Summary(payload)
	case wire.EtherTypeIPv6:
		return prefix + ipv6Summary(payload)
	}
	if typ < wire.MinEtherType {
		return prefix + fmt.Sprintf("%s > %s, 802.3, length %d", e.Src(), e.Dst(), origLen)
	}
	return prefix + fmt.Sprintf("%s > %s, ethertype %s, length %d", e.Src(), e.Dst(), typ, origLen)
}

func addr(a wire.Addr4) string { return netip.AddrFrom4(a).String() }

func arpSummary(b []byte, origLen int) string {
	a, err := wire.NewARP(b)
	if err != nil {
		return "ARP, [|arp]"
	}
	switch a.Op() {
	case wire.ARPRequest:
		return fmt.Sprintf("ARP, Request who-has %s tell %s, length %d", addr(a.TargetIP()), addr(a.SenderIP()), origLen)
	case wire.ARPReply:
		return fmt.Sprintf("ARP, Reply %s is-at %s, length %d", addr(a.SenderIP()), a.SenderMAC(), origLen)
	}
	return fmt.Sprintf("ARP, op %d, length %d", a.Op(), origLen)
}

func ipv4Summary(b []byte) string {
	ip, err := wire.NewIPv4(b)
	if err != nil {
		return "IP [|ip: " + err.Error() + "]"
	}
	src, dst := addr(ip.Src()), addr(ip.Dst())
	frag := ""
	if ip.IsFragment() {
		more := ""
		if ip.MoreFragments() {
			more = "+"
		}
		frag = fmt.Sprintf(" (frag %d:%d@%d%s)", ip.ID(), len(ip.Payload()), ip.FragmentOffset(), more)
		if ip.FragmentOffset() != 0 {
			return fmt.Sprintf("IP %s > %s: %s%s", src, dst, ip.Protocol(), frag)
		}
	}
	p := ip.Payload()
	switch ip.Protocol() {
	case wire.IPProtocolUDP:
		u, err := wire.NewUDP(p)
		if err != nil {
			if len(p) >= 4 && ip.IsFragment() {
				return fmt.Sprintf("IP %s.%d > %s.%d: UDP%s", src, binary.BigEndian.Uint16(p), dst, binary.BigEndian.Uint16(p[2:]), frag)
			}
			return fmt.Sprintf("IP %s > %s: UDP [|udp]", src, dst)
		}
		return fmt.Sprintf("IP %s.%d > %s.%d: UDP, length %d%s", src, u.SrcPort(), dst, u.DstPort(), len(u.Payload()), frag)
	case wire.IPProtocolTCP:
		if len(p) < 14 {
			return fmt.Sprintf("IP %s > %s: TCP [|tcp]", src, dst)
		}
		return fmt.Sprintf("IP %s.%d > %s.%d: TCP%s", src, binary.BigEndian.Uint16(p), dst, binary.BigEndian.Uint16(p[2:]), frag)
	case wire.IPProtocolICMP:
		m, err := wire.NewICMPv4(p)
		if err != nil {
			return fmt.Sprintf("IP %s > %s: ICMP [|icmp]", src, dst)
		}
		return fmt.Sprintf("IP %s > %s: ICMP %s, length %d%s", src, dst, icmpText(m), len(m), frag)
	}
	return fmt.Sprintf("IP %s > %s: %s, length %d%s", src, dst, ip.Protocol(), len(p), frag)
}

func icmpText(m wire.ICMPv4) string {
	switch m.Type() {
	case wire.ICMPv4Echo:
		return fmt.Sprintf("echo request, id %d, seq %d", m.ID(), m.Seq())
	case wire.ICMPv4EchoReply:
		return fmt.Sprintf("echo reply, id %d, seq %d", m.ID(), m.Seq())
	case wire.ICMPv4DestUnreach:
		if inner, err := wire.NewIPv4(m.Payload()); err == nil {
			if m.Code() == wire.ICMPv4PortUnreachable && len(inner.Payload()) >= 4 {
				return fmt.Sprintf("%s %s port %d unreachable", addr(inner.Dst()), inner.Protocol(), binary.BigEndian.Uint16(inner.Payload()[2:]))
			}
			return fmt.Sprintf("%s unreachable, code %d", addr(inner.Dst()), m.Code())
		}
		return fmt.Sprintf("unreachable, code %d", m.Code())
	case wire.ICMPv4TimeExceeded:
		if m.Code() == wire.ICMPv4ReassemblyExceeded {
			return "ip reassembly time exceeded"
		}
		return "time exceeded in-transit"
	}
	return fmt.Sprintf("type %d, code %d", m.Type(), m.Code())
}

func ipv6Summary(b []byte) string {
	h, err := wire.NewIPv6(b)
	if err != nil {
		return "IP6 [|ip6: " + err.Error() + "]"
	}
	src, dst := h.SrcAddr().String(), h.DstAddr().String()
	p := h.Payload()
	switch h.NextHeader() {
	case wire.IPProtocolUDP:
		if u, err := wire.NewUDP(p); err == nil {
			return fmt.Sprintf("IP6 %s.%d > %s.%d: UDP, length %d", src, u.SrcPort(), dst, u.DstPort(), len(u.Payload()))
		}
	case wire.IPProtocolTCP:
		if t, err := wire.NewTCP(p); err == nil {
			return fmt.Sprintf("IP6 %s.%d > %s.%d: TCP", src, t.SrcPort(), dst, t.DstPort())
		}
	case wire.IPProtocolICMPv6:
		if len(p) >= 4 {
			return fmt.Sprintf("IP6 %s > %s: ICMP6, %s, length %d", src, dst, icmp6Text(p), len(p))
		}
	}
	return fmt.Sprintf("IP6 %s > %s: next header %s, payload length %d", src, dst, h.NextHeader(), h.PayloadLen())
}

// icmp6Text names the ICMPv6 messages a stack exchanges (RFC 4443 §2.1,
// RFC 4861 §4).
func icmp6Text(m []byte) string {
	switch m[0] {
	case 1:
		return "destination unreachable"
	case 2:
		return "packet too big"
	case 3:
		return "time exceeded"
	case 128, 129:
		kind := "echo request"
		if m[0] == 129 {
			kind = "echo reply"
		}
		if len(m) >= 8 {
			return fmt.Sprintf("%s, id %d, seq %d", kind, binary.BigEndian.Uint16(m[4:]), binary.BigEndian.Uint16(m[6:]))
		}
		return kind
	case 133:
		return "router solicitation"
	case 134:
		return "router advertisement"
	case 135:
		return "neighbor solicitation"
	case 136:
		return "neighbor advertisement"
	case 143:
		return "multicast listener report v2"
	}
	return fmt.Sprintf("type %d, code %d", m[0], m[1])
}
