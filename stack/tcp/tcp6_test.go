package tcp_test

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

// node is one stack with IPv4, IPv6 and TCP over both.
type node struct {
	S   *stack.Stack
	IP4 *ipv4.IPv4
	IP6 *ipv6.IPv6
	TCP *tcp.TCP
}

// newNode builds a node on pool; cleanup closes it and checks the quotas.
func newNode(tb testing.TB, pool *mbuf.Pool, bg *mbuf.Budget, o tcp.Options, forward bool) *node {
	tb.Helper()
	t, err := tcp.New(o)
	if err != nil {
		tb.Fatal(err)
	}
	ip4 := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{t}, Forwarding: forward})
	ip6 := ipv6.New(ipv6.Options{Transports: []ipv6.Transport{t.V6()}, Forwarding: forward, DADTransmits: -1})
	s, err := stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{ip4, ip6}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = s.Close()
		if q := t.Quota(); q != nil && q.InUse() != 0 {
			tb.Errorf("tcp-rcvq: %d mbufs still charged after the stack closed", q.InUse())
		}
	})
	return &node{S: s, IP4: ip4, IP6: ip6, TCP: t}
}

// attach adds p as name with the given addresses (IPv4 and IPv6 prefixes).
func (n *node) attach(tb testing.TB, name string, p port.Port, addrs ...string) *stack.Interface {
	tb.Helper()
	ifc, err := n.S.Attach(name, p, stack.IfOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range addrs {
		pf := netip.MustParsePrefix(a)
		if pf.Addr().Is4() {
			err = n.S.AddAddress(ifc, pf)
		} else {
			err = n.IP6.AddAddress(ifc, pf)
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	return ifc
}

// dualPair is two nodes on one link: A 198.18.0.1 and 2001:db8::1, B
// 198.18.0.2 and 2001:db8::2.
func dualPair(tb testing.TB, o netOpts) (a, b *node, ia, ib *stack.Interface, pool *mbuf.Pool) {
	tb.Helper()
	if o.Buffers == 0 {
		o.Buffers = 2048
	}
	pool = stacktest.NewPool(tb, o.Buffers)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	pa, pb := link.Pair(o.Link)
	tb.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	a, b = newNode(tb, pool, bg, o.TCP, false), newNode(tb, pool, bg, o.TCP, false)
	ia = a.attach(tb, "eth0", pa, "198.18.0.1/24", "2001:db8::1/64")
	ib = b.attach(tb, "eth0", pb, "198.18.0.2/24", "2001:db8::2/64")
	return a, b, ia, ib, pool
}

// accept dials addr on network from a and returns both ends of the
// connection l accepts.
func dialAccept(tb testing.TB, a *tcp.TCP, l *tcp.Listener, network, addr string) (client, server *tcp.Conn) {
	tb.Helper()
	type res struct {
		c   *tcp.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := l.AcceptTCP()
		ch <- res{c, err}
	}()
	client, err := a.Dial(network, addr)
	if err != nil {
		tb.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		tb.Fatal(r.err)
	}
	return client, r.c
}

func TestIPv6Transfer(t *testing.T) {
	a, b, _, _, _ := dualPair(t, netOpts{})
	l, err := b.TCP.Listen("tcp6", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := l.Addr().String(); got != "[::]:"+portOf(l) {
		t.Fatalf("tcp6 listener on %s", got)
	}
	c1, c2 := dialAccept(t, a.TCP, l, "tcp6", "[2001:db8::2]:"+portOf(l))
	defer c1.Close()
	defer c2.Close()
	if got, want := c1.RemoteAddr().String(), "[2001:db8::2]:"+portOf(l); got != want {
		t.Errorf("client RemoteAddr %s, want %s", got, want)
	}
	if got := c2.RemoteAddr().String(); got != c1.LocalAddr().String() {
		t.Errorf("server sees %s, client is %s", got, c1.LocalAddr())
	}
	if in := c1.Info(); in.Remote.Addr() != netip.MustParseAddr("2001:db8::2") || in.State != tcp.Established {
		t.Errorf("Info %+v", in)
	}
	// Both ways at once, 2 MB each.
	done := make(chan struct{})
	go func() {
		defer close(done)
		transfer(t, c2, c1, 2<<20)
	}()
	transfer(t, c1, c2, 2<<20)
	<-done
	if s := a.TCP.Stats(); s.DropChecksum != 0 || s.InErrs != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestNettestConn6 is x/net/nettest's conformance suite over an IPv6
// connection.
func TestNettestConn6(t *testing.T) {
	a, b, _, _, _ := dualPair(t, netOpts{})
	l, err := b.TCP.Listen("tcp6", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	nettest.TestConn(t, func() (net.Conn, net.Conn, func(), error) {
		c1, c2 := dialAccept(t, a.TCP, l, "tcp6", "[2001:db8::2]:"+portOf(l))
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}

func portOf(l *tcp.Listener) string { return strconv.Itoa(l.Addr().(*net.TCPAddr).Port) }

func TestIPv6LinkLocal(t *testing.T) {
	a, b, _, ib, _ := dualPair(t, netOpts{})
	l, err := b.TCP.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ll := ipv6.LinkLocal(ib.MAC()).WithZone("eth0")
	c1, c2 := dialAccept(t, a.TCP, l, "tcp6", netip.AddrPortFrom(ll, uint16(l.Addr().(*net.TCPAddr).Port)).String())
	defer c1.Close()
	defer c2.Close()
	if ra := c1.RemoteAddr().(*net.TCPAddr); ra.Zone != "eth0" || !ra.IP.Equal(net.IP(ll.AsSlice())) {
		t.Errorf("RemoteAddr %v", ra)
	}
	if la := c2.LocalAddr().(*net.TCPAddr); la.Zone != "eth0" {
		t.Errorf("server LocalAddr %v", la)
	}
	transfer(t, c1, c2, 256<<10)
}

// TestDualStack: "tcp" on ":0" is [::] and takes IPv4 peers (their
// addresses IPv4-mapped in net.TCPAddr, printed as a.b.c.d, like Go's);
// "tcp6" refuses IPv4 and "tcp4" IPv6 (RST: ECONNREFUSED).
func TestDualStack(t *testing.T) {
	a, b, _, _, _ := dualPair(t, netOpts{})
	l, err := b.TCP.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := l.Addr().String(); got != "[::]:"+portOf(l) {
		t.Fatalf("dual-stack listener on %s", got)
	}
	c4, s4 := dialAccept(t, a.TCP, l, "tcp4", "198.18.0.2:"+portOf(l))
	if got := s4.RemoteAddr().String(); got != c4.LocalAddr().String() || got[:11] != "198.18.0.1:" {
		t.Errorf("IPv4 peer on [::] seen as %s (client %s)", got, c4.LocalAddr())
	}
	if ip := s4.RemoteAddr().(*net.TCPAddr).IP; len(ip) != net.IPv6len || ip.To4() == nil {
		t.Errorf("IPv4 peer address %#v, want IPv4-mapped IPv6", ip)
	}
	transfer(t, c4, s4, 64<<10)
	c6, s6 := dialAccept(t, a.TCP, l, "tcp", "[2001:db8::2]:"+portOf(l))
	transfer(t, c6, s6, 64<<10)
	for _, c := range []*tcp.Conn{c4, s4, c6, s6} {
		_ = c.Close()
	}

	l6, err := b.TCP.Listen("tcp6", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l6.Close()
	if _, err := a.TCP.Dial("tcp4", "198.18.0.2:"+portOf(l6)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("IPv4 dial to a tcp6 listener: %v", err)
	}
	l4, err := b.TCP.Listen("tcp4", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l4.Close()
	if _, err := a.TCP.Dial("tcp6", "[2001:db8::2]:"+portOf(l4)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("IPv6 dial to a tcp4 listener: %v", err)
	}
	// Family rules of the address strings.
	for _, c := range []struct{ network, addr string }{
		{"tcp6", "198.18.0.2:80"}, {"tcp6", "[::ffff:198.18.0.2]:80"}, {"tcp4", "[2001:db8::2]:80"},
	} {
		if _, err := a.TCP.Dial(c.network, c.addr); !errors.Is(err, tcp.ErrBadAddress) {
			t.Errorf("Dial(%s, %s): %v, want ErrBadAddress", c.network, c.addr, err)
		}
	}
}

// routed6 is A (2001:db8:1::1, MTU 9000) — R (a router) — B
// (2001:db8:2::2, MTU 9000), R's interface towards B of MTU 1500.
func routed6(t *testing.T) (a, r, b *node) {
	pool := stacktest.NewPool(t, 4096)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a = newNode(t, pool, bg, tcp.Options{}, false)
	r = newNode(t, pool, bg, tcp.Options{}, true)
	b = newNode(t, pool, bg, tcp.Options{}, false)
	p1, p2 := link.Pair(link.Options{MTU: 9000})
	p3, p4 := link.Pair(link.Options{MTU: 9000})
	t.Cleanup(func() { _ = p1.Close(); _ = p2.Close(); _ = p3.Close(); _ = p4.Close() })
	if err := p3.SetMTU(1500); err != nil { // the router's side only
		t.Fatal(err)
	}
	ia := a.attach(t, "eth0", p1, "2001:db8:1::1/64")
	r.attach(t, "eth0", p2, "2001:db8:1::fe/64")
	r.attach(t, "eth1", p3, "2001:db8:2::fe/64")
	ib := b.attach(t, "eth0", p4, "2001:db8:2::2/64")
	for _, x := range []struct {
		n   *node
		ifc *stack.Interface
		gw  string
	}{{a, ia, "2001:db8:1::fe"}, {b, ib, "2001:db8:2::fe"}} {
		if err := x.n.IP6.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("::/0"), Gateway: netip.MustParseAddr(x.gw),
			IfIndex: x.ifc.Index(), Kind: route.Static}); err != nil {
			t.Fatal(err)
		}
	}
	return a, r, b
}

// TestIPv6Unreachable: the router has no route to 2001:db8:3::/64 and
// answers our SYN with destination unreachable, no route (RFC 4443
// §3.1): the dial fails with ENETUNREACH at once (a hard error in
// SYN-SENT, RFC 1122 §4.2.3.9), not after the SYN retries.
func TestIPv6Unreachable(t *testing.T) {
	a, _, _ := routed6(t)
	start := time.Now()
	_, err := a.TCP.Dial("tcp6", "[2001:db8:3::5]:80")
	if !errors.Is(err, syscall.ENETUNREACH) || time.Since(start) > 5*time.Second {
		t.Fatalf("dial through a router without a route: %v after %v, want ENETUNREACH at once", err, time.Since(start))
	}
}

// TestIPv6SynCookies: a full backlog answers SYNs with cookies over the
// 16-byte tuple too (RFC 4987 §3.6); the cookie connection works. The
// backlog of 1 is filled by a half-open connection from an address that
// never answers (a SYN injected into IPv6's TCP input).
func TestIPv6SynCookies(t *testing.T) {
	a, b, _, _, pool := dualPair(t, netOpts{})
	l, err := b.TCP.ListenAddrPort(netip.MustParseAddrPort("[::]:8080"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	src, dst := netip.MustParseAddr("2001:db8::99").As16(), netip.MustParseAddr("2001:db8::2").As16()
	syn := make([]byte, 20)
	binary.BigEndian.PutUint16(syn[0:], 40000)
	binary.BigEndian.PutUint16(syn[2:], 8080)
	binary.BigEndian.PutUint32(syn[4:], 12345)
	syn[12], syn[13] = 5<<4, wire.TCPFlagSYN
	binary.BigEndian.PutUint16(syn[14:], 65535)
	binary.BigEndian.PutUint16(syn[16:], ^wire.Checksum(syn, wire.PseudoHeaderChecksum6(wire.IPProtocolTCP, src, dst, 20)))
	m, err := pool.Get()
	if err != nil {
		t.Fatal(err)
	}
	d, _ := m.Append(len(syn))
	copy(d, syn)
	b.TCP.V6().Input(m, ipv6.Meta{Src: src, Dst: dst, IfIndex: 1, HopLimit: 64})

	c, err := a.TCP.Dial("tcp6", "[2001:db8::2]:8080")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("via cookie")); err != nil {
		t.Fatal(err)
	}
	_ = l.SetDeadline(time.Now().Add(10 * time.Second))
	sc, err := l.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	buf := make([]byte, 16)
	_ = sc.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := sc.Read(buf)
	if err != nil || string(buf[:n]) != "via cookie" || sc.RemoteAddr().String() != c.LocalAddr().String() {
		t.Fatalf("cookie connection from %v read %q, %v", sc.RemoteAddr(), buf[:n], err)
	}
	if s := b.TCP.Stats(); s.SynCookiesSent != 1 || s.SynCookiesOK != 1 {
		t.Fatalf("cookies sent %d, accepted %d, want 1 and 1", s.SynCookiesSent, s.SynCookiesOK)
	}
}

// TestIPv6PacketTooBig: A (MTU 9000) reaches B (MTU 9000) through a
// router whose interface towards B has MTU 1500, so A's first full-sized
// segments come back as packet too big (RFC 8201 §4). A must lower its
// MSS to 1500 − 60 − 12 and deliver everything.
func TestIPv6PacketTooBig(t *testing.T) {
	a, r, b := routed6(t)
	l, err := b.TCP.Listen("tcp6", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c1, c2 := dialAccept(t, a.TCP, l, "tcp6", "[2001:db8:2::2]:"+portOf(l))
	defer c1.Close()
	defer c2.Close()
	// A second connection, set up before the path MTU is known: its
	// segments are later refused by IPv6 itself (the cache already holds
	// 1500), which must lower its MSS too (no message comes for it).
	d1, d2 := dialAccept(t, a.TCP, l, "tcp6", "[2001:db8:2::2]:"+portOf(l))
	defer d1.Close()
	defer d2.Close()
	transfer(t, c1, c2, 1<<20)
	if s := a.TCP.Stats(); s.MSSReduced != 1 {
		t.Errorf("MSS lowered %d times, want 1: %+v", s.MSSReduced, s)
	}
	ptbs := r.IP6.Stats().ForwPktTooBigs
	transfer(t, d1, d2, 1<<20)
	if s := a.TCP.Stats(); s.MSSReduced != 2 || s.OutErrors == 0 {
		t.Errorf("second connection: MSS lowered %d times in all (want 2), %d sends refused (want some): %+v", s.MSSReduced, s.OutErrors, s)
	}
	if got := r.IP6.Stats().ForwPktTooBigs; got != ptbs {
		t.Errorf("the router sent %d more packet too big for the second connection, want none", got-ptbs)
	}
	if got := a.IP6.PathMTU(netip.MustParseAddr("2001:db8:2::2")); got != 1500 {
		t.Errorf("path MTU %d, want 1500", got)
	}
	if st := r.IP6.Stats(); st.ForwPktTooBigs == 0 {
		t.Errorf("the router sent no packet too big: %+v", st)
	}
	// The other direction never needed it: B's segments fit the path.
	transfer(t, c2, c1, 256<<10)
}

// TestIPv4FragNeeded is the same over IPv4: the router answers DF
// segments above 1500 bytes with fragmentation needed (RFC 1191). A
// connection opened afterwards starts from the learned MTU (TCP's IPv4
// PMTU cache): the router sends it no message and its MSS is never
// lowered.
func TestIPv4FragNeeded(t *testing.T) {
	pool := stacktest.NewPool(t, 4096)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := newNode(t, pool, bg, tcp.Options{}, false)
	r := newNode(t, pool, bg, tcp.Options{}, true)
	b := newNode(t, pool, bg, tcp.Options{}, false)
	p1, p2 := link.Pair(link.Options{MTU: 9000})
	p3, p4 := link.Pair(link.Options{MTU: 9000})
	t.Cleanup(func() { _ = p1.Close(); _ = p2.Close(); _ = p3.Close(); _ = p4.Close() })
	if err := p3.SetMTU(1500); err != nil {
		t.Fatal(err)
	}
	ia := a.attach(t, "eth0", p1, "198.18.1.1/24")
	r.attach(t, "eth0", p2, "198.18.1.254/24")
	r.attach(t, "eth1", p3, "198.18.2.254/24")
	ib := b.attach(t, "eth0", p4, "198.18.2.2/24")
	for _, x := range []struct {
		n   *node
		ifc *stack.Interface
		gw  string
	}{{a, ia, "198.18.1.254"}, {b, ib, "198.18.2.254"}} {
		if err := x.n.S.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr(x.gw),
			IfIndex: x.ifc.Index(), Kind: route.Static}); err != nil {
			t.Fatal(err)
		}
	}
	l, err := b.TCP.Listen("tcp4", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c1, c2 := dialAccept(t, a.TCP, l, "tcp4", "198.18.2.2:"+portOf(l))
	defer c1.Close()
	defer c2.Close()
	transfer(t, c1, c2, 1<<20)
	s1 := a.TCP.Stats()
	if s1.MSSReduced == 0 {
		t.Errorf("MSS never lowered: %+v", s1)
	}
	fn := r.IP4.Stats().ForwFragNeeded
	if fn == 0 {
		t.Errorf("the router sent no fragmentation needed: %+v", r.IP4.Stats())
	}
	d1, d2 := dialAccept(t, a.TCP, l, "tcp4", "198.18.2.2:"+portOf(l))
	defer d1.Close()
	defer d2.Close()
	transfer(t, d1, d2, 1<<20)
	if got := r.IP4.Stats().ForwFragNeeded; got != fn {
		t.Errorf("the router sent %d more fragmentation needed for a connection opened after the path MTU was learned, want none", got-fn)
	}
	if s := a.TCP.Stats(); s.MSSReduced != s1.MSSReduced {
		t.Errorf("second connection's MSS lowered %d times, want 0 (it starts from the learned MTU)", s.MSSReduced-s1.MSSReduced)
	}
}
