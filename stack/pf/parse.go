package pf

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/gopkt/gopkt/stack/wire"
)

// Parse reads a rules text (the syntax is in doc.go) into its ordered
// filter rules; ParseRuleset also returns the translation rules. It never
// panics on any input; the first error is a *ParseError.
func Parse(text string) ([]*Rule, error) {
	rs, err := ParseRuleset(text)
	if err != nil {
		return nil, err
	}
	return rs.rules, nil
}

// ParseRuleset reads a rules text into a rule set: the filter rules and the
// nat and rdr rules, each in order.
func ParseRuleset(text string) (*Ruleset, error) {
	rs := &Ruleset{}
	for i, line := range strings.Split(text, "\n") {
		if c := strings.IndexByte(line, '#'); c >= 0 {
			line = line[:c]
		}
		toks := strings.Fields(line)
		if len(toks) == 0 {
			continue
		}
		p := &parser{toks: toks, line: i + 1}
		if toks[0] == "nat" || toks[0] == "rdr" {
			r, err := p.natRule()
			if err != nil {
				return nil, err
			}
			r.Line, r.Text = i+1, strings.Join(toks, " ")
			rs.nats = append(rs.nats, r)
			continue
		}
		r, err := p.rule()
		if err != nil {
			return nil, err
		}
		r.Line, r.Text = i+1, strings.Join(toks, " ")
		rs.rules = append(rs.rules, r)
	}
	return rs, nil
}

type parser struct {
	toks []string
	i    int
	line int
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *parser) next() string {
	t := p.peek()
	if p.i < len(p.toks) {
		p.i++
	}
	return t
}

func (p *parser) err(msg string) error {
	return &ParseError{Line: p.line, Token: p.peek(), Msg: msg}
}

func (p *parser) rule() (*Rule, error) {
	r := &Rule{ICMPType: -1, ICMPCode: -1, Src: Addr{Any: true}, Dst: Addr{Any: true}}
	switch p.next() {
	case "pass":
		r.Action, r.KeepState = Pass, true // pf keeps state on pass rules by default
	case "block":
		r.Action = Block
		if p.peek() == "drop" {
			p.next()
		}
	default:
		p.i--
		return nil, p.err(`a rule starts with "pass", "block", "nat" or "rdr"`)
	}
	switch p.peek() {
	case "in":
		r.Dir = In
		p.next()
	case "out":
		r.Dir = Out
		p.next()
	}
	if p.peek() == "quick" {
		r.Quick = true
		p.next()
	}
	if p.peek() == "on" {
		p.next()
		name := p.next()
		if name == "" || len(name) > 15 {
			p.i--
			return nil, p.err("an interface name after on")
		}
		r.Interface = name
	}
	if err := p.match(&r.Family, &r.Proto, &r.Src, &r.SrcPort, &r.Dst, &r.DstPort); err != nil {
		return nil, err
	}
	icmp6Type := false
	for p.i < len(p.toks) {
		switch p.next() {
		case "flags":
			if err := p.flags(r); err != nil {
				return nil, err
			}
		case "icmp-type":
			if err := p.icmpType(r, icmpTypeName); err != nil {
				return nil, err
			}
		case "icmp6-type":
			if err := p.icmpType(r, icmp6TypeName); err != nil {
				return nil, err
			}
			icmp6Type = true
		case "keep":
			if p.next() != "state" {
				p.i--
				return nil, p.err(`"state" after keep`)
			}
			r.KeepState = true
		case "no":
			if p.next() != "state" {
				p.i--
				return nil, p.err(`"state" after no`)
			}
			r.KeepState = false
		default:
			p.i--
			return nil, p.err("flags, icmp-type, icmp6-type, keep state or no state")
		}
	}
	if (r.SrcPort.Op != PortAny || r.DstPort.Op != PortAny) && r.Proto != wire.IPProtocolTCP && r.Proto != wire.IPProtocolUDP {
		return nil, &ParseError{Line: p.line, Msg: "ports need proto tcp or proto udp"}
	}
	if r.FlagsMask != 0 && r.Proto != wire.IPProtocolTCP {
		return nil, &ParseError{Line: p.line, Msg: "flags need proto tcp"}
	}
	if r.ICMPType >= 0 && !icmp6Type && r.Proto != wire.IPProtocolICMP {
		return nil, &ParseError{Line: p.line, Msg: "icmp-type needs proto icmp"}
	}
	if icmp6Type && r.Proto != wire.IPProtocolICMPv6 {
		return nil, &ParseError{Line: p.line, Msg: "icmp6-type needs proto icmp6"}
	}
	return r, nil
}

// match reads what filter and translation rules share after the
// interface: [inet | inet6] [proto PROTO] [all | [from HOST] [to HOST]].
// The family is that of the addresses and of icmp (inet) or icmp6
// (inet6) when those name one; they must agree with each other and with
// an inet or inet6 given.
func (p *parser) match(fam *Family, proto *wire.IPProtocol, src *Addr, srcPort *Port, dst *Addr, dstPort *Port) error {
	switch p.peek() {
	case "inet":
		*fam = Inet
		p.next()
	case "inet6":
		*fam = Inet6
		p.next()
	}
	if err := p.matchRest(proto, src, srcPort, dst, dstPort); err != nil {
		return err
	}
	implied := func(f Family, what string) error {
		switch {
		case *fam == AnyFamily:
			*fam = f
		case *fam != f:
			return &ParseError{Line: p.line, Msg: what + " is " + f.String() + ", the rule " + fam.String()}
		}
		return nil
	}
	switch *proto {
	case wire.IPProtocolICMP:
		if err := implied(Inet, "proto icmp"); err != nil {
			return err
		}
	case wire.IPProtocolICMPv6:
		if err := implied(Inet6, "proto icmp6"); err != nil {
			return err
		}
	}
	for _, a := range []*Addr{src, dst} {
		if a.Any {
			continue
		}
		f := Inet
		if a.Prefix.Addr().Is6() {
			f = Inet6
		}
		if err := implied(f, a.Prefix.String()); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) matchRest(proto *wire.IPProtocol, src *Addr, srcPort *Port, dst *Addr, dstPort *Port) error {
	if p.peek() == "proto" {
		p.next()
		pr, err := p.proto()
		if err != nil {
			return err
		}
		*proto = pr
	}
	switch p.peek() {
	case "all":
		p.next()
	case "from", "to":
		if p.peek() == "from" {
			p.next()
			if err := p.host(src, srcPort); err != nil {
				return err
			}
		}
		if p.peek() == "to" {
			p.next()
			if err := p.host(dst, dstPort); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *parser) proto() (wire.IPProtocol, error) {
	t := p.next()
	switch t {
	case "tcp":
		return wire.IPProtocolTCP, nil
	case "udp":
		return wire.IPProtocolUDP, nil
	case "icmp":
		return wire.IPProtocolICMP, nil
	case "icmp6", "ipv6-icmp":
		return wire.IPProtocolICMPv6, nil
	case "gre":
		return wire.IPProtocolGRE, nil
	case "ipencap":
		return wire.IPProtocolIPIP, nil
	}
	n, err := strconv.ParseUint(t, 10, 8)
	if err != nil || n == 0 {
		p.i--
		return 0, p.err("tcp, udp, icmp, icmp6, gre, ipencap or a protocol number 1..255")
	}
	return wire.IPProtocol(n), nil
}

// host reads HOST after from or to: an address part and an optional
// port, or a port alone ("to port 22"), which pf's grammar allows and
// means any address.
func (p *parser) host(a *Addr, port *Port) error {
	t := p.next()
	if t == "port" {
		a.Any = true
		return p.port(port)
	}
	if t == "!" {
		a.Not = true
		t = p.next()
	} else if strings.HasPrefix(t, "!") {
		a.Not, t = true, t[1:]
	}
	switch {
	case t == "any" && !a.Not:
		a.Any = true
	case t == "any" || t == "":
		p.i--
		return p.err("an address or prefix")
	default:
		pf, err := netip.ParsePrefix(t)
		if err != nil {
			ad, err2 := netip.ParseAddr(t)
			if err2 != nil || ad.Zone() != "" {
				p.i--
				return p.err("an IPv4 or IPv6 address or prefix (198.18.0.0/15, 2001:db8::/32), or any")
			}
			pf = netip.PrefixFrom(ad, ad.BitLen())
		}
		if pf.Addr().Is4In6() {
			p.i--
			return p.err("an IPv4 prefix in IPv4 form, not IPv4-mapped")
		}
		a.Any, a.Prefix = false, pf.Masked()
	}
	if p.peek() == "port" {
		p.next()
		return p.port(port)
	}
	return nil
}

func (p *parser) port(port *Port) error {
	op := PortEq
	switch p.peek() {
	case "=":
		p.next()
	case "!=":
		op = PortNe
		p.next()
	case "<":
		op = PortLt
		p.next()
	case ">":
		op = PortGt
		p.next()
	}
	t := p.next()
	if lo, hi, ok := strings.Cut(t, ":"); ok && op == PortEq {
		l, e1 := strconv.ParseUint(lo, 10, 16)
		h, e2 := strconv.ParseUint(hi, 10, 16)
		if e1 != nil || e2 != nil || l > h {
			p.i--
			return p.err("a port range LOW:HIGH")
		}
		*port = Port{Op: PortRange, Lo: uint16(l), Hi: uint16(h)}
		return nil
	}
	n, err := strconv.ParseUint(t, 10, 16)
	if err != nil {
		p.i--
		return p.err("a port number 0..65535")
	}
	*port = Port{Op: op, Lo: uint16(n)}
	return nil
}

// tcpFlagBits maps pf's flag letters to TCP header bits (RFC 9293 §3.1,
// RFC 3168 for E and W).
func tcpFlagBits(s string) (uint8, bool) {
	var b uint8
	for _, c := range s {
		switch c {
		case 'F':
			b |= 0x01
		case 'S':
			b |= 0x02
		case 'R':
			b |= 0x04
		case 'P':
			b |= 0x08
		case 'A':
			b |= 0x10
		case 'U':
			b |= 0x20
		case 'E':
			b |= 0x40
		case 'W':
			b |= 0x80
		default:
			return 0, false
		}
	}
	return b, true
}

func (p *parser) flags(r *Rule) error {
	t := p.next()
	if t == "any" {
		r.Flags, r.FlagsMask = 0, 0
		return nil
	}
	set, mask, ok := strings.Cut(t, "/")
	f, ok1 := tcpFlagBits(set)
	m, ok2 := tcpFlagBits(mask)
	if !ok || !ok1 || !ok2 || m == 0 || f&^m != 0 {
		p.i--
		return p.err("flags SET/MASK with letters FSRPAUEW, SET within MASK (flags S/SA)")
	}
	r.Flags, r.FlagsMask = f, m
	return nil
}

// icmpTypeName maps pf's ICMP type names to RFC 792 / RFC 1256 numbers.
func icmpTypeName(s string) (int, bool) {
	switch s {
	case "echorep":
		return 0, true
	case "unreach":
		return 3, true
	case "squench":
		return 4, true
	case "redir":
		return 5, true
	case "echoreq":
		return 8, true
	case "routeradv":
		return 9, true
	case "routersol":
		return 10, true
	case "timex":
		return 11, true
	case "paramprob":
		return 12, true
	}
	return 0, false
}

// icmp6TypeName maps pf's ICMPv6 type names to RFC 4443, RFC 4861 and
// RFC 3810 numbers.
func icmp6TypeName(s string) (int, bool) {
	switch s {
	case "unreach":
		return 1, true
	case "toobig":
		return 2, true
	case "timex":
		return 3, true
	case "paramprob":
		return 4, true
	case "echoreq":
		return 128, true
	case "echorep":
		return 129, true
	case "groupqry":
		return 130, true
	case "grouprep":
		return 131, true
	case "groupterm":
		return 132, true
	case "routersol":
		return 133, true
	case "routeradv":
		return 134, true
	case "neighbrsol":
		return 135, true
	case "neighbradv":
		return 136, true
	case "redir":
		return 137, true
	}
	return 0, false
}

func (p *parser) icmpType(r *Rule, names func(string) (int, bool)) error {
	t := p.next()
	n, ok := names(t)
	if !ok {
		v, err := strconv.ParseUint(t, 10, 8)
		if err != nil {
			p.i--
			return p.err("an ICMP type: a number or echoreq, echorep, unreach, timex, ...")
		}
		n = int(v)
	}
	r.ICMPType = n
	if p.peek() == "code" {
		p.next()
		v, err := strconv.ParseUint(p.next(), 10, 8)
		if err != nil {
			p.i--
			return p.err("an ICMP code 0..255")
		}
		r.ICMPCode = int(v)
	}
	return nil
}
