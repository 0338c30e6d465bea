package ipv6_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
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

// host is one stack with IPv4 and IPv6.
type host struct {
	s   *stack.Stack
	ip6 *ipv6.IPv6
	ifc *stack.Interface
	udp *udp.UDP
}

func newHost(tb testing.TB, pool *mbuf.Pool, bg *mbuf.Budget, o ipv6.Options) *host {
	tb.Helper()
	u := udp.New(udp.Options{})
	o.Transports = append(o.Transports, u.V6())
	ip6 := ipv6.New(o)
	s, err := stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{ipv4.New(ipv4.Options{Transports: []ipv4.Transport{u}}), ip6}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = s.Close()
		hold, reass := ip6.Quotas()
		for _, q := range []*mbuf.Quota{hold, reass} {
			if n := q.InUse(); n != 0 {
				tb.Errorf("quota %s: %d mbufs still charged after close", q.Name(), n)
			}
		}
	})
	return &host{s: s, ip6: ip6, udp: u}
}

// pair builds two hosts on one link: A has 2001:db8::1/64, B 2001:db8::2/64.
func pair(tb testing.TB, lo link.Options, o ipv6.Options) (a, b *host) {
	tb.Helper()
	pool := stacktest.NewPool(tb, 2048)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	pa, pb := link.Pair(lo)
	tb.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	a, b = newHost(tb, pool, bg, o), newHost(tb, pool, bg, o)
	for _, x := range []struct {
		h    *host
		p    *link.Port
		addr string
	}{{a, pa, "2001:db8::1/64"}, {b, pb, "2001:db8::2/64"}} {
		ifc, err := x.h.s.Attach("eth0", x.p, stack.IfOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		if err := x.h.ip6.AddAddress(ifc, netip.MustParsePrefix(x.addr)); err != nil {
			tb.Fatal(err)
		}
		x.h.ifc = ifc
	}
	for _, x := range []struct {
		h    *host
		addr string
	}{{a, "2001:db8::1"}, {b, "2001:db8::2"}} {
		waitDAD(tb, x.h, netip.MustParseAddr(x.addr), ipv6.LinkLocal(x.h.ifc.MAC()))
	}
	return a, b
}

// waitDAD waits for duplicate address detection of addrs on h.ifc.
func waitDAD(tb testing.TB, h *host, addrs ...netip.Addr) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, a := range addrs {
		if err := h.ip6.WaitDAD(ctx, h.ifc, a); err != nil {
			tb.Fatalf("DAD for %v: %v", a, err)
		}
	}
}

func ping(t *testing.T, h *host, dst string, size int) ipv6.PingReply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r, err := h.ip6.Ping(ctx, netip.MustParseAddr(dst), ipv6.PingOptions{Size: size})
	if err != nil {
		t.Fatalf("ping %s size %d: %v", dst, size, err)
	}
	return r
}

func TestPingBetweenStacks(t *testing.T) {
	a, b := pair(t, link.Options{}, ipv6.Options{})
	r := ping(t, a, "2001:db8::2", 56)
	if r.From != netip.MustParseAddr("2001:db8::2") || r.Size != 56 || r.HopLimit != 64 {
		t.Fatalf("reply %+v", r)
	}
	// Link-local, with the zone naming our interface.
	ll := ipv6.LinkLocal(b.ifc.MAC()).WithZone("eth0")
	ping(t, a, ll.String(), 100)
	// 8000 bytes: fragmented both ways and reassembled on both sides.
	ping(t, a, "2001:db8::2", 8000)
	ping(t, b, "2001:db8::1", 30000)
	// Our own address, through lo0; and ::1.
	ping(t, a, "2001:db8::1", 3000)
	ping(t, a, "::1", 56)
	sa, sb := a.ip6.Stats(), b.ip6.Stats()
	if sa.ReasmOKs < 2 || sb.ReasmOKs < 2 || sa.FragOKs < 2 || sb.FragOKs < 1 {
		t.Errorf("fragmentation counters: a %+v\nb %+v", sa, sb)
	}
	// Both learned each other: B from A's solicitation (STALE, then
	// DELAY/PROBE on use or REACHABLE), A resolved B (REACHABLE).
	var found bool
	for _, n := range a.ip6.Neighbours() {
		if n.Addr == netip.MustParseAddr("2001:db8::2") {
			found = true
			if n.MAC != b.ifc.MAC() || n.State != ipv6.Reachable {
				t.Errorf("A's entry for B: %+v", n)
			}
		}
	}
	if !found {
		t.Errorf("A has no entry for B: %+v", a.ip6.Neighbours())
	}
}

func TestResolutionFails(t *testing.T) {
	a, _ := pair(t, link.Options{}, ipv6.Options{RetransTimer: 20 * time.Millisecond, Tick: 5 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	before := a.ip6.Stats().NDOutSolicits // DAD's
	_, err := a.ip6.Ping(ctx, netip.MustParseAddr("2001:db8::99"), ipv6.PingOptions{})
	if !errors.Is(err, ipv6.ErrUnreachable) {
		t.Fatalf("ping of a silent address: %v, want address unreachable", err)
	}
	if st := a.ip6.Stats(); st.NDResolveFailed != 1 || st.NDOutSolicits-before != 3 {
		t.Errorf("stats %+v", st)
	}
	if n := a.ip6.Neighbours(); len(n) != 0 {
		t.Errorf("entries left: %+v", n)
	}
}

func TestNoRoute(t *testing.T) {
	a, _ := pair(t, link.Options{}, ipv6.Options{})
	_, err := a.ip6.Ping(context.Background(), netip.MustParseAddr("2001:db9::1"), ipv6.PingOptions{})
	if !errors.Is(err, ipv6.ErrNoRoute) {
		t.Fatalf("got %v", err)
	}
}

// udpSizes are the datagram sizes the echo tests send: around the
// fragmentation threshold (1452 fits a 1500 MTU with the IPv6 and UDP
// headers) and up to 30000 bytes.
var udpSizes = []int{1, 100, 1232, 1452, 1453, 2000, 8000, 16000, 30000}

func payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + n)
	}
	return p
}

// echoServer answers every datagram on c until c closes.
func echoServer(c net.PacketConn) {
	buf := make([]byte, 65536)
	for {
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return
		}
		_, _ = c.WriteTo(buf[:n], from)
	}
}

// echoClient sends each size to c's peer and checks the echo.
func echoClient(t *testing.T, c net.Conn) {
	t.Helper()
	buf := make([]byte, 65536)
	for _, n := range udpSizes {
		msg := payload(n)
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write(msg); err != nil {
			t.Fatalf("write %d bytes: %v", n, err)
		}
		k, err := c.Read(buf)
		if err != nil || !bytes.Equal(buf[:k], msg) {
			t.Fatalf("echo of %d bytes: got %d bytes, %v", n, k, err)
		}
	}
}

func TestUDPBetweenStacks(t *testing.T) {
	a, b := pair(t, link.Options{}, ipv6.Options{})
	srv, err := b.udp.ListenPacket(netip.MustParseAddrPort("[::]:7"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go echoServer(srv)
	c, err := a.udp.Dial(netip.AddrPort{}, netip.MustParseAddrPort("[2001:db8::2]:7"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.LocalAddr().(*net.UDPAddr).AddrPort().Addr() != netip.MustParseAddr("2001:db8::1") {
		t.Errorf("local address %v", c.LocalAddr())
	}
	echoClient(t, c)
	// A closed port answers with port unreachable: ECONNREFUSED on read.
	d, err := a.udp.Dial(netip.AddrPort{}, netip.MustParseAddrPort("[2001:db8::2]:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	_, _ = d.Write([]byte("x"))
	_ = d.SetReadDeadline(time.Now().Add(3 * time.Second))
	if _, err := d.Read(make([]byte, 10)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("read after port unreachable: %v", err)
	}
}

// TestDAD: an address another node has is found a duplicate and never
// assigned (RFC 4862 §5.4.4); a tentative address takes no traffic.
func TestDAD(t *testing.T) {
	a, b := pair(t, link.Options{}, ipv6.Options{RetransTimer: 100 * time.Millisecond})
	dup := netip.MustParsePrefix("2001:db8::2/64") // B's
	if err := a.ip6.AddAddress(a.ifc, netip.MustParsePrefix("2001:db8::3/64")); err != nil {
		t.Fatal(err)
	}
	if err := a.ip6.AddAddress(a.ifc, dup); err != nil {
		t.Fatal(err)
	}
	if got := a.ip6.Tentative(a.ifc); len(got) != 2 {
		t.Fatalf("tentative: %v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.ip6.WaitDAD(ctx, a.ifc, dup.Addr()); !errors.Is(err, ipv6.ErrDuplicate) {
		t.Fatalf("DAD for B's address: %v, want ErrDuplicate", err)
	}
	if err := a.ip6.WaitDAD(ctx, a.ifc, netip.MustParseAddr("2001:db8::3")); err != nil {
		t.Fatalf("DAD for a free address: %v", err)
	}
	for _, p := range a.ip6.Addresses(a.ifc) {
		if p == dup {
			t.Errorf("the duplicate was assigned: %v", a.ip6.Addresses(a.ifc))
		}
	}
	if s := a.ip6.Stats(); s.NDDADFailed != 1 {
		t.Errorf("NDDADFailed %d", s.NDDADFailed)
	}
	ping(t, b, "2001:db8::3", 56)
}

// TestDADRouteBeforeUsable: an address is never usable without its
// connected route. The route used to be added after the address became
// local, so a peer's first packet to a freshly usable address could be
// accepted and its answer dropped for want of a route (OutNoRoutes): a
// ping between two new stacks timed out that way about once in a hundred
// runs on a busy machine. Here 200 addresses finish DAD in one timer tick
// while an observer checks, every time it sees one, that it is routed.
func TestDADRouteBeforeUsable(t *testing.T) {
	a, _ := pair(t, link.Options{}, ipv6.Options{RetransTimer: time.Millisecond})
	var want []netip.Prefix
	for i := range 200 {
		p := netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0x10, byte(i >> 8), byte(i), 15: 1}), 64)
		if err := a.ip6.AddAddress(a.ifc, p); err != nil {
			t.Fatal(err)
		}
		want = append(want, p)
	}
	stop := make(chan struct{})
	bad := make(chan string, 1)
	go func() {
		defer close(bad)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, p := range a.ip6.Addresses(a.ifc) {
				peer := p.Addr().As16()
				if peer[5] != 0x10 {
					continue
				}
				peer[15] = 2
				if ifc, _, err := a.ip6.Route(peer, 0); err != nil || ifc != a.ifc {
					bad <- fmt.Sprintf("%v usable but no connected route to %v: %v", p, netip.AddrFrom16(peer), err)
					return
				}
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range want {
		if err := a.ip6.WaitDAD(ctx, a.ifc, p.Addr()); err != nil {
			t.Fatalf("DAD for %v: %v", p, err)
		}
	}
	close(stop)
	if msg, ok := <-bad; ok {
		t.Fatal(msg)
	}
}
