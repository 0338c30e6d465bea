package bpf

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gopkt/gopkt/stack/wire"
)

// Parse parses a tcpdump-style filter expression (pcap-filter(7), the
// subset listed in doc.go). An empty or all-blank expression returns a nil
// Expr, which Compile turns into "accept everything".
//
// Grammar, as libpcap reads it: "not" binds tightest; "and" and "or" have
// equal precedence and associate left to right, so "a or b and c" is
// "(a or b) and c". A bare value after "and"/"or"/"not" reuses the
// qualifiers of the previous primitive: "host 198.18.0.1 or 198.18.0.2",
// "tcp port 80 or 443".
func Parse(expr string) (Expr, error) {
	p := &parser{expr: expr, toks: lex(expr)}
	if len(p.toks) == 0 {
		return nil, nil
	}
	e, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t, ok := p.peek(); ok {
		return nil, p.errAt(t, "unexpected "+strconv.Quote(t.text)+" after a complete expression; join terms with and/or", ErrSyntax)
	}
	return e, nil
}

type typ uint8

const (
	typNone typ = iota
	typHost
	typNet
	typPort
	typPortrange
	typProto
)

type qual struct {
	proto Proto
	dir   Dir
	typ   typ
}

type parser struct {
	expr string
	toks []token
	pos  int
	last qual // qualifiers of the previous primitive, for "host a or b"
	seen bool // last is set
}

// protoWord maps a protocol qualifier to its Proto.
func protoWord(w string) (Proto, bool) {
	switch w {
	case "ether":
		return ProtoEther, true
	case "ip", "ip4":
		return ProtoIP, true
	case "ip6":
		return ProtoIP6, true
	case "arp":
		return ProtoARP, true
	case "rarp":
		return ProtoRARP, true
	case "tcp":
		return ProtoTCP, true
	case "udp":
		return ProtoUDP, true
	case "icmp":
		return ProtoICMP, true
	case "sctp":
		return ProtoSCTP, true
	case "icmp6":
		return ProtoICMP6, true
	case "igmp":
		return ProtoIGMP, true
	}
	return ProtoAny, false
}

// typWord maps a type qualifier to its typ.
func typWord(w string) (typ, bool) {
	switch w {
	case "host":
		return typHost, true
	case "net":
		return typNet, true
	case "port":
		return typPort, true
	case "portrange":
		return typPortrange, true
	case "proto":
		return typProto, true
	}
	return typNone, false
}

// keyword reports whether w cannot be a value.
func keyword(w string) bool {
	if _, ok := protoWord(w); ok {
		return true
	}
	if _, ok := typWord(w); ok {
		return true
	}
	switch w {
	case "src", "dst", "and", "or", "not", "vlan", "less", "greater", "mask", "(", ")", "!", "&&", "||", "&", "|":
		return true
	}
	return false
}

func (p *parser) peek() (token, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return token{}, false
}

func (p *parser) peekIs(w string) bool {
	t, ok := p.peek()
	return ok && t.text == w
}

func (p *parser) next() token {
	t := p.toks[p.pos]
	p.pos++
	return t
}

func (p *parser) endOffset() int { return len(p.expr) }

func (p *parser) errAt(t token, msg string, err error) error {
	return &SyntaxError{Expr: p.expr, Offset: t.off, Msg: msg, Err: err}
}

func (p *parser) errEnd(msg string) error {
	return &SyntaxError{Expr: p.expr, Offset: p.endOffset(), Msg: msg, Err: ErrSyntax}
}

func (p *parser) parseExpr() (Expr, error) {
	x, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok {
			return x, nil
		}
		switch t.text {
		case "and", "&&":
			p.next()
			y, err := p.unary()
			if err != nil {
				return nil, err
			}
			x = &And{x, y}
		case "or", "||":
			p.next()
			y, err := p.unary()
			if err != nil {
				return nil, err
			}
			x = &Or{x, y}
		case "&", "|":
			return nil, p.errAt(t, "single "+t.text+" is not an operator; write and/&& or or/||", ErrNotSupported)
		default:
			return x, nil
		}
	}
}

func (p *parser) unary() (Expr, error) {
	t, ok := p.peek()
	if !ok {
		return nil, p.errEnd("expression ends where a term was expected")
	}
	switch t.text {
	case "not", "!":
		p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &Not{x}, nil
	case "(":
		p.next()
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		if !p.peekIs(")") {
			if t2, ok := p.peek(); ok {
				return nil, p.errAt(t2, "expected ) to close the ( at offset "+strconv.Itoa(t.off), ErrSyntax)
			}
			return nil, p.errEnd("missing ) to close the ( at offset " + strconv.Itoa(t.off))
		}
		p.next()
		return x, nil
	case ")", "and", "or", "&&", "||":
		return nil, p.errAt(t, "unexpected "+strconv.Quote(t.text)+" where a term was expected", ErrSyntax)
	}
	return p.primitive()
}

func (p *parser) primitive() (Expr, error) {
	t := p.next()
	switch t.text {
	case "vlan":
		v := &VLAN{}
		if n, ok := p.peek(); ok && !keyword(n.text) {
			p.next()
			id, err := p.number(n, 4095)
			if err != nil {
				return nil, err
			}
			v.ID, v.HasID = uint16(id), true
		}
		return v, nil
	case "less", "greater":
		n, ok := p.peek()
		if !ok || keyword(n.text) {
			return nil, p.errAt(t, t.text+" needs a length, e.g. "+t.text+" 128", ErrSyntax)
		}
		p.next()
		v, err := p.number(n, 1<<32-1)
		if err != nil {
			return nil, err
		}
		return &Len{Greater: t.text == "greater", N: uint32(v)}, nil
	case "ether":
		if n, ok := p.peek(); ok && (n.text == "broadcast" || n.text == "multicast") {
			p.next()
			p.last, p.seen = qual{proto: ProtoEther}, true
			return &EtherCast{Multicast: n.text == "multicast"}, nil
		}
	case "broadcast", "multicast", "gateway", "ip6host", "len", "inbound", "outbound", "ifname", "wlan", "type", "subtype",
		"mpls", "pppoed", "pppoes", "geneve", "atalk", "decnet", "iso", "stp", "ipx", "netbeui", "igrp", "pim",
		"vrrp", "carp", "ah", "esp", "llc", "fddi", "tr", "radio", "link", "ppp", "slip":
		return nil, p.errAt(t, strconv.Quote(t.text)+" is pcap-filter syntax this compiler does not implement (see package doc for the subset)", ErrNotSupported)
	}
	p.pos-- // reread t as a qualifier or value

	var q qual
	any := false
	if pr, ok := protoWord(t.text); ok {
		p.next()
		q.proto, any = pr, true
	}
	if p.peekIs("src") || p.peekIs("dst") {
		d := p.next()
		q.dir, any = DirSrc, true
		if d.text == "dst" {
			q.dir = DirDst
		}
		// "src or dst" / "src and dst" as one qualifier.
		if p.pos+1 < len(p.toks) {
			op, other := p.toks[p.pos].text, p.toks[p.pos+1].text
			if (op == "or" || op == "||" || op == "and" || op == "&&") && (other == "src" || other == "dst") && other != d.text {
				p.pos += 2
				q.dir = DirAny
				if op == "and" || op == "&&" {
					q.dir = DirSrcAndDst
				}
			}
		}
	}
	if n, ok := p.peek(); ok {
		if ty, ok := typWord(n.text); ok {
			p.next()
			q.typ, any = ty, true
		}
	}

	v, hasValue := p.peek()
	hasValue = hasValue && !keyword(v.text)
	if q.typ == typProto && !hasValue {
		// "ip proto tcp", "ether proto arp": names that are also keywords.
		// (tcpdump wants them escaped, "ether proto \arp"; both work here.)
		if _, ok := protoWord(v.text); ok {
			hasValue = true
		}
	}
	if !any {
		// A bare value: inherit the previous primitive's qualifiers.
		if !hasValue {
			return nil, p.errAt(t, "unexpected "+strconv.Quote(t.text), ErrSyntax)
		}
		if p.seen {
			q = p.last
		}
	}
	if !hasValue {
		if q.typ == typNone && q.dir == DirAny && q.proto != ProtoAny {
			if q.proto == ProtoEther {
				return nil, p.errAt(t, "ether needs host, src, dst or proto after it", ErrSyntax)
			}
			return &ProtoMatch{Proto: q.proto}, nil
		}
		if n, ok := p.peek(); ok {
			return nil, p.errAt(n, "expected a value, found "+strconv.Quote(n.text), ErrSyntax)
		}
		return nil, p.errEnd("expression ends where a value was expected")
	}
	p.next()
	p.last, p.seen = q, true
	return p.build(q, v)
}

func (p *parser) build(q qual, v token) (Expr, error) {
	switch q.typ {
	case typProto:
		if q.dir != DirAny {
			return nil, p.errAt(v, "src/dst do not apply to proto", ErrSyntax)
		}
		switch q.proto {
		case ProtoEther:
			n, err := p.etherType(v)
			return &EtherProto{Type: n}, err
		case ProtoAny, ProtoIP, ProtoIP6:
			n, err := p.ipProto(v)
			return &IPProto{Layer: q.proto, Num: n}, err
		}
		return nil, p.errAt(v, q.proto.String()+" proto is not meaningful; use ip proto, ip6 proto or ether proto", ErrSyntax)
	case typPort, typPortrange:
		switch q.proto {
		case ProtoAny, ProtoTCP, ProtoUDP, ProtoSCTP:
		default:
			return nil, p.errAt(v, "port applies to tcp, udp or sctp, not "+q.proto.String(), ErrSyntax)
		}
		var lo, hi uint64
		var err error
		if q.typ == typPort {
			lo, err = p.number(v, 65535)
			hi = lo
		} else {
			a, b, ok := strings.Cut(v.text, "-")
			if !ok {
				return nil, p.errAt(v, "portrange needs lo-hi, e.g. portrange 6000-6010", ErrSyntax)
			}
			lo, err = p.number(token{a, v.off}, 65535)
			if err == nil {
				hi, err = p.number(token{b, v.off + len(a) + 1}, 65535)
			}
			if err == nil && lo > hi {
				lo, hi = hi, lo // libpcap swaps a reversed range too
			}
		}
		if err != nil {
			return nil, err
		}
		return &Port{Proto: q.proto, Dir: q.dir, Lo: uint16(lo), Hi: uint16(hi)}, nil
	case typNet:
		if strings.Contains(v.text, ":") {
			if q.proto != ProtoAny && q.proto != ProtoIP6 {
				return nil, p.errAt(v, "an IPv6 net applies to ip6, not "+q.proto.String(), ErrSyntax)
			}
			pfx, err := netip.ParsePrefix(v.text)
			if err != nil || !pfx.Addr().Is6() || pfx.Addr().Zone() != "" {
				return nil, p.errAt(v, strconv.Quote(v.text)+" is not an IPv6 prefix (write 2001:db8::/32)", ErrSyntax)
			}
			if pfx.Masked() != pfx {
				return nil, p.errAt(v, "non-network bits set in "+v.text+"; did you mean "+pfx.Masked().String()+"?", ErrSyntax)
			}
			return &Net6{Dir: q.dir, Addr: pfx.Addr().As16(), Bits: pfx.Bits()}, nil
		}
		switch q.proto {
		case ProtoAny, ProtoIP, ProtoARP, ProtoRARP:
		default:
			return nil, p.errAt(v, "an IPv4 net applies to ip, arp or rarp, not "+q.proto.String(), ErrSyntax)
		}
		addr, bits, err := p.network(v)
		if err != nil {
			return nil, err
		}
		return &Net{Proto: q.proto, Dir: q.dir, Addr: addr, Bits: bits}, nil
	}
	// host (explicit or implied)
	if q.proto == ProtoEther {
		hw, err := net.ParseMAC(v.text)
		m, ok := wire.MACFrom(hw)
		if err != nil || !ok {
			return nil, p.errAt(v, strconv.Quote(v.text)+" is not a 48-bit MAC address (write aa:bb:cc:dd:ee:ff)", ErrSyntax)
		}
		if q.dir == DirSrcAndDst {
			return &And{&EtherHost{Dir: DirSrc, MAC: m}, &EtherHost{Dir: DirDst, MAC: m}}, nil
		}
		return &EtherHost{Dir: q.dir, MAC: m}, nil
	}
	a, err := netip.ParseAddr(v.text)
	if err != nil {
		if _, err := net.ParseMAC(v.text); err == nil {
			return nil, p.errAt(v, "a MAC address needs the ether qualifier: ether host "+v.text, ErrSyntax)
		}
		return nil, p.errAt(v, strconv.Quote(v.text)+" is not an IP address; host names are not resolved", ErrNotSupported)
	}
	if a.Is6() {
		if a.Zone() != "" {
			return nil, p.errAt(v, "zoned IPv6 addresses are not supported", ErrNotSupported)
		}
		if q.proto != ProtoAny && q.proto != ProtoIP6 {
			return nil, p.errAt(v, "an IPv6 host applies to ip6, not "+q.proto.String(), ErrSyntax)
		}
		return &Host6{Dir: q.dir, Addr: a.As16()}, nil
	}
	switch q.proto {
	case ProtoAny, ProtoIP, ProtoARP, ProtoRARP:
	default:
		return nil, p.errAt(v, "an IPv4 host applies to ip, arp or rarp (or ether host), not "+q.proto.String(), ErrSyntax)
	}
	return &Host{Proto: q.proto, Dir: q.dir, Addr: a.As4()}, nil
}

func (p *parser) number(t token, max uint64) (uint64, error) {
	n, err := strconv.ParseUint(t.text, 0, 64)
	if err != nil || n > max {
		return 0, p.errAt(t, strconv.Quote(t.text)+" is not a number in 0.."+strconv.FormatUint(max, 10), ErrSyntax)
	}
	return n, nil
}

func (p *parser) etherType(t token) (wire.EtherType, error) {
	switch strings.TrimPrefix(t.text, `\`) {
	case "ip":
		return wire.EtherTypeIPv4, nil
	case "ip6":
		return wire.EtherTypeIPv6, nil
	case "arp":
		return wire.EtherTypeARP, nil
	case "rarp":
		return etherTypeRARP, nil
	case "vlan":
		return wire.EtherTypeVLAN, nil
	}
	n, err := p.number(t, 0xffff)
	return wire.EtherType(n), err
}

func (p *parser) ipProto(t token) (wire.IPProtocol, error) {
	switch strings.TrimPrefix(t.text, `\`) {
	case "icmp":
		return wire.IPProtocolICMP, nil
	case "igmp":
		return wire.IPProtocolIGMP, nil
	case "tcp":
		return wire.IPProtocolTCP, nil
	case "udp":
		return wire.IPProtocolUDP, nil
	case "icmp6":
		return wire.IPProtocolICMPv6, nil
	case "sctp":
		return ipprotoSCTP, nil
	}
	n, err := p.number(t, 255)
	return wire.IPProtocol(n), err
}

// network parses "a.b.c.d/len", a short form "a", "a.b", "a.b.c" (the
// prefix length is 8 per part, as in libpcap), or "A mask M" (the mask
// token follows). Host bits outside the mask are an error, as in libpcap.
func (p *parser) network(v token) (wire.Addr4, int, error) {
	s, lenStr, hasLen := strings.Cut(v.text, "/")
	var addr wire.Addr4
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return addr, 0, p.errAt(v, strconv.Quote(s)+" is not an IPv4 network", ErrSyntax)
	}
	for i, part := range parts {
		n, err := strconv.ParseUint(part, 10, 8)
		if err != nil {
			return addr, 0, p.errAt(v, strconv.Quote(s)+" is not an IPv4 network (IPv6 networks are not supported)", ErrSyntax)
		}
		addr[i] = byte(n)
	}
	bits := 8 * len(parts)
	switch {
	case hasLen:
		n, err := strconv.ParseUint(lenStr, 10, 8)
		if err != nil || n > 32 {
			return addr, 0, p.errAt(v, "prefix length "+strconv.Quote(lenStr)+" is not in 0..32", ErrSyntax)
		}
		bits = int(n)
	case p.peekIs("mask"):
		p.next()
		mt, ok := p.peek()
		if !ok {
			return addr, 0, p.errEnd("mask needs a dotted mask, e.g. mask 255.255.0.0")
		}
		p.next()
		m, err := netip.ParseAddr(mt.text)
		if err != nil || !m.Is4() {
			return addr, 0, p.errAt(mt, strconv.Quote(mt.text)+" is not a dotted IPv4 mask", ErrSyntax)
		}
		mb := m.As4()
		mask := uint32(mb[0])<<24 | uint32(mb[1])<<16 | uint32(mb[2])<<8 | uint32(mb[3])
		bits = 0
		for mask&(1<<31) != 0 {
			bits++
			mask <<= 1
		}
		if mask != 0 {
			return addr, 0, p.errAt(mt, "non-contiguous masks are not supported", ErrNotSupported)
		}
	}
	pfx := netip.PrefixFrom(netip.AddrFrom4(addr), bits)
	if pfx.Masked().Addr() != pfx.Addr() {
		return addr, 0, p.errAt(v, "non-network bits set in "+v.text+"; did you mean "+pfx.Masked().String()+"?", ErrSyntax)
	}
	return addr, bits, nil
}
