package pf

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/stack/wire"
)

// packet is what the rules look at, read once from the IPv4 header and the
// first bytes of the transport header in the first segment.
type packet struct {
	proto        wire.IPProtocol
	src, dst     wire.Addr4
	sport, dport uint16 // TCP/UDP ports; ICMP echo: the identifier in both
	l4           bool   // the transport header is here (not a later fragment, not cut short)
	icmpType     int
	icmpCode     int
	tcpFlags     uint8
}

// parsePacket reads b, which starts at an IPv4 header (RFC 791 §3.1). A
// later fragment (offset ≠ 0) has no transport header: rules with ports,
// flags or ICMP types do not match it, as in pf.
func parsePacket(b []byte) (pk packet, ok bool) {
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
	l4 := b[ihl:]
	switch pk.proto {
	case wire.IPProtocolTCP:
		if len(l4) >= 14 {
			pk.sport, pk.dport = binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
			pk.tcpFlags = l4[13]
			pk.l4 = true
		}
	case wire.IPProtocolUDP:
		if len(l4) >= 4 {
			pk.sport, pk.dport = binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
			pk.l4 = true
		}
	case wire.IPProtocolICMP:
		if len(l4) >= 8 {
			pk.icmpType, pk.icmpCode = int(l4[0]), int(l4[1])
			id := binary.BigEndian.Uint16(l4[4:6])
			pk.sport, pk.dport = id, id
			pk.l4 = true
		}
	}
	return pk, true
}

// match reports whether r matches pk travelling dir on the interface
// called ifname.
func (r *Rule) match(pk *packet, dir Dir, ifname string) bool {
	if r.Dir != Both && r.Dir != dir {
		return false
	}
	if r.Interface != "" && r.Interface != ifname {
		return false
	}
	if r.Proto != 0 && r.Proto != pk.proto {
		return false
	}
	if !r.Src.match(pk.src) || !r.Dst.match(pk.dst) {
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
