package gif_test

import (
	"bytes"
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/gif"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

type host struct {
	s   *stack.Stack
	ip  *ipv4.IPv4
	g   *gif.Module
	eth *stack.Interface
}

func newHost(t testing.TB, pool *mbuf.Pool, bg *mbuf.Budget, p *link.Port, addr string) *host {
	t.Helper()
	g := gif.New()
	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{g}})
	s, err := stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{g}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	eth, err := s.Attach("eth0", p, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddAddress(eth, netip.MustParsePrefix(addr)); err != nil {
		t.Fatal(err)
	}
	return &host{s: s, ip: ip, g: g, eth: eth}
}

func (h *host) tunnel(t testing.TB, name string, cfg gif.Config, addr string) *stack.Interface {
	t.Helper()
	ifc, err := h.g.Add(h.s, name, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.s.AddAddress(ifc, netip.MustParsePrefix(addr)); err != nil {
		t.Fatal(err)
	}
	return ifc
}

// pair is two hosts on one link (198.18.70.1 and .2); frames on it are
// recorded.
type pair struct {
	a, b   *host
	mu     sync.Mutex
	frames [][]byte
}

func newPair(t *testing.T) *pair {
	pool := stacktest.NewPool(t, 1024)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pr := &pair{}
	pa, pb := link.Pair(link.Options{Filter: func(_ int, b *mbuf.Buf) bool {
		pr.mu.Lock()
		pr.frames = append(pr.frames, bytes.Clone(b.Bytes()))
		pr.mu.Unlock()
		return true
	}})
	t.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	pr.a = newHost(t, pool, bg, pa, "198.18.70.1/24")
	pr.b = newHost(t, pool, bg, pb, "198.18.70.2/24")
	return pr
}

var (
	addrA = netip.MustParseAddr("198.18.70.1")
	addrB = netip.MustParseAddr("198.18.70.2")
)

func ping(ip *ipv4.IPv4, dst string, size int, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, err := ip.Ping(ctx, netip.MustParseAddr(dst), ipv4.PingOptions{Size: size})
	return err
}

func TestGIFPing(t *testing.T) {
	pr := newPair(t)
	ga := pr.a.tunnel(t, "gif0", gif.Config{Local: addrA, Remote: addrB}, "198.18.74.1/30")
	pr.b.tunnel(t, "gif0", gif.Config{Local: addrB, Remote: addrA}, "198.18.74.2/30")
	if ga.MTU() != 1480 {
		t.Errorf("tunnel MTU %d, want 1480", ga.MTU())
	}
	for _, size := range []int{56, 1452, 3000} {
		if err := ping(pr.a.ip, "198.18.74.2", size, 5*time.Second); err != nil {
			t.Errorf("ping -s %d through the tunnel: %v", size, err)
		}
	}
	if err := ping(pr.b.ip, "198.18.74.1", 56, 5*time.Second); err != nil {
		t.Errorf("ping back: %v", err)
	}
	pr.mu.Lock()
	n := 0
	for _, f := range pr.frames {
		e := wire.Ethernet(f)
		if e.Type() != wire.EtherTypeIPv4 {
			continue
		}
		outer := wire.IPv4(e.Payload())
		if outer.Protocol() != wire.IPProtocolIPIP {
			continue
		}
		n++
		inner, err := wire.NewIPv4(e.Payload()[outer.HeaderLen():])
		if err != nil || inner.Protocol() != wire.IPProtocolICMP {
			t.Errorf("inner packet: %v", err)
		}
		if outer.Src() != addrA.As4() && outer.Src() != addrB.As4() {
			t.Errorf("outer source %v", outer.Src())
		}
	}
	pr.mu.Unlock()
	if n < 8 {
		t.Errorf("%d IPIP packets on the wire", n)
	}
	if st, _ := gif.Tunnel(ga); st.TxPackets == 0 || st.RxPackets == 0 || st.RxErrors != 0 {
		t.Errorf("counters %+v", st)
	}
}

func TestGIFMalformedUnknownAndLoop(t *testing.T) {
	pr := newPair(t)
	gb := pr.b.tunnel(t, "gif0", gif.Config{Local: addrB, Remote: addrA}, "198.18.74.2/30")
	// Protocol 4 whose payload is not an IPv4 header.
	pkt, err := pr.a.ip.NewPacket(0, []byte{0x60, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := pr.a.ip.Output(pkt, ipv4.Header{Dst: addrB.As4(), Protocol: wire.IPProtocolIPIP}); err != nil {
		t.Fatal(err)
	}
	if !stacktest.Eventually(2*time.Second, func() bool { st, _ := gif.Tunnel(gb); return st.RxErrors == 1 }) {
		st, _ := gif.Tunnel(gb)
		t.Errorf("malformed inner packet: %+v", st)
	}
	// From an address no tunnel serves.
	if err := pr.b.s.AddAddress(pr.b.eth, netip.MustParsePrefix("198.18.70.3/24")); err != nil {
		t.Fatal(err)
	}
	pkt, _ = pr.a.ip.NewPacket(0, make([]byte, 20))
	_ = pr.a.ip.Output(pkt, ipv4.Header{Dst: netip.MustParseAddr("198.18.70.3").As4(), Protocol: wire.IPProtocolIPIP})
	if !stacktest.Eventually(2*time.Second, func() bool { return pr.b.g.Stats().NoTunnel >= 1 }) {
		t.Errorf("packet for no tunnel not counted: %+v", pr.b.g.Stats())
	}
	loop := pr.a.tunnel(t, "gif1", gif.Config{Local: addrA, Remote: netip.MustParseAddr("198.18.72.9")}, "198.18.73.1/30")
	if err := pr.a.s.Routes.Add(route.Route{Prefix: netip.MustParsePrefix("198.18.72.9/32"), IfIndex: loop.Index()}); err != nil {
		t.Fatal(err)
	}
	if err := ping(pr.a.ip, "198.18.73.2", 56, 500*time.Millisecond); err == nil {
		t.Error("ping through a looped tunnel succeeded")
	}
	if st, _ := gif.Tunnel(loop); st.TxLoops == 0 {
		t.Errorf("loop not counted: %+v", st)
	}
	if err := pr.a.s.Destroy("gif1"); err != nil {
		t.Fatal(err)
	}
}
