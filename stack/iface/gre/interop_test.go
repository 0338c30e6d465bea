package gre_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/gif"
	"github.com/gopkt/gopkt/stack/iface/gre"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// The interop tests use addresses in 198.18.0.0/15 (RFC 2544) only, in
// namespaces and TAP devices the test creates.

// tunnelHost is one of our stacks with gre and gif modules on a TAP device
// whose Linux end is dev in ns.
type tunnelHost struct {
	s   *stack.Stack
	ip  *ipv4.IPv4
	g   *gre.Module
	gif *gif.Module
	tap *stack.Interface
	dev string
}

func newTunnelHost(t *testing.T, pool *mbuf.Pool, bg *mbuf.Budget, ns *hosttest.Namespace, tag, ours, linux string, gw string) *tunnelHost {
	t.Helper()
	h := &tunnelHost{g: gre.New(), gif: gif.New(), dev: hosttest.LinkName(tag)}
	h.ip = ipv4.New(ipv4.Options{Transports: []ipv4.Transport{h.g, h.gif}})
	var err error
	h.s, err = stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{h.ip}, Cloners: []stack.Cloner{h.g, h.gif}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.s.Close() })
	p, err := tap.Open(h.dev, pool, tap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns.TakeLink(t, h.dev, linux)
	if h.tap, err = h.s.Attach("tap0", p, stack.IfOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.s.Detach(h.tap); _ = p.Close() })
	if err := h.s.AddAddress(h.tap, netip.MustParsePrefix(ours)); err != nil {
		t.Fatal(err)
	}
	if gw != "" {
		if err := h.s.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("198.18.0.0/15"), Gateway: netip.MustParseAddr(gw), IfIndex: h.tap.Index()}); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func addr(t *testing.T, s *stack.Stack, ifc *stack.Interface, p string) {
	t.Helper()
	if err := s.AddAddress(ifc, netip.MustParsePrefix(p)); err != nil {
		t.Fatal(err)
	}
}

func pingCtx(ip *ipv4.IPv4, dst string, size int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := ip.Ping(ctx, netip.MustParseAddr(dst), ipv4.PingOptions{Size: size})
	if err == nil && r.Size != size {
		return context.DeadlineExceeded
	}
	return err
}

// TestInteropLinuxTransit: two of our stacks, each on a TAP into one Linux
// namespace that routes between them, run a gre tunnel (key 42) and a gif
// tunnel across Linux. Both sides ping through both tunnels; tcpdump in
// the namespace, the reference decoder, must read the outer packets as
// GRE with key 0x2a carrying our ICMP, and as IPv4-in-IPv4.
func TestInteropLinuxTransit(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Tcpdump)
	pool := stacktest.NewPool(t, 2048)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns := hosttest.NewNamespace(t, "gr")
	ns.Run(t, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	a := newTunnelHost(t, pool, bg, ns, "grA", "198.18.80.2/24", "198.18.80.1/24", "198.18.80.1")
	b := newTunnelHost(t, pool, bg, ns, "grB", "198.18.81.2/24", "198.18.81.1/24", "198.18.81.1")
	dump := ns.Capture(t, a.dev, "ip proto 47 or ip proto 4")
	la, lb := netip.MustParseAddr("198.18.80.2"), netip.MustParseAddr("198.18.81.2")
	for _, side := range []struct {
		h           *tunnelHost
		local, peer netip.Addr
		greA, gifA  string
	}{{a, la, lb, "198.18.82.1/30", "198.18.83.1/30"}, {b, lb, la, "198.18.82.2/30", "198.18.83.2/30"}} {
		g0, err := side.h.g.Add(side.h.s, "gre0", gre.Config{Local: side.local, Remote: side.peer, Key: 42, HasKey: true})
		if err != nil {
			t.Fatal(err)
		}
		addr(t, side.h.s, g0, side.greA)
		f0, err := side.h.gif.Add(side.h.s, "gif0", gif.Config{Local: side.local, Remote: side.peer})
		if err != nil {
			t.Fatal(err)
		}
		addr(t, side.h.s, f0, side.gifA)
	}
	for _, c := range []struct {
		from *tunnelHost
		to   string
	}{{a, "198.18.82.2"}, {b, "198.18.82.1"}, {a, "198.18.83.2"}, {b, "198.18.83.1"}} {
		for _, size := range []int{56, 1400} {
			if err := pingCtx(c.from.ip, c.to, size); err != nil {
				t.Errorf("ping %s -s %d through the tunnel: %v", c.to, size, err)
			}
		}
	}
	dump.Stop(t)
	text := dump.Text(t, "-nn", "-v")
	for _, want := range []string{
		"GREv0, Flags [key present], key=0x2a",
		"198.18.82.1 > 198.18.82.2: ICMP echo request",
		"198.18.82.2 > 198.18.82.1: ICMP echo reply",
		"198.18.83.1 > 198.18.83.2: ICMP echo request",
		"198.18.83.2 > 198.18.83.1: ICMP echo reply",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("tcpdump in the transit namespace does not show %q:\n%s", want, text)
		}
	}
	t.Run("tshark", func(t *testing.T) { hosttest.TsharkClean(t, dump.Path) })
}

// TestInteropLinuxGRE: Linux's own gre and ipip tunnels (ip link add type
// gre key 42 / type ipip) against ours over one TAP, ping both ways. It
// needs the kernel's ip_gre and ipip modules.
func TestInteropLinuxGRE(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.LinkKindGRE, hosttest.LinkKindIPIP)
	pool := stacktest.NewPool(t, 1024)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ns := hosttest.NewNamespace(t, "lg")
	h := newTunnelHost(t, pool, bg, ns, "lg", "198.18.84.2/24", "198.18.84.1/24", "")
	ns.IP(t, "link", "add", "lgre", "type", "gre", "local", "198.18.84.1", "remote", "198.18.84.2", "key", "42")
	ns.IP(t, "addr", "add", "198.18.85.1/30", "dev", "lgre")
	ns.IP(t, "link", "set", "lgre", "up")
	ns.IP(t, "link", "add", "lipip", "type", "ipip", "local", "198.18.84.1", "remote", "198.18.84.2")
	ns.IP(t, "addr", "add", "198.18.86.1/30", "dev", "lipip")
	ns.IP(t, "link", "set", "lipip", "up")
	g0, err := h.g.Add(h.s, "gre0", gre.Config{Local: netip.MustParseAddr("198.18.84.2"), Remote: netip.MustParseAddr("198.18.84.1"), Key: 42, HasKey: true})
	if err != nil {
		t.Fatal(err)
	}
	addr(t, h.s, g0, "198.18.85.2/30")
	f0, err := h.gif.Add(h.s, "gif0", gif.Config{Local: netip.MustParseAddr("198.18.84.2"), Remote: netip.MustParseAddr("198.18.84.1")})
	if err != nil {
		t.Fatal(err)
	}
	addr(t, h.s, f0, "198.18.86.2/30")
	for _, net := range []string{"85", "86"} {
		out, err := ns.Output("ping", "-c", "3", "-i", "0.2", "-w", "20", "-s", "1400", "198.18."+net+".2")
		if err != nil || !strings.Contains(out, " 0% packet loss") {
			t.Errorf("Linux pings 198.18.%s.2 through its tunnel: %v\n%s", net, err, out)
		}
		if err := pingCtx(h.ip, "198.18."+net+".1", 1400); err != nil {
			t.Errorf("we ping 198.18.%s.1: %v", net, err)
		}
	}
}
