package bpf

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/gopkt/gopkt/stack/wire"
)

// Expr is a node of a parsed filter expression. The concrete types are the
// boolean nodes And, Or, Not and the primitives below; String prints the
// canonical (fully qualified, parenthesised) form.
type Expr interface {
	String() string
	gen(g *gen, t, f label)
}

// And is "X and Y".
type And struct{ X, Y Expr }

// Or is "X or Y".
type Or struct{ X, Y Expr }

// Not is "not X".
type Not struct{ X Expr }

func (e *And) String() string { return "(" + e.X.String() + " and " + e.Y.String() + ")" }
func (e *Or) String() string  { return "(" + e.X.String() + " or " + e.Y.String() + ")" }
func (e *Not) String() string { return "not " + e.X.String() }

// Proto is a protocol qualifier or a standalone protocol primitive.
type Proto uint8

// Protocols the compiler knows (pcap-filter(7) "proto" qualifiers).
const (
	ProtoAny Proto = iota
	ProtoEther
	ProtoIP
	ProtoIP6
	ProtoARP
	ProtoRARP
	ProtoTCP
	ProtoUDP
	ProtoICMP
	ProtoSCTP
	ProtoICMP6
	ProtoIGMP
)

func (p Proto) String() string {
	switch p {
	case ProtoEther:
		return "ether"
	case ProtoIP:
		return "ip"
	case ProtoIP6:
		return "ip6"
	case ProtoARP:
		return "arp"
	case ProtoRARP:
		return "rarp"
	case ProtoTCP:
		return "tcp"
	case ProtoUDP:
		return "udp"
	case ProtoICMP:
		return "icmp"
	case ProtoSCTP:
		return "sctp"
	case ProtoICMP6:
		return "icmp6"
	case ProtoIGMP:
		return "igmp"
	}
	return ""
}

// Dir is a direction qualifier.
type Dir uint8

// Directions (pcap-filter(7) "dir" qualifiers). DirAny is "src or dst".
const (
	DirAny Dir = iota
	DirSrc
	DirDst
	DirSrcAndDst
)

func (d Dir) prefix() string {
	switch d {
	case DirSrc:
		return "src "
	case DirDst:
		return "dst "
	case DirSrcAndDst:
		return "src and dst "
	}
	return ""
}

func qualPrefix(p Proto, d Dir) string {
	s := p.String()
	if s != "" {
		s += " "
	}
	return s + d.prefix()
}

// ProtoMatch is a standalone protocol: "ip", "ip6", "arp", "rarp", "tcp",
// "udp", "icmp", "sctp", "icmp6", "igmp".
type ProtoMatch struct{ Proto Proto }

func (e *ProtoMatch) String() string { return e.Proto.String() }

// Host is "[ip|arp|rarp] [src|dst] host A" for an IPv4 address. Without a
// protocol it matches IPv4, ARP and RARP packets, as libpcap does.
type Host struct {
	Proto Proto // ProtoAny, ProtoIP, ProtoARP, ProtoRARP
	Dir   Dir
	Addr  wire.Addr4
}

func (e *Host) String() string {
	return qualPrefix(e.Proto, e.Dir) + "host " + netip.AddrFrom4(e.Addr).String()
}

// Net is "[ip|arp|rarp] [src|dst] net A/len" (or "net A mask M").
type Net struct {
	Proto Proto
	Dir   Dir
	Addr  wire.Addr4
	Bits  int // prefix length; the mask is contiguous
}

func (e *Net) String() string {
	return qualPrefix(e.Proto, e.Dir) + "net " + netip.PrefixFrom(netip.AddrFrom4(e.Addr), e.Bits).String()
}

// Host6 is "[ip6] [src|dst] host A" for an IPv6 address.
type Host6 struct {
	Dir  Dir
	Addr [16]byte
}

func (e *Host6) String() string {
	return "ip6 " + e.Dir.prefix() + "host " + netip.AddrFrom16(e.Addr).String()
}

// Net6 is "[ip6] [src|dst] net A/len" for an IPv6 prefix.
type Net6 struct {
	Dir  Dir
	Addr [16]byte
	Bits int
}

func (e *Net6) String() string {
	return "ip6 " + e.Dir.prefix() + "net " + netip.PrefixFrom(netip.AddrFrom16(e.Addr), e.Bits).String()
}

// EtherCast is "ether broadcast" or "ether multicast" (the destination's
// I/G bit; broadcast is multicast too).
type EtherCast struct{ Multicast bool }

func (e *EtherCast) String() string {
	if e.Multicast {
		return "ether multicast"
	}
	return "ether broadcast"
}

// EtherHost is "ether [src|dst] host M".
type EtherHost struct {
	Dir Dir
	MAC wire.MAC
}

func (e *EtherHost) String() string { return "ether " + e.Dir.prefix() + "host " + e.MAC.String() }

// Port is "[tcp|udp|sctp] [src|dst] port N" (Lo == Hi) or "… portrange
// Lo-Hi". Without a protocol it matches TCP, UDP and SCTP, over IPv4
// (unfragmented or first fragment) and IPv6 (no extension headers), as
// libpcap does.
type Port struct {
	Proto  Proto // ProtoAny, ProtoTCP, ProtoUDP, ProtoSCTP
	Dir    Dir
	Lo, Hi uint16
}

func (e *Port) String() string {
	if e.Lo == e.Hi {
		return qualPrefix(e.Proto, e.Dir) + "port " + strconv.Itoa(int(e.Lo))
	}
	return qualPrefix(e.Proto, e.Dir) + "portrange " + strconv.Itoa(int(e.Lo)) + "-" + strconv.Itoa(int(e.Hi))
}

// IPProto is "[ip|ip6] proto N". Without a layer it matches both.
type IPProto struct {
	Layer Proto // ProtoAny, ProtoIP, ProtoIP6
	Num   wire.IPProtocol
}

func (e *IPProto) String() string {
	return qualPrefix(e.Layer, DirAny) + "proto " + strconv.Itoa(int(e.Num))
}

// EtherProto is "ether proto N".
type EtherProto struct{ Type wire.EtherType }

func (e *EtherProto) String() string { return fmt.Sprintf("ether proto %#04x", uint16(e.Type)) }

// VLAN is "vlan [ID]". As in libpcap, it also moves the offsets of every
// primitive that follows it in the expression 4 bytes further in.
type VLAN struct {
	ID    uint16
	HasID bool
}

func (e *VLAN) String() string {
	if e.HasID {
		return "vlan " + strconv.Itoa(int(e.ID))
	}
	return "vlan"
}

// Len is "less N" (length ≤ N) or "greater N" (length ≥ N), the length
// being that of the captured frame.
type Len struct {
	Greater bool
	N       uint32
}

func (e *Len) String() string {
	if e.Greater {
		return "greater " + strconv.FormatUint(uint64(e.N), 10)
	}
	return "less " + strconv.FormatUint(uint64(e.N), 10)
}
