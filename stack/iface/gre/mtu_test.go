package gre_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/gre"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// TestTunnelMTU: a router forwards a host's packets into a GRE tunnel
// whose MTU (1476) is the Ethernet MTU less the outer headers. A packet
// that fits crosses; a larger one with DF set comes back to the host as
// ICMP fragmentation needed quoting the tunnel MTU (RFC 1191 §4), and
// without DF it is fragmented before the tunnel and still arrives.
func TestTunnelMTU(t *testing.T) {
	pool := stacktest.NewPool(t, 1024)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(fwd bool) (*stack.Stack, *ipv4.IPv4, *gre.Module) {
		g := gre.New()
		ip := ipv4.New(ipv4.Options{Forwarding: fwd, Transports: []ipv4.Transport{g}})
		s, err := stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{g}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s, ip, g
	}
	attach := func(s *stack.Stack, name string, p *link.Port, a string) *stack.Interface {
		ifc, err := s.Attach(name, p, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AddAddress(ifc, netip.MustParsePrefix(a)); err != nil {
			t.Fatal(err)
		}
		return ifc
	}
	h1, r1 := link.Pair(link.Options{})
	r2, s2 := link.Pair(link.Options{B: [6]byte{2, 0, 0, 0, 0, 3}})
	t.Cleanup(func() { _ = h1.Close(); _ = r1.Close(); _ = r2.Close(); _ = s2.Close() })
	hs, hip, _ := mk(false)
	rs, _, rg := mk(true)
	ss, _, sg := mk(false)
	attach(hs, "eth0", h1, "198.18.75.2/24")
	if err := hs.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("198.18.75.1"), IfIndex: 2}); err != nil {
		t.Fatal(err)
	}
	attach(rs, "eth0", r1, "198.18.75.1/24")
	attach(rs, "eth1", r2, "198.18.70.1/24")
	attach(ss, "eth0", s2, "198.18.70.2/24")
	rt, err := rg.Add(rs, "gre0", gre.Config{Local: netip.MustParseAddr("198.18.70.1"), Remote: netip.MustParseAddr("198.18.70.2")})
	if err != nil {
		t.Fatal(err)
	}
	_ = rs.AddAddress(rt, netip.MustParsePrefix("198.18.71.1/30"))
	st, err := sg.Add(ss, "gre0", gre.Config{Local: netip.MustParseAddr("198.18.70.2"), Remote: netip.MustParseAddr("198.18.70.1")})
	if err != nil {
		t.Fatal(err)
	}
	_ = ss.AddAddress(st, netip.MustParsePrefix("198.18.71.2/30"))
	if err := ss.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("198.18.75.0/24"), Gateway: netip.MustParseAddr("198.18.71.1"), IfIndex: st.Index()}); err != nil {
		t.Fatal(err)
	}
	if rt.MTU() != 1476 {
		t.Fatalf("tunnel MTU %d, want 1476", rt.MTU())
	}
	ping := func(size int, df bool) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := hip.Ping(ctx, netip.MustParseAddr("198.18.71.2"), ipv4.PingOptions{Size: size, DF: df})
		return err
	}
	if err := ping(1476-28, true); err != nil {
		t.Errorf("a packet of the tunnel MTU with DF: %v", err)
	}
	err = ping(1476-28+1, true)
	var pe *ipv4.PingError
	if !errors.As(err, &pe) || pe.Type != wire.ICMPv4DestUnreach || pe.Code != wire.ICMPv4FragNeeded || pe.From != netip.MustParseAddr("198.18.75.1") {
		t.Errorf("one byte over the tunnel MTU with DF: %v, want fragmentation needed from the router", err)
	}
	if err := ping(3000, false); err != nil {
		t.Errorf("3000 bytes without DF (fragmented before the tunnel): %v", err)
	}
}
