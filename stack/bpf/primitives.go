package bpf

import (
	"encoding/binary"

	xbpf "golang.org/x/net/bpf"

	"github.com/gopkt/gopkt/stack/wire"
)

// The code each primitive compiles to mirrors what libpcap generates for
// Ethernet (gencode.c semantics, checked against tcpdump -d and, in the
// tests, against tcpdump -r on a packet corpus). Offsets are relative to
// the network-layer start g.link (14, or more after "vlan"):
//
//	IPv4  proto [9]  src [12]  dst [16]  flags+fragment offset [6]
//	      transport at 4*([0]&0xf) (the ldxb idiom, RFC 791 IHL)
//	IPv6  next header [6]; fragment header's next header [40]; ports at [40]/[42]
//	ARP   sender IP [14], target IP [24] (RFC 826, Ethernet/IPv4 form)

const etherTypeRARP = 0x8035

// Extra IP protocol numbers used by libpcap's port and protocol tests.
const (
	ipprotoSCTP     = 132
	ipv6HdrFragment = 44 // IPv6 Fragment header (RFC 8200 §4.5)
)

func abs(v uint32) func(*gen) uint32 { return func(*gen) uint32 { return v } }

func etherIs(t wire.EtherType) code {
	return func(g *gen, tl, fl label) {
		load(2, abs(g.link-2), noMask, xbpf.JumpEqual, uint32(t))(g, tl, fl)
	}
}

func ipv4ProtoIs(p uint8) code {
	return and(etherIs(wire.EtherTypeIPv4), load(1, rel(9), noMask, xbpf.JumpEqual, uint32(p)))
}

// ipv6ProtoIs matches the IPv6 next header directly or behind a fragment
// header, as libpcap's "ip6 proto" does.
func ipv6ProtoIs(p uint8) code {
	return and(etherIs(wire.EtherTypeIPv6), or(
		load(1, rel(6), noMask, xbpf.JumpEqual, uint32(p)),
		and(load(1, rel(6), noMask, xbpf.JumpEqual, ipv6HdrFragment), load(1, rel(40), noMask, xbpf.JumpEqual, uint32(p)))))
}

func (e *And) gen(g *gen, t, f label) { and(e.X.gen, e.Y.gen)(g, t, f) }
func (e *Or) gen(g *gen, t, f label)  { or(e.X.gen, e.Y.gen)(g, t, f) }
func (e *Not) gen(g *gen, t, f label) { e.X.gen(g, f, t) }

func (e *ProtoMatch) gen(g *gen, t, f label) {
	var c code
	switch e.Proto {
	case ProtoIP:
		c = etherIs(wire.EtherTypeIPv4)
	case ProtoIP6:
		c = etherIs(wire.EtherTypeIPv6)
	case ProtoARP:
		c = etherIs(wire.EtherTypeARP)
	case ProtoRARP:
		c = etherIs(etherTypeRARP)
	case ProtoICMP:
		c = ipv4ProtoIs(uint8(wire.IPProtocolICMP))
	case ProtoTCP:
		c = or(ipv4ProtoIs(uint8(wire.IPProtocolTCP)), ipv6ProtoIs(uint8(wire.IPProtocolTCP)))
	case ProtoUDP:
		c = or(ipv4ProtoIs(uint8(wire.IPProtocolUDP)), ipv6ProtoIs(uint8(wire.IPProtocolUDP)))
	case ProtoSCTP:
		c = or(ipv4ProtoIs(ipprotoSCTP), ipv6ProtoIs(ipprotoSCTP))
	case ProtoICMP6:
		c = ipv6ProtoIs(uint8(wire.IPProtocolICMPv6))
	case ProtoIGMP:
		c = ipv4ProtoIs(uint8(wire.IPProtocolIGMP))
	default: // the parser never builds others
		c = func(g *gen, t, f label) { g.emit(xbpf.Jump{}); g.branch(xbpf.JumpEqual, 0, f, f) }
	}
	c(g, t, f)
}

func (e *IPProto) gen(g *gen, t, f label) {
	switch e.Layer {
	case ProtoIP:
		ipv4ProtoIs(uint8(e.Num))(g, t, f)
	case ProtoIP6:
		ipv6ProtoIs(uint8(e.Num))(g, t, f)
	default:
		or(ipv4ProtoIs(uint8(e.Num)), ipv6ProtoIs(uint8(e.Num)))(g, t, f)
	}
}

func (e *EtherProto) gen(g *gen, t, f label) { etherIs(e.Type)(g, t, f) }

func dirTest(d Dir, src, dst code) code {
	switch d {
	case DirSrc:
		return src
	case DirDst:
		return dst
	case DirSrcAndDst:
		return and(src, dst)
	}
	return or(src, dst)
}

func prefixMask(bits int) uint32 {
	if bits == 0 {
		return 0
	}
	return ^uint32(0) << (32 - bits)
}

// addrTest matches an IPv4 or ARP packet's addresses against addr/bits.
func addrTest(p Proto, d Dir, addr wire.Addr4, bits int) code {
	mask := prefixMask(bits)
	val := binary.BigEndian.Uint32(addr[:]) & mask
	if bits == 32 {
		mask = noMask
	}
	at := func(off uint32) code { return load(4, rel(off), mask, xbpf.JumpEqual, val) }
	if bits == 0 {
		// net 0/0: the address test is true without a load (libpcap's
		// optimiser removes it too, so truncated frames still match).
		at = func(uint32) code { return always }
	}
	ip := and(etherIs(wire.EtherTypeIPv4), dirTest(d, at(12), at(16)))
	arpAddrs := dirTest(d, at(14), at(24))
	switch p {
	case ProtoIP:
		return ip
	case ProtoARP:
		return and(etherIs(wire.EtherTypeARP), arpAddrs)
	case ProtoRARP:
		return and(etherIs(etherTypeRARP), arpAddrs)
	}
	return or(ip, and(or(etherIs(wire.EtherTypeARP), etherIs(etherTypeRARP)), arpAddrs))
}

func (e *Host) gen(g *gen, t, f label) { addrTest(e.Proto, e.Dir, e.Addr, 32)(g, t, f) }
func (e *Net) gen(g *gen, t, f label)  { addrTest(e.Proto, e.Dir, e.Addr, e.Bits)(g, t, f) }

// addr6Test matches an IPv6 packet's addresses (RFC 8200 §3: source at
// 8, destination at 24) against addr/bits, one 32-bit word at a time;
// words beyond the prefix are not loaded.
func addr6Test(d Dir, addr [16]byte, bits int) code {
	at := func(base uint32) code {
		var words []code
		for w := 0; w < 4 && bits > 32*w; w++ {
			n := min(bits-32*w, 32)
			mask := prefixMask(n)
			val := binary.BigEndian.Uint32(addr[4*w:]) & mask
			if n == 32 {
				mask = noMask
			}
			words = append(words, load(4, rel(base+uint32(4*w)), mask, xbpf.JumpEqual, val))
		}
		if len(words) == 0 {
			return always // ::/0
		}
		return and(words...)
	}
	return and(etherIs(wire.EtherTypeIPv6), dirTest(d, at(8), at(24)))
}

func (e *Host6) gen(g *gen, t, f label) { addr6Test(e.Dir, e.Addr, 128)(g, t, f) }
func (e *Net6) gen(g *gen, t, f label)  { addr6Test(e.Dir, e.Addr, e.Bits)(g, t, f) }

// EtherCast tests the destination address (IEEE 802 clause 8.2: the I/G
// bit is the least significant bit of the first octet).
func (e *EtherCast) gen(g *gen, t, f label) {
	if e.Multicast {
		load(1, abs(0), noMask, xbpf.JumpBitsSet, 1)(g, t, f)
		return
	}
	macAt(0, wire.BroadcastMAC())(g, t, f)
}

// macAt compares the 6 bytes at absolute offset off (0 dst, 6 src; MACs do
// not move with "vlan").
func macAt(off uint32, m wire.MAC) code {
	return and(load(4, abs(off+2), noMask, xbpf.JumpEqual, binary.BigEndian.Uint32(m[2:])),
		load(2, abs(off), noMask, xbpf.JumpEqual, uint32(binary.BigEndian.Uint16(m[:2]))))
}

func (e *EtherHost) gen(g *gen, t, f label) {
	dirTest(e.Dir, macAt(6, e.MAC), macAt(0, e.MAC))(g, t, f)
}

func (e *Port) gen(g *gen, t, f label) {
	protos := []uint8{ipprotoSCTP, uint8(wire.IPProtocolTCP), uint8(wire.IPProtocolUDP)}
	switch e.Proto {
	case ProtoTCP:
		protos = protos[1:2]
	case ProtoUDP:
		protos = protos[2:3]
	case ProtoSCTP:
		protos = protos[0:1]
	}
	protoIn := func(off uint32) code {
		cs := make([]code, len(protos))
		for i, p := range protos {
			cs[i] = load(1, rel(off), noMask, xbpf.JumpEqual, uint32(p))
		}
		return or(cs...)
	}
	portTest := func(ld func(off uint32, cond xbpf.JumpTest, val uint32) code, off uint32) code {
		if e.Lo == e.Hi {
			return ld(off, xbpf.JumpEqual, uint32(e.Lo))
		}
		return and(ld(off, xbpf.JumpGreaterOrEqual, uint32(e.Lo)), not(ld(off, xbpf.JumpGreaterThan, uint32(e.Hi))))
	}
	absLd := func(off uint32, cond xbpf.JumpTest, val uint32) code { return load(2, rel(off), noMask, cond, val) }
	xLd := func(off uint32, cond xbpf.JumpTest, val uint32) code { return loadX(2, rel(off), cond, val) }

	// IPv6 without extension headers: ports at a fixed offset.
	v6 := and(etherIs(wire.EtherTypeIPv6), protoIn(6), dirTest(e.Dir, portTest(absLd, 40), portTest(absLd, 42)))
	// IPv4: not a non-first fragment (RFC 791 fragment offset ≠ 0 has no
	// transport header), then X = IHL*4 and ports at [x + link].
	notLater := not(load(2, rel(6), noMask, xbpf.JumpBitsSet, 0x1fff))
	ldx := func(g *gen, t, f label) {
		g.emit(xbpf.LoadMemShift{Off: g.link})
		dirTest(e.Dir, portTest(xLd, 0), portTest(xLd, 2))(g, t, f)
	}
	v4 := and(etherIs(wire.EtherTypeIPv4), protoIn(9), notLater, ldx)
	or(v6, v4)(g, t, f)
}

func (e *VLAN) gen(g *gen, t, f label) {
	// The TPIDs libpcap accepts: 802.1Q, 802.1ad and the pre-standard 0x9100.
	isTag := or(etherIs(wire.EtherTypeVLAN), etherIs(wire.EtherTypeQinQ), etherIs(0x9100))
	if e.HasID {
		and(isTag, load(2, rel(0), 0x0fff, xbpf.JumpEqual, uint32(e.ID)))(g, t, f)
	} else {
		isTag(g, t, f)
	}
	g.link += wire.VLANTagLen // everything after "vlan" looks inside the tag
}

func (e *Len) gen(g *gen, t, f label) {
	g.emit(xbpf.LoadExtension{Num: xbpf.ExtLen})
	if e.Greater {
		g.branch(xbpf.JumpGreaterOrEqual, e.N, t, f)
	} else {
		g.branch(xbpf.JumpGreaterThan, e.N, f, t)
	}
}
