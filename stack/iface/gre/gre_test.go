package gre_test

import (
	"bytes"
	"context"
	"net/netip"
	"sync"
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

type host struct {
	s   *stack.Stack
	ip  *ipv4.IPv4
	g   *gre.Module
	eth *stack.Interface
}

func newHost(t testing.TB, pool *mbuf.Pool, bg *mbuf.Budget, p *link.Port, addr string) *host {
	t.Helper()
	g := gre.New()
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

func (h *host) tunnel(t testing.TB, name string, cfg gre.Config, addr string) *stack.Interface {
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

func TestGREPingWithKey(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  gre.Config
		hdr  []byte // GRE header expected on the wire (sequence number zeroed)
	}{
		{"plain", gre.Config{}, []byte{0x00, 0x00, 0x08, 0x00}},
		{"key", gre.Config{Key: 42, HasKey: true}, []byte{0x20, 0x00, 0x08, 0x00, 0, 0, 0, 42}},
		{"key-seq-csum", gre.Config{Key: 7, HasKey: true, Seq: true, Checksum: true}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			pr := newPair(t)
			ca, cb := c.cfg, c.cfg
			ca.Local, ca.Remote = addrA, addrB
			cb.Local, cb.Remote = addrB, addrA
			ga := pr.a.tunnel(t, "gre0", ca, "198.18.71.1/30")
			gb := pr.b.tunnel(t, "gre0", cb, "198.18.71.2/30")
			if ga.MTU() != 1500-20-(4+map[bool]int{false: 0, true: 4}[c.cfg.HasKey]+map[bool]int{false: 0, true: 4}[c.cfg.Seq]+map[bool]int{false: 0, true: 4}[c.cfg.Checksum]) {
				t.Errorf("tunnel MTU %d", ga.MTU())
			}
			for _, size := range []int{56, 1400, 3000} { // 3000: fragmented inside the tunnel
				if err := ping(pr.a.ip, "198.18.71.2", size, 5*time.Second); err != nil {
					t.Errorf("ping -s %d through the tunnel: %v", size, err)
				}
			}
			if err := ping(pr.b.ip, "198.18.71.1", 56, 5*time.Second); err != nil {
				t.Errorf("ping back: %v", err)
			}
			sa, _ := gre.Tunnel(ga)
			sb, _ := gre.Tunnel(gb)
			if sa.TxPackets == 0 || sa.RxPackets == 0 || sb.RxErrors != 0 || sa.TxLoops != 0 {
				t.Errorf("tunnel counters a %+v b %+v", sa, sb)
			}
			// On the wire: outer IPv4 with protocol 47, the GRE header, then
			// the inner IPv4 packet.
			pr.mu.Lock()
			defer pr.mu.Unlock()
			n := 0
			for _, f := range pr.frames {
				e := wire.Ethernet(f)
				if e.Type() != wire.EtherTypeIPv4 {
					continue
				}
				ip := wire.IPv4(e.Payload())
				if ip.Protocol() != wire.IPProtocolGRE {
					continue
				}
				n++
				g, err := wire.NewGRE(e.Payload()[ip.HeaderLen():])
				if err != nil {
					t.Fatalf("GRE on the wire: %v", err)
				}
				if c.hdr != nil && !bytes.Equal(g[:g.HeaderLen()], c.hdr) {
					t.Errorf("GRE header % x, want % x", g[:g.HeaderLen()], c.hdr)
				}
				if !g.ChecksumValid() {
					t.Error("GRE checksum does not verify")
				}
				if inner := g.Payload(); len(inner) < 20 || inner[0]>>4 != 4 {
					t.Errorf("inner packet % x", inner[:min(len(inner), 20)])
				}
			}
			if n < 8 {
				t.Errorf("%d GRE packets on the wire", n)
			}
		})
	}
}

func TestKeyMismatchMalformedAndLoop(t *testing.T) {
	pr := newPair(t)
	pr.a.tunnel(t, "gre0", gre.Config{Local: addrA, Remote: addrB, Key: 1, HasKey: true}, "198.18.71.1/30")
	pr.b.tunnel(t, "gre0", gre.Config{Local: addrB, Remote: addrA, Key: 2, HasKey: true}, "198.18.71.2/30")
	if err := ping(pr.a.ip, "198.18.71.2", 56, 300*time.Millisecond); err == nil {
		t.Error("ping across mismatched keys")
	}
	if st := pr.b.g.Stats(); st.NoTunnel == 0 {
		t.Errorf("packets with the wrong key not counted: %+v", st)
	}
	// Malformed GRE (version 1) from A's address to B.
	before := pr.b.g.Stats().Malformed
	raw := append([]byte{0x00, 0x01, 0x88, 0x0b}, make([]byte, 20)...)
	pkt, err := pr.a.ip.NewPacket(0, raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := pr.a.ip.Output(pkt, ipv4.Header{Dst: addrB.As4(), Protocol: wire.IPProtocolGRE}); err != nil {
		t.Fatal(err)
	}
	if !stacktest.Eventually(2*time.Second, func() bool { return pr.b.g.Stats().Malformed > before }) {
		t.Error("malformed GRE not counted")
	}
	// A tunnel whose remote is routed into itself: every frame is counted
	// and dropped, nothing recurses or hangs.
	loop := pr.a.tunnel(t, "gre1", gre.Config{Local: addrA, Remote: netip.MustParseAddr("198.18.72.9")}, "198.18.73.1/30")
	if err := pr.a.s.Routes.Add(route.Route{Prefix: netip.MustParsePrefix("198.18.72.9/32"), IfIndex: loop.Index()}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ping(pr.a.ip, "198.18.73.2", 56, 500*time.Millisecond) }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("ping through a looped tunnel succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ping through a looped tunnel hangs")
	}
	if st, _ := gre.Tunnel(loop); st.TxLoops == 0 {
		t.Errorf("loop not counted: %+v", st)
	}
	// Destroy at runtime; the other tunnel is untouched.
	if err := pr.a.s.Destroy("gre1"); err != nil {
		t.Fatal(err)
	}
}
