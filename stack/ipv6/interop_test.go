package ipv6_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// The interop tests run our stack against the Linux kernel over a TAP
// device whose Linux end is in a namespace the test creates. Addresses
// are from 2001:db8::/32 (RFC 3849, documentation) and exist only inside
// that namespace and our stack.

const (
	ourAddr   = "2001:db8:6::1"
	linuxAddr = "2001:db8:6::2"
)

type tapPeer struct {
	h        *host
	ns       *hosttest.Namespace
	dev      string
	linuxMAC wire.MAC
}

func attachTAP(t *testing.T, tag string) *tapPeer {
	t.Helper()
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	pool := stacktest.NewPool(t, 4096)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := newHost(t, pool, bg, ipv6.Options{})
	ns := hosttest.NewNamespace(t, tag)
	dev := hosttest.LinkName(tag)
	p, err := tap.Open(dev, pool, tap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns.TakeLink(t, dev)
	ns.IP(t, "addr", "add", linuxAddr+"/64", "dev", dev, "nodad")
	ifc, err := h.s.Attach("tap0", p, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.s.Detach(ifc); _ = p.Close() })
	h.ifc = ifc
	if err := h.ip6.AddAddress(ifc, netip.MustParsePrefix(ourAddr+"/64")); err != nil {
		t.Fatal(err)
	}
	waitDAD(t, h, netip.MustParseAddr(ourAddr), ipv6.LinkLocal(ifc.MAC()))
	m := regexp.MustCompile(`link/ether ([0-9a-f:]{17})`).FindStringSubmatch(ns.IP(t, "link", "show", "dev", dev))
	if m == nil {
		t.Fatal("no MAC on the Linux end")
	}
	hwa, err := net.ParseMAC(m[1])
	if err != nil {
		t.Fatal(err)
	}
	hw, _ := wire.MACFrom(hwa)
	// Wait for Linux's link-local address to leave DAD (about 1 s), so
	// its own packets use it and its neighbour table is in use.
	if !stacktest.Eventually(10*time.Second, func() bool {
		out := ns.IP(t, "-6", "addr", "show", "dev", dev)
		return strings.Contains(out, "fe80") && !strings.Contains(out, "tentative")
	}) {
		t.Fatal("Linux's link-local address stays tentative")
	}
	return &tapPeer{h: h, ns: ns, dev: dev, linuxMAC: hw}
}

func TestInteropLinux(t *testing.T) {
	p := attachTAP(t, "v6")
	capt := p.ns.Capture(t, p.dev, "ip6")
	h := p.h
	ourLL := ipv6.LinkLocal(h.ifc.MAC())

	// Linux pings us: global, link-local, and 8000 bytes (fragments both
	// ways: Linux fragments the request, we fragment the reply).
	for _, c := range []struct {
		n    int
		args []string
	}{
		{3, []string{"-6", "-i", "0.2", ourAddr}},
		{2, []string{"-6", "-i", "0.2", ourLL.String() + "%" + p.dev}},
		{2, []string{"-6", "-i", "0.2", "-s", "8000", ourAddr}},
	} {
		if out, err := p.ns.PingAll(c.n, c.args...); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
	}

	// We ping Linux, the same sizes.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i, size := range []int{56, 1452, 1453, 8000, 30000} {
		r, err := h.ip6.Ping(ctx, netip.MustParseAddr(linuxAddr), ipv6.PingOptions{Size: size, Seq: uint16(i + 1), ID: 7})
		if err != nil || r.Size != size {
			t.Fatalf("ping Linux %d bytes: %+v %v", size, r, err)
		}
	}
	// Linux's link-local address is its MAC's EUI-64 form (addr_gen_mode
	// eui64, the default).
	if _, err := h.ip6.Ping(ctx, ipv6.LinkLocal(p.linuxMAC).WithZone("tap0"), ipv6.PingOptions{}); err != nil {
		t.Fatalf("ping Linux's link-local address: %v", err)
	}

	// The neighbour tables agree: Linux has our MAC for our address,
	// we have Linux's.
	neigh := p.ns.IP(t, "-6", "neigh", "show", "dev", p.dev)
	for _, want := range []string{ourAddr + " lladdr " + h.ifc.MAC().String()} {
		if !strings.Contains(neigh, want) {
			t.Errorf("Linux's ip -6 neigh lacks %q:\n%s", want, neigh)
		}
	}
	var ok bool
	for _, n := range h.ip6.Neighbours() {
		if n.Addr == netip.MustParseAddr(linuxAddr) {
			ok = n.MAC == p.linuxMAC && n.State != ipv6.Incomplete
			if !ok {
				t.Errorf("our entry for Linux: %+v (Linux's MAC %v)", n, p.linuxMAC)
			}
		}
	}
	if !ok {
		t.Errorf("we have no entry for Linux: %+v", h.ip6.Neighbours())
	}
	st := h.ip6.Stats()
	if st.ReasmOKs < 2 || st.FragOKs < 2 || st.ICMPInCsumErrors != 0 || st.InHdrErrors != 0 {
		t.Errorf("stats: %+v", st)
	}

	// Nothing malformed on the wire: tcpdump's verbose decode and tshark.
	capt.Stop(t)
	txt := capt.Text(t)
	for _, bad := range []string{"bad cksum", "[|", "truncated", "malformed", "bad length", "wrong"} {
		if strings.Contains(strings.ToLower(txt), bad) {
			t.Errorf("tcpdump -vv flags %q:\n%s", bad, txt)
		}
	}
	for _, want := range []string{"neighbor advertisement", "frag (0x", "echo reply"} {
		if !strings.Contains(txt, want) {
			t.Errorf("no %q in the capture:\n%s", want, txt)
		}
	}
	t.Run("tshark", func(t *testing.T) { hosttest.TsharkClean(t, capt.Path) })
}

// TestInteropUDP: UDP echo of 1 to 30000 bytes both ways against Linux's
// kernel sockets over IPv6, and a dual-stack [::] socket of ours taking a
// Linux IPv4 client (seen as an IPv4-mapped address).
func TestInteropUDP(t *testing.T) {
	p := attachTAP(t, "u6")
	h := p.h
	p.ns.IP(t, "addr", "add", "198.18.6.2/24", "dev", p.dev)
	if err := h.s.AddAddress(h.ifc, netip.MustParsePrefix("198.18.6.1/24")); err != nil {
		t.Fatal(err)
	}
	capt := p.ns.Capture(t, p.dev, "udp")

	// Linux serves, we are the client.
	var ks net.PacketConn
	if err := p.ns.Do(func() (err error) {
		ks, err = net.ListenPacket("udp6", "["+linuxAddr+"]:41000")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer ks.Close()
	go echoServer(ks)
	c, err := h.udp.Dial(netip.AddrPort{}, netip.MustParseAddrPort("["+linuxAddr+"]:41000"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	echoClient(t, c)

	// We serve on [::] (dual stack), Linux is the client over IPv6 and
	// over IPv4.
	srv, err := h.udp.ListenPacket(netip.MustParseAddrPort("[::]:41001"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go echoServer(srv)
	for _, dst := range []string{"[" + ourAddr + "]:41001", "198.18.6.1:41001"} {
		var kc net.Conn
		if err := p.ns.Do(func() (err error) {
			kc, err = net.Dial("udp", dst)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		echoClient(t, kc)
		kc.Close()
	}
	if st := h.udp.Stats(); st.InCsumErrors != 0 || st.InErrors != 0 {
		t.Errorf("udp stats %+v", st)
	}
	capt.Stop(t)
	txt := capt.Text(t)
	for _, bad := range []string{"bad udp cksum", "bad cksum", "[|", "truncated", "malformed"} {
		if strings.Contains(strings.ToLower(txt), bad) {
			t.Errorf("tcpdump -vv flags %q:\n%s", bad, txt)
		}
	}
	t.Run("tshark", func(t *testing.T) { hosttest.TsharkClean(t, capt.Path) })
}

// TestInteropDAD: duplicate address detection finds the address Linux
// owns (Linux answers our solicitation from the unspecified address) and
// passes a free one.
func TestInteropDAD(t *testing.T) {
	p := attachTAP(t, "dad")
	h := p.h
	for _, a := range []string{linuxAddr + "/64", "2001:db8:6::3/64"} {
		if err := h.ip6.AddAddress(h.ifc, netip.MustParsePrefix(a)); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.ip6.WaitDAD(ctx, h.ifc, netip.MustParseAddr(linuxAddr)); !errors.Is(err, ipv6.ErrDuplicate) {
		t.Fatalf("DAD for Linux's address: %v, want ErrDuplicate", err)
	}
	if err := h.ip6.WaitDAD(ctx, h.ifc, netip.MustParseAddr("2001:db8:6::3")); err != nil {
		t.Fatalf("DAD for a free address: %v", err)
	}
	out, err := p.ns.PingAll(2, "-6", "-i", "0.2", "2001:db8:6::3")
	if err != nil {
		t.Fatalf("ping the new address: %v\n%s", err, out)
	}
}

// TestInteropSLAAC: radvd in the namespace advertises a prefix; with
// autoconfiguration on we solicit, form an RFC 7217 address on the prefix
// (through DAD), take Linux's link-local address as default router, reach
// an off-link address of Linux's through it, and Linux reaches our new
// address. Our MLDv2 reports and router solicitations decode cleanly.
func TestInteropSLAAC(t *testing.T) {
	hosttest.Require(t, hosttest.Tool("radvd", "radvd"), hosttest.Tool("sysctl", "procps"))
	p := attachTAP(t, "ra")
	h := p.h
	const prefix = "2001:db8:60::/64"
	p.ns.IP(t, "addr", "add", "2001:db8:60::1/64", "dev", p.dev, "nodad")
	p.ns.IP(t, "addr", "add", "2001:db8:99::1/128", "dev", "lo")
	p.ns.Run(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
	capt := p.ns.Capture(t, p.dev, "ip6") // MLD reports sit behind a hop-by-hop header: "icmp6" would miss them
	radvdOut := p.radvd(t, " AdvDefaultLifetime 600;\n"+
		" prefix "+prefix+" {\n  AdvOnLink on;\n  AdvAutonomous on;\n  AdvValidLifetime 86400;\n  AdvPreferredLifetime 14400;\n };\n")

	h.ip6.SetAutoconf(h.ifc, true)
	pfx := netip.MustParsePrefix(prefix)
	var formed netip.Addr
	if !stacktest.Eventually(15*time.Second, func() bool {
		for _, a := range h.ip6.Addresses(h.ifc) {
			if pfx.Contains(a.Addr()) {
				formed = a.Addr()
				return len(h.ip6.Routers()) == 1
			}
		}
		return false
	}) {
		t.Fatalf("no SLAAC address or router: addresses %v tentative %v routers %v\nradvd: %s",
			h.ip6.Addresses(h.ifc), h.ip6.Tentative(h.ifc), h.ip6.Routers(), radvdOut.String())
	}
	if r := h.ip6.Routers()[0]; r != ipv6.LinkLocal(p.linuxMAC) {
		t.Errorf("router %v, want Linux's link-local %v", r, ipv6.LinkLocal(p.linuxMAC))
	}
	if a := formed.As16(); a[11] == 0xff && a[12] == 0xfe {
		t.Errorf("SLAAC address %v has an EUI-64 identifier, want RFC 7217's", formed)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := h.ip6.Ping(ctx, netip.MustParseAddr("2001:db8:99::1"), ipv6.PingOptions{}); err != nil {
		t.Fatalf("ping an off-link address through the default router: %v", err)
	}
	out, err := p.ns.PingAll(2, "-6", "-i", "0.2", formed.String())
	if err != nil {
		t.Fatalf("Linux pings our SLAAC address %v: %v\n%s", formed, err, out)
	}
	if st := h.ip6.Stats(); st.NDRAProcessed == 0 || st.SLAACAddrs != 1 || st.MLDOutReports == 0 {
		t.Errorf("stats %+v", st)
	}
	capt.Stop(t)
	txt := capt.Text(t)
	if testing.Verbose() {
		for _, l := range strings.Split(txt, "\n") {
			if strings.Contains(l, "listener report") || strings.Contains(l, "router solicitation") {
				t.Log(l)
			}
		}
	}
	for _, want := range []string{"router solicitation", "router advertisement", "multicast listener report v2"} {
		if !strings.Contains(txt, want) {
			t.Errorf("no %q in the capture:\n%s", want, txt)
		}
	}
	for _, bad := range []string{"bad cksum", "[|", "truncated", "malformed"} {
		if strings.Contains(strings.ToLower(txt), bad) {
			t.Errorf("tcpdump -vv flags %q:\n%s", bad, txt)
		}
	}
	t.Run("tshark", func(t *testing.T) { hosttest.TsharkClean(t, capt.Path) })
}

// radvd runs radvd in the namespace on the peer's device, advertising
// every 3 to 10 s with body inside the interface block; its output is
// returned for failure messages. The test's cleanup stops it.
func (p *tapPeer) radvd(t *testing.T, body string) *hosttest.Output {
	t.Helper()
	dir := t.TempDir()
	conf := dir + "/radvd.conf"
	cfg := "interface " + p.dev + " {\n AdvSendAdvert on;\n MinRtrAdvInterval 3;\n MaxRtrAdvInterval 10;\n" + body + "};\n"
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	var out hosttest.Output
	cmd := p.ns.Command("radvd", "-n", "-C", conf, "-p", dir+"/radvd.pid", "-m", "stderr")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return &out
}

// TestInteropRAParams: radvd advertises a hop limit, reachable time,
// retransmission timer and a link MTU below the TAP's (RFC 4861 §6.3.4);
// our interface takes them, and what we send then carries hop limit 42
// and is fragmented to 1400 bytes, which Linux reassembles and answers.
func TestInteropRAParams(t *testing.T) {
	hosttest.Require(t, hosttest.Tool("radvd", "radvd"), hosttest.Tool("sysctl", "procps"))
	p := attachTAP(t, "rap")
	h := p.h
	p.ns.Run(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
	capt := p.ns.Capture(t, p.dev, "ip6 and src "+ourAddr)
	out := p.radvd(t, " AdvDefaultLifetime 0;\n AdvCurHopLimit 42;\n AdvReachableTime 12345;\n AdvRetransTimer 1500;\n AdvLinkMTU 1400;\n")
	h.ip6.SetAutoconf(h.ifc, true)
	if !stacktest.Eventually(15*time.Second, func() bool { return h.ip6.Params(h.ifc).MTUFromRA }) {
		t.Fatalf("no advertisement taken: params %+v stats %+v\nradvd: %s", h.ip6.Params(h.ifc), h.ip6.Stats(), out.String())
	}
	prm := h.ip6.Params(h.ifc)
	if prm.HopLimit != 42 || prm.MTU != 1400 || prm.BaseReachableTime != 12345*time.Millisecond || prm.RetransTimer != 1500*time.Millisecond ||
		prm.ReachableTime < prm.BaseReachableTime/2 || prm.ReachableTime >= prm.BaseReachableTime*3/2 {
		t.Fatalf("params %+v", prm)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if r, err := h.ip6.Ping(ctx, netip.MustParseAddr(linuxAddr), ipv6.PingOptions{Size: 1400, ID: 9, Seq: 1}); err != nil || r.Size != 1400 {
		t.Fatalf("1400-byte ping of Linux over a 1400-byte link MTU: %+v %v", r, err)
	}
	capt.Stop(t)
	txt := capt.Text(t)
	if !strings.Contains(txt, "hlim 42") || !strings.Contains(txt, ":0|1352)") || strings.Contains(txt, "hlim 64") {
		t.Errorf("want our packets with hop limit 42 and a first fragment of 1352 bytes:\n%s", txt)
	}
	for _, bad := range []string{"bad cksum", "[|", "truncated", "malformed"} {
		if strings.Contains(strings.ToLower(txt), bad) {
			t.Errorf("tcpdump -vv flags %q:\n%s", bad, txt)
		}
	}
}

// TestInteropForward: our stack routes between two Linux namespaces
// (each behind its own TAP device): pings pass with the hop limit
// decremented, 8000-byte ones in fragments the hosts reassemble, and a
// hop limit of 1 is answered with time exceeded from us.
func TestInteropForward(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	pool := stacktest.NewPool(t, 4096)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := newHost(t, pool, bg, ipv6.Options{Forwarding: true})
	type side struct {
		ns  *hosttest.Namespace
		dev string
	}
	var sides []side
	for i, n := range []string{"a", "b"} {
		ns := hosttest.NewNamespace(t, "fw"+n)
		dev := hosttest.LinkName("fw" + n)
		p, err := tap.Open(dev, pool, tap.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ns.TakeLink(t, dev)
		ns.IP(t, "addr", "add", "2001:db8:"+n+"::2/64", "dev", dev, "nodad")
		other := []string{"b", "a"}[i]
		ns.IP(t, "-6", "route", "add", "2001:db8:"+other+"::/64", "via", "2001:db8:"+n+"::1")
		ifc, err := h.s.Attach("tap"+n, p, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = h.s.Detach(ifc); _ = p.Close() })
		if err := h.ip6.AddAddress(ifc, netip.MustParsePrefix("2001:db8:"+n+"::1/64")); err != nil {
			t.Fatal(err)
		}
		h.ifc = ifc
		waitDAD(t, h, netip.MustParseAddr("2001:db8:"+n+"::1"))
		sides = append(sides, side{ns, dev})
	}
	capt := sides[1].ns.Capture(t, sides[1].dev, "ip6")
	a := sides[0].ns
	out, err := a.PingAll(3, "-6", "-i", "0.2", "2001:db8:b::2")
	if err != nil || !strings.Contains(out, "ttl=63") {
		t.Fatalf("ping through us: %v\n%s", err, out)
	}
	out, err = a.PingAll(2, "-6", "-i", "0.3", "-s", "8000", "2001:db8:b::2")
	if err != nil {
		t.Fatalf("8000-byte ping through us: %v\n%s", err, out)
	}
	out, _ = a.Output("ping", "-6", "-c", "1", "-W", "2", "-t", "1", "2001:db8:b::2")
	if !strings.Contains(out, "From 2001:db8:a::1") || !strings.Contains(strings.ToLower(out), "time exceeded") {
		t.Fatalf("ping -t 1 through us: want time exceeded from 2001:db8:a::1:\n%s", out)
	}
	st := h.ip6.Stats()
	if st.ForwDatagrams < 3 || st.ForwHopLimitExceeded != 1 {
		t.Errorf("stats %+v", st)
	}
	// The echoes after each direction's first went through the flow cache
	// (fastfwd.go); the hop limit 1 one through the full path.
	t.Logf("forwarded %d, fast-forward hits %d misses %d installs %d", st.ForwDatagrams, st.FastHits, st.FastMisses, st.FastInstalls)
	if st.FastHits == 0 || st.FastInstalls == 0 {
		t.Errorf("nothing fast-forwarded: hits %d installs %d", st.FastHits, st.FastInstalls)
	}
	capt.Stop(t)
	txt := capt.Text(t)
	if !strings.Contains(txt, "hlim 63") {
		t.Errorf("no hop limit 63 on B's side:\n%s", txt)
	}
	for _, bad := range []string{"bad cksum", "[|", "truncated", "malformed"} {
		if strings.Contains(strings.ToLower(txt), bad) {
			t.Errorf("tcpdump -vv flags %q:\n%s", bad, txt)
		}
	}
}
