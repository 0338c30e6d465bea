package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// filterArg is one --filter rule for the stack's example pfil filter
// (pfil.AddrFilter), installed at one IPv4 hook point.
type filterArg struct {
	Text  string
	Point pfil.Dir // In, Out or Forward
	Rule  pfil.Rule
}

// parseFilter reads
//
//	drop [in|out|forward] [udp|tcp|icmp|proto N] [from NET] [to NET] [port N]
//
// NET is an address or ADDR/LEN; the clauses may come in any order, each
// once; the point defaults to in. "port" is the destination port and
// matches UDP and TCP only (pfil.Rule).
func parseFilter(s string) (filterArg, error) {
	f := filterArg{Text: s, Point: pfil.In}
	w := strings.Fields(s)
	if len(w) == 0 || w[0] != "drop" {
		return f, errors.New("a rule starts with drop (the example filter drops what matches and passes the rest)")
	}
	seen := map[string]bool{}
	once := func(k string) error {
		if seen[k] {
			return fmt.Errorf("%s given twice", k)
		}
		seen[k] = true
		return nil
	}
	arg := func(i int, what string) (string, error) {
		if i+1 >= len(w) {
			return "", fmt.Errorf("%s needs %s", w[i], what)
		}
		return w[i+1], nil
	}
	for i := 1; i < len(w); i++ {
		switch k := w[i]; k {
		case "in", "out", "forward":
			if err := once("direction"); err != nil {
				return f, err
			}
			f.Point = map[string]pfil.Dir{"in": pfil.In, "out": pfil.Out, "forward": pfil.Forward}[k]
		case "udp", "tcp", "icmp", "proto":
			if err := once("protocol"); err != nil {
				return f, err
			}
			switch k {
			case "udp":
				f.Rule.Proto = wire.IPProtocolUDP
			case "tcp":
				f.Rule.Proto = wire.IPProtocolTCP
			case "icmp":
				f.Rule.Proto = wire.IPProtocolICMP
			default:
				v, err := arg(i, "a protocol number")
				if err != nil {
					return f, err
				}
				n, err := strconv.Atoi(v)
				if err != nil || n < 1 || n > 255 {
					return f, fmt.Errorf("proto %s: want a protocol number from 1 to 255", v)
				}
				f.Rule.Proto = wire.IPProtocol(n)
				i++
			}
		case "from", "to":
			if err := once(k); err != nil {
				return f, err
			}
			v, err := arg(i, "an address or network (A.B.C.D or A.B.C.D/LEN)")
			if err != nil {
				return f, err
			}
			p, err := parseNet(v)
			if err != nil {
				return f, fmt.Errorf("%s %w", k, err)
			}
			if k == "from" {
				f.Rule.Src = p
			} else {
				f.Rule.Dst = p
			}
			i++
		case "port":
			if err := once(k); err != nil {
				return f, err
			}
			v, err := arg(i, "a port number")
			if err != nil {
				return f, err
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 65535 {
				return f, fmt.Errorf("port %s: want a port from 1 to 65535", v)
			}
			f.Rule.Port = uint16(n)
			i++
		default:
			return f, fmt.Errorf("unexpected %q (want in, out, forward, udp, tcp, icmp, proto N, from NET, to NET or port N)", k)
		}
	}
	if f.Rule.Port != 0 && f.Rule.Proto != 0 && f.Rule.Proto != wire.IPProtocolUDP && f.Rule.Proto != wire.IPProtocolTCP {
		return f, errors.New("port only matches udp or tcp")
	}
	return f, nil
}

func parseNet(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := parseAddr4(s)
		if err != nil {
			return netip.Prefix{}, err
		}
		return netip.PrefixFrom(a, 32), nil
	}
	p, err := parseAddrPrefix(s)
	if err != nil {
		return p, err
	}
	return p.Masked(), nil
}

// installedFilter is a --filter rule on its hook point.
type installedFilter struct {
	arg  filterArg
	name string
	head *pfil.Head
	f    *pfil.AddrFilter
}

// installFilter adds the rule to IPv4's hook point as hook "filter-N".
func installFilter(ip *ipv4.IPv4, n int, a filterArg) (*installedFilter, error) {
	head := map[pfil.Dir]*pfil.Head{pfil.In: ip.In(), pfil.Out: ip.Out(), pfil.Forward: ip.Forward()}[a.Point]
	f := pfil.NewAddrFilter(a.Rule)
	name := fmt.Sprintf("filter-%d", n)
	if err := head.Add(name, 100+n, f.Hook); err != nil {
		return nil, fmt.Errorf("--filter %q: %w", a.Text, err)
	}
	return &installedFilter{arg: a, name: name, head: head, f: f}, nil
}

func (f *installedFilter) remove() { _ = f.head.Remove(f.name) }
