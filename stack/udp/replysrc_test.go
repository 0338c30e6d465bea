package udp_test

import (
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/udp"
)

// TestWildcardReplySource: B has two addresses on one interface
// (198.18.0.2, the primary, and 198.18.0.3). A request to .3 on a socket
// bound to 0.0.0.0 is answered from .3 (RFC 1122 §4.1.3.5), so A's
// socket connected to .3 accepts it; one to .2 from .2. A dual-stack
// [::] socket does the same for IPv4 peers.
func TestWildcardReplySource(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, b, _, ib := stacktest.Pair(t, pool, stacktest.Config{})
	if err := b.S.AddAddress(ib, netip.MustParsePrefix("198.18.0.3/24")); err != nil {
		t.Fatal(err)
	}
	for _, bind := range []string{"0.0.0.0:7", "[::]:8"} {
		srv, err := b.UDP.ListenPacket(netip.MustParseAddrPort(bind))
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			buf := make([]byte, 64)
			for {
				n, from, err := srv.ReadFromUDPAddrPort(buf)
				if err != nil {
					return
				}
				if _, err := srv.WriteToUDPAddrPort(buf[:n], from); err != nil {
					t.Error(err)
				}
			}
		}()
		port := netip.MustParseAddrPort(bind).Port()
		for _, dst := range []string{"198.18.0.3", "198.18.0.2", "198.18.0.3"} {
			c, err := a.UDP.Dial(netip.AddrPort{}, netip.AddrPortFrom(netip.MustParseAddr(dst), port))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Write([]byte("ping " + dst)); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
			buf := make([]byte, 64)
			n, err := c.Read(buf) // connected: only a reply from dst gets here
			if err != nil || string(buf[:n]) != "ping "+dst {
				t.Errorf("socket on %s, request to %s: reply %q, %v", bind, dst, buf[:n], err)
			}
			c.Close()
		}
		srv.Close()
	}
}

// TestWildcardReplySource6 is the same over IPv6: B has 2001:db8::2 and
// 2001:db8::3; a [::] socket answers each from the address it was asked
// on.
func TestWildcardReplySource6(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := link.Pair(link.Options{})
	t.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	mk := func(p *link.Port, addrs ...string) *udp.UDP {
		u := udp.New(udp.Options{})
		ip6 := ipv6.New(ipv6.Options{Transports: []ipv6.Transport{u.V6()}, DADTransmits: -1})
		s, err := stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{ipv4.New(ipv4.Options{Transports: []ipv4.Transport{u}}), ip6}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		ifc, err := s.Attach("eth0", p, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range addrs {
			if err := ip6.AddAddress(ifc, netip.MustParsePrefix(a)); err != nil {
				t.Fatal(err)
			}
		}
		return u
	}
	a := mk(pa, "2001:db8::1/64")
	b := mk(pb, "2001:db8::2/64", "2001:db8::3/64")
	srv, err := b.ListenPacket(netip.MustParseAddrPort("[::]:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() {
		buf := make([]byte, 64)
		for {
			n, from, err := srv.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = srv.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	for _, dst := range []string{"2001:db8::3", "2001:db8::2", "2001:db8::3", "2001:db8::2"} {
		c, err := a.Dial(netip.AddrPort{}, netip.AddrPortFrom(netip.MustParseAddr(dst), 9))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Write([]byte("ping " + dst)); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != "ping "+dst {
			t.Errorf("request to %s: reply %q, %v", dst, buf[:n], err)
		}
		c.Close()
	}
}
