package pf

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopkt/gopkt/stack/wire"
)

// packet is what the rules look at, read once from the IP header (and, for
// IPv6, the extension headers) and the first bytes of the transport header
// in the first segment.
type packet struct {
	v6           bool
	proto        wire.IPProtocol // IPv6: the upper-layer protocol after the extension headers
	src, dst     wire.Addr4      // IPv4
	src6, dst6   [16]byte        // IPv6
	sport, dport uint16          // TCP/UDP ports; ICMP echo: the identifier in both
	l4           bool            // the transport header is here (not a later fragment, not cut short)
	l4off        int             // where it starts in the packet (when there is one)
	ports        bool            // TCP/UDP: the ports are here (at least 4 bytes of the header)
	icmpType     int
	icmpCode     int
	tcpFlags     uint8
	hopLimit     uint8 // IPv6
}

// ICMP echo types: RFC 792 and RFC 4443 §4.
const (
	icmpEchoRequest, icmpEchoReply   = 8, 0
	icmp6EchoRequest, icmp6EchoReply = 128, 129
)

// addr returns the source (src) or destination address.
func (pk *packet) addr(src bool) netip.Addr {
	switch {
	case pk.v6 && src:
		return netip.AddrFrom16(pk.src6)
	case pk.v6:
		return netip.AddrFrom16(pk.dst6)
	case src:
		return netip.AddrFrom4(pk.src)
	}
	return netip.AddrFrom4(pk.dst)
}

// icmp reports whether pk is ICMP of its family (ICMPv6 for IPv6).
func (pk *packet) icmp() bool {
	return pk.proto == wire.IPProtocolICMP && !pk.v6 || pk.proto == wire.IPProtocolICMPv6 && pk.v6
}

func (pk *packet) echoRequest() bool {
	return pk.icmp() && (pk.v6 && pk.icmpType == icmp6EchoRequest || !pk.v6 && pk.icmpType == icmpEchoRequest)
}

func (pk *packet) echoReply() bool {
	return pk.icmp() && (pk.v6 && pk.icmpType == icmp6EchoReply || !pk.v6 && pk.icmpType == icmpEchoReply)
}

// parsePacket reads b, which starts at an IPv4 header (RFC 791 §3.1) or
// an IPv6 one. A later fragment (offset ≠ 0) has no transport header:
// rules with ports, flags or ICMP types do not match it, as in pf.
func parsePacket(b []byte) (pk packet, ok bool) {
	if len(b) > 0 && b[0]>>4 == 6 {
		return parsePacket6(b)
	}
	if len(b) < wire.IPv4MinHeaderLen || b[0]>>4 != 4 {
		return pk, false
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < wire.IPv4MinHeaderLen || ihl > len(b) {
		return pk, false
	}
	pk.proto = wire.IPProtocol(b[9])
	pk.src, pk.dst = wire.Addr4(b[12:16]), wire.Addr4(b[16:20])
	pk.icmpType, pk.icmpCode = -1, -1
	if binary.BigEndian.Uint16(b[6:8])&0x1fff != 0 {
		return pk, true
	}
	pk.l4off = ihl
	pk.transport(b[ihl:])
	return pk, true
}

// maxExtHeaders bounds the extension header walk (more is a packet no
// rule with ports can match).
const maxExtHeaders = 8

// parsePacket6 reads an IPv6 packet (RFC 8200 §3): the fixed header, then
// the extension headers (§4) up to the upper-layer header, which is what
// "proto" matches. A chain cut short or too long leaves no transport
// header, as does a fragment other than the first.
func parsePacket6(b []byte) (pk packet, ok bool) {
	if len(b) < wire.IPv6HeaderLen {
		return pk, false
	}
	pk.v6 = true
	pk.hopLimit = b[7]
	pk.src6, pk.dst6 = [16]byte(b[8:24]), [16]byte(b[24:40])
	pk.icmpType, pk.icmpCode = -1, -1
	nh, off := wire.IPProtocol(b[6]), wire.IPv6HeaderLen
	for range maxExtHeaders {
		switch nh {
		case wire.IPv6HopByHop, wire.IPv6Routing, wire.IPv6DestOpts:
			if off+2 > len(b) {
				pk.proto = nh
				return pk, true
			}
			nh, off = wire.IPProtocol(b[off]), off+(int(b[off+1])+1)*8
			continue
		case wire.IPv6Fragment:
			if off+wire.IPv6FragmentLen > len(b) {
				pk.proto = nh
				return pk, true
			}
			later := binary.BigEndian.Uint16(b[off+2:off+4])&^7 != 0
			nh, off = wire.IPProtocol(b[off]), off+wire.IPv6FragmentLen
			if later {
				pk.proto = nh
				return pk, true
			}
			continue
		}
		pk.proto = nh
		if off <= len(b) {
			pk.l4off = off
			pk.transport(b[off:])
		}
		return pk, true
	}
	pk.proto = nh
	return pk, true
}

// transport reads the ports, TCP flags or ICMP type, code and echo
// identifier at the start of l4.
func (pk *packet) transport(l4 []byte) {
	switch pk.proto {
	case wire.IPProtocolTCP:
		if len(l4) >= 4 {
			pk.sport, pk.dport = binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
			pk.ports = true
		}
		if len(l4) >= 14 {
			pk.tcpFlags = l4[13]
			pk.l4 = true
		}
	case wire.IPProtocolUDP:
		if len(l4) >= 4 {
			pk.sport, pk.dport = binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
			pk.l4, pk.ports = true, true
		}
	case wire.IPProtocolICMP, wire.IPProtocolICMPv6:
		if pk.icmp() && len(l4) >= 8 {
			pk.icmpType, pk.icmpCode = int(l4[0]), int(l4[1])
			if pk.echoRequest() || pk.echoReply() {
				id := binary.BigEndian.Uint16(l4[4:6])
				pk.sport, pk.dport = id, id
			}
			pk.l4 = true
		}
	}
}

// icmpError reports whether pk is an ICMP error that quotes a packet
// (RFC 792: unreachable, source quench, time exceeded, parameter problem;
// RFC 4443 §3: destination unreachable, packet too big, time exceeded,
// parameter problem).
func (pk *packet) icmpError() bool {
	if !pk.icmp() || !pk.l4 {
		return false
	}
	if pk.v6 {
		return pk.icmpType >= 1 && pk.icmpType <= 4
	}
	return pk.icmpType == 3 || pk.icmpType == 4 || pk.icmpType == 11 || pk.icmpType == 12
}

// quoted parses the packet an ICMP error in b (pk, its parse) quotes,
// which must be of the same family and show its ports or echo identifier
// (RFC 792 and RFC 4443 §2.4 (c) quote at least 8 bytes of it).
func (pk *packet) quoted(b []byte) (packet, bool) {
	at := pk.l4off + 8
	if at > len(b) {
		return packet{}, false
	}
	in, ok := parsePacket(b[at:])
	if !ok || in.v6 != pk.v6 || !(in.ports || in.icmp() && in.l4 && (in.echoRequest() || in.echoReply())) {
		return packet{}, false
	}
	return in, true
}

// linkControl reports whether pk is IPv6 neighbour discovery (RFC 4861:
// router and neighbour solicitations and advertisements, redirects; hop
// limit 255, so it cannot have come from off the link) or MLD (RFC 3810:
// queries, reports and dones from a link-local or the unspecified source,
// hop limit 1). The filter passes these before the rules (RFC 4890
// §4.4.1: traffic that must not be dropped; without them IPv6 has no
// address resolution, DAD or router discovery).
func (pk *packet) linkControl() bool {
	if !pk.v6 || pk.proto != wire.IPProtocolICMPv6 || !pk.l4 {
		return false
	}
	switch t := pk.icmpType; {
	case t >= 133 && t <= 137:
		return pk.hopLimit == 255
	case t == 130 || t == 131 || t == 132 || t == 143:
		src := netip.AddrFrom16(pk.src6)
		return pk.hopLimit == 1 && (src.IsLinkLocalUnicast() || src.IsUnspecified())
	}
	return false
}

// match reports whether r matches pk travelling dir on the interface
// called ifname.
func (r *Rule) match(pk *packet, dir Dir, ifname string) bool {
	if r.Dir != Both && r.Dir != dir {
		return false
	}
	if r.Family != AnyFamily && (r.Family == Inet6) != pk.v6 {
		return false
	}
	if r.Interface != "" && r.Interface != ifname {
		return false
	}
	if r.Proto != 0 && r.Proto != pk.proto {
		return false
	}
	if !r.Src.match(pk.addr(true)) || !r.Dst.match(pk.addr(false)) {
		return false
	}
	if r.SrcPort.Op != PortAny || r.DstPort.Op != PortAny || r.FlagsMask != 0 || r.ICMPType >= 0 {
		if !pk.l4 {
			return false
		}
		if !r.SrcPort.match(pk.sport) || !r.DstPort.match(pk.dport) {
			return false
		}
		if r.FlagsMask != 0 && pk.tcpFlags&r.FlagsMask != r.Flags {
			return false
		}
		if r.ICMPType >= 0 && (pk.icmpType != r.ICMPType || (r.ICMPCode >= 0 && pk.icmpCode != r.ICMPCode)) {
			return false
		}
	}
	return true
}
