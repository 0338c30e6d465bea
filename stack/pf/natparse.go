package pf

import (
	"net/netip"
	"strings"

	"github.com/gopkt/gopkt/stack/wire"
)

// natRule reads a translation rule (doc.go has the syntax):
//
//	nat on IF [inet] [proto P] [all | [from HOST] [to HOST]] -> ((IF) | ADDR) [port LOW[:HIGH]]
//	rdr on IF [inet] [proto P] [all | [from HOST] [to HOST]] -> ADDR [port N]
func (p *parser) natRule() (*NATRule, error) {
	r := &NATRule{Src: Addr{Any: true}, Dst: Addr{Any: true}}
	switch p.next() {
	case "nat":
		r.Kind = NAT
	case "rdr":
		r.Kind = RDR
	}
	if p.next() != "on" {
		p.i--
		return nil, p.err(`"on IFNAME": a translation rule names its interface`)
	}
	if r.Interface = p.next(); r.Interface == "" || len(r.Interface) > 15 || r.Interface == "->" {
		p.i--
		return nil, p.err("an interface name after on")
	}
	var fam Family
	if err := p.match(&fam, &r.Proto, &r.Src, &r.SrcPort, &r.Dst, &r.DstPort); err != nil {
		return nil, err
	}
	if fam == Inet6 {
		return nil, &ParseError{Line: p.line, Msg: "nat and rdr translate IPv4 only"}
	}
	if p.next() != "->" {
		p.i--
		return nil, p.err(`"->" and the address to translate to`)
	}
	t := p.next()
	if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") && len(t) > 2 && r.Kind == NAT {
		r.ToIface = t[1 : len(t)-1]
	} else if a, err := netip.ParseAddr(t); err == nil && a.Is4() && !a.IsUnspecified() && !a.IsMulticast() {
		r.To = a
	} else {
		p.i--
		if r.Kind == NAT {
			return nil, p.err("an IPv4 address or (IFNAME) to translate to")
		}
		return nil, p.err("an IPv4 address to redirect to")
	}
	if p.peek() == "port" {
		p.next()
		if err := p.port(&r.ToPort); err != nil {
			return nil, err
		}
		switch {
		case r.ToPort.Op == PortRange && r.Kind == RDR:
			return nil, &ParseError{Line: p.line, Msg: "rdr redirects to one port"}
		case r.ToPort.Op != PortEq && r.ToPort.Op != PortRange:
			return nil, &ParseError{Line: p.line, Msg: "the port to translate to is N or LOW:HIGH"}
		case r.ToPort.Op == PortEq && r.Kind == NAT:
			r.ToPort = Port{Op: PortRange, Lo: r.ToPort.Lo, Hi: r.ToPort.Lo}
		}
		if r.ToPort.Lo == 0 {
			return nil, &ParseError{Line: p.line, Msg: "port 0 is not a port to translate to"}
		}
	}
	if p.i < len(p.toks) {
		return nil, p.err("end of the rule")
	}
	tcpudp := r.Proto == wire.IPProtocolTCP || r.Proto == wire.IPProtocolUDP
	if (r.SrcPort.Op != PortAny || r.DstPort.Op != PortAny || r.ToPort.Op != PortAny) && !tcpudp {
		return nil, &ParseError{Line: p.line, Msg: "ports need proto tcp or proto udp"}
	}
	if r.Proto != 0 && !tcpudp && r.Proto != wire.IPProtocolICMP {
		return nil, &ParseError{Line: p.line, Msg: "only tcp, udp and icmp (echo) are translated"}
	}
	return r, nil
}
