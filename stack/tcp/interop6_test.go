package tcp_test

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/tcp"
)

// TCP over IPv6 against the Linux kernel: our stack on a TAP device whose
// Linux end is in a namespace (2001:db8:7::1 ours, ::2 Linux's; also
// 198.18.7.1/.2 for the dual-stack case). The addresses exist only
// inside the namespace and our stack.

type linuxPeer6 struct {
	n    *node
	ns   *hosttest.Namespace
	dev  string
	ifc  *stack.Interface
	lla  netip.Addr // Linux's link-local address (zone: our interface)
	ours netip.Addr // our link-local address (zone: Linux's device)
}

func newLinuxPeer6(t *testing.T, tag string) *linuxPeer6 {
	t.Helper()
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP)
	pool := stacktest.NewPool(t, 4096)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := newNode(t, pool, bg, tcp.Options{}, false)
	ns := hosttest.NewNamespace(t, tag)
	dev := hosttest.LinkName(tag)
	p, err := tap.Open(dev, pool, tap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns.TakeLink(t, dev, "198.18.7.2/24")
	ns.IP(t, "addr", "add", "2001:db8:7::2/64", "dev", dev, "nodad")
	ifc := n.attach(t, "tap0", p, "198.18.7.1/24", "2001:db8:7::1/64")
	t.Cleanup(func() { _ = n.S.Detach(ifc); _ = p.Close() })
	var lla netip.Addr
	if !stacktest.Eventually(10*time.Second, func() bool {
		out := ns.IP(t, "-6", "addr", "show", "dev", dev, "scope", "link")
		if strings.Contains(out, "tentative") {
			return false
		}
		for _, f := range strings.Fields(out) {
			if pf, err := netip.ParsePrefix(f); err == nil && pf.Addr().IsLinkLocalUnicast() {
				lla = pf.Addr()
				return true
			}
		}
		return false
	}) {
		t.Fatal("Linux's link-local address stays tentative")
	}
	return &linuxPeer6{n: n, ns: ns, dev: dev, ifc: ifc, lla: lla.WithZone("tap0"),
		ours: ipv6.LinkLocal(ifc.MAC()).WithZone(dev)}
}

// dialLinux: our client to a Linux server on addr (in the namespace).
func (p *linuxPeer6) dialLinux(t *testing.T, listen, dial string, size int) {
	var ln net.Listener
	if err := p.ns.Do(func() (err error) { ln, err = net.Listen("tcp6", listen); return }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		acc <- c
	}()
	c, err := p.n.TCP.Dial("tcp6", dial)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	lc := <-acc
	if lc == nil {
		return
	}
	defer lc.Close()
	exchange(t, c, lc, size)
}

// linuxDials: a Linux client (in the namespace) to our listener l.
func (p *linuxPeer6) linuxDials(t *testing.T, l *tcp.Listener, network, dial string, size int) {
	var lc net.Conn
	if err := p.ns.Do(func() (err error) { lc, err = net.DialTimeout(network, dial, 30*time.Second); return }); err != nil {
		t.Fatal(err)
	}
	defer lc.Close()
	_ = l.SetDeadline(time.Now().Add(30 * time.Second))
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The zones differ (each side names its own interface).
	got, want := c.RemoteAddr().(*net.TCPAddr), lc.LocalAddr().(*net.TCPAddr)
	if !got.IP.Equal(want.IP) || got.Port != want.Port {
		t.Errorf("we see the Linux client as %s, it is %s", got, want)
	}
	exchange(t, c, lc, size)
}

// TestLinuxInterop6: both directions over the global and the link-local
// addresses (4 MB each way, half-close), Linux reaching our dual-stack
// listener over IPv4, resets both ways; tcpdump -vv and tshark read the
// capture clean.
func TestLinuxInterop6(t *testing.T) {
	p := newLinuxPeer6(t, "tcp6i")
	capt := p.ns.Capture(t, p.dev, "tcp")
	size := 4 << 20
	t.Run("dial-linux", func(t *testing.T) { p.dialLinux(t, "[2001:db8:7::2]:5011", "[2001:db8:7::2]:5011", size) })
	t.Run("dial-linux-linklocal", func(t *testing.T) {
		p.dialLinux(t, "[::]:5012", netip.AddrPortFrom(p.lla, 5012).String(), size)
	})
	l, err := p.n.TCP.Listen("tcp", ":5013") // [::], dual stack
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	t.Run("linux-dials", func(t *testing.T) { p.linuxDials(t, l, "tcp6", "[2001:db8:7::1]:5013", size) })
	t.Run("linux-dials-linklocal", func(t *testing.T) {
		p.linuxDials(t, l, "tcp6", netip.AddrPortFrom(p.ours, 5013).String(), size)
	})
	t.Run("linux-dials-ipv4-dualstack", func(t *testing.T) { p.linuxDials(t, l, "tcp4", "198.18.7.1:5013", 1<<20) })
	t.Run("refused", func(t *testing.T) {
		err := p.ns.Do(func() error {
			c, err := net.DialTimeout("tcp6", "[2001:db8:7::1]:5999", 10*time.Second)
			if err == nil {
				c.Close()
			}
			return err
		})
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("Linux dialing a closed port of ours: %v, want ECONNREFUSED", err)
		}
		if _, err := p.n.TCP.Dial("tcp6", "[2001:db8:7::2]:5999"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("we dial a closed port of Linux: %v, want ECONNREFUSED", err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		var lc net.Conn
		if err := p.ns.Do(func() (err error) { lc, err = net.DialTimeout("tcp6", "[2001:db8:7::1]:5013", 10*time.Second); return }); err != nil {
			t.Fatal(err)
		}
		defer lc.Close()
		c, err := l.AcceptTCP()
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetLinger(0)
		_ = c.Close() // abortive: RST
		_ = lc.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := lc.Read(make([]byte, 1)); !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("Linux read after our abortive close: %v, want ECONNRESET", err)
		}
	})
	st := p.n.TCP.Stats()
	t.Logf("segments in %d out %d, retransmitted %d, bad %d, not sent %d (IP error)", st.InSegs, st.OutSegs, st.RetransSegs, st.InErrs, st.OutErrors)
	if st.InErrs != 0 || st.OutErrors != 0 {
		t.Errorf("stats %+v", st)
	}
	t.Log(capt.Stop(t))
	txt := capt.Text(t, "-nn", "-vv")
	for _, bad := range []string{"bad cksum", "incorrect", "malformed", "[|tcp]", "truncated"} {
		if strings.Contains(strings.ToLower(txt), bad) {
			t.Errorf("tcpdump -vv finds %q in our frames", bad)
		}
	}
	if !strings.Contains(txt, "2001:db8:7::1.5013 > ") || !strings.Contains(txt, "fe80::") {
		t.Errorf("the capture lacks our IPv6 segments:\n%.2000s", txt)
	}
	t.Run("tshark", func(t *testing.T) { hosttest.TsharkClean(t, capt.Path) })
}

// TestLinuxPacketTooBig6: Linux routes between our link and a second
// namespace through a route of MTU 1280, so our 1500-byte segments
// towards the server there come back as ICMPv6 packet too big from the
// Linux router (a locked route MTU: Linux forwards by the device MTU
// otherwise); our MSS must fall to 1280 − 60 − 12 and every byte
// arrive, both for our client and for a Linux client of our listener.
func TestLinuxPacketTooBig6(t *testing.T) {
	p := newLinuxPeer6(t, "tcp6p")
	srv := hosttest.NewNamespace(t, "tcp6s")
	vr, vs := hosttest.LinkName("tcp6r"), hosttest.LinkName("tcp6v")
	hosttest.Run(t, "ip", "link", "add", vr, "netns", p.ns.Name, "type", "veth", "peer", "name", vs, "netns", srv.Name)
	p.ns.Run(t, "sysctl", "-qw", "net.ipv6.conf.all.forwarding=1")
	p.ns.IP(t, "addr", "add", "2001:db8:9::1/64", "dev", vr, "nodad")
	srv.IP(t, "addr", "add", "2001:db8:9::2/64", "dev", vs, "nodad")
	p.ns.IP(t, "link", "set", vr, "up")
	srv.IP(t, "link", "set", vs, "up")
	p.ns.IP(t, "-6", "route", "replace", "2001:db8:9::/64", "dev", vr, "metric", "256", "mtu", "lock", "1280")
	srv.IP(t, "-6", "route", "add", "default", "via", "2001:db8:9::1")
	if err := p.n.IP6.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("2001:db8:9::/64"),
		Gateway: netip.MustParseAddr("2001:db8:7::2"), IfIndex: p.ifc.Index(), Kind: route.Static}); err != nil {
		t.Fatal(err)
	}
	srvAddr := netip.MustParseAddr("2001:db8:9::2")
	t.Run("dial-linux", func(t *testing.T) {
		var ln net.Listener
		if err := srv.Do(func() (err error) { ln, err = net.Listen("tcp6", "[::]:5021"); return }); err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		acc := make(chan net.Conn, 1)
		go func() {
			c, _ := ln.Accept()
			acc <- c
		}()
		c, err := p.n.TCP.Dial("tcp6", "[2001:db8:9::2]:5021")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		lc := <-acc
		if lc == nil {
			t.Fatal("no connection at the Linux server")
		}
		defer lc.Close()
		exchange(t, c, lc, 2<<20)
	})
	if st := p.n.TCP.Stats(); st.MSSReduced == 0 {
		t.Errorf("our MSS never fell: %+v", st)
	}
	if got := p.n.IP6.PathMTU(srvAddr); got != 1280 {
		t.Errorf("path MTU to %v: %d, want 1280", srvAddr, got)
	}
	t.Run("linux-dials", func(t *testing.T) {
		l, err := p.n.TCP.Listen("tcp6", ":5022")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		var lc net.Conn
		if err := srv.Do(func() (err error) { lc, err = net.DialTimeout("tcp6", "[2001:db8:7::1]:5022", 30*time.Second); return }); err != nil {
			t.Fatal(err)
		}
		defer lc.Close()
		_ = l.SetDeadline(time.Now().Add(30 * time.Second))
		c, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		// Our SYN-ACK already carries the cached path's MSS (1220), so
		// nothing is too big now: the data must flow at once.
		exchange(t, c, lc, 2<<20)
	})
	st := p.n.TCP.Stats()
	t.Logf("MSS reduced %d; segments out %d, retransmitted %d, not sent %d (IP error)", st.MSSReduced, st.OutSegs, st.RetransSegs, st.OutErrors)
}
