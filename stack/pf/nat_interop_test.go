package pf_test

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// natRules: everything from the inside network leaving by tap1 takes
// tap1's address (masquerade); TCP 47080 and UDP 47053 at that address are
// forwarded to the inside host's 47081 and 47054.
const natRules = `
nat on tap1 from 198.18.92.0/24 to any -> (tap1)
rdr on tap1 proto tcp to 198.18.93.2 port 47080 -> 198.18.92.1 port 47081
rdr on tap1 proto udp to 198.18.93.2 port 47053 -> 198.18.92.1 port 47054
pass all
`

// TestInteropLinuxNAT: our stack routes between a Linux client namespace
// (198.18.92.1, inside, default route through us) and a Linux server
// namespace (198.18.93.1, outside, with no route to the inside network)
// with natRules. The client pings the server and runs UDP and TCP echo
// exchanges with it; the server sees our outside address with a port from
// nat's range. The server reaches the client's TCP and UDP services
// through the rdr ports, and its UDP replies come from the address and
// port it sent to. tcpdump on each side shows the packets as that side
// must see them, and tshark finds nothing malformed (checksums included:
// the rewrites update them incrementally). Addresses in 198.18.0.0/15 only.
func TestInteropLinuxNAT(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tcpdump)
	pool := stacktest.NewPool(t, 2048)
	h := stacktest.NewHost(t, pool, stacktest.Config{IP: ipv4.Options{Forwarding: true}})
	nsC, nsS := hosttest.NewNamespace(t, "natC"), hosttest.NewNamespace(t, "natS")
	var ifcs [2]*stack.Interface
	for i, c := range []struct {
		ns         *hosttest.Namespace
		tag        string
		ours, peer string
	}{{nsC, "natC", "198.18.92.2/24", "198.18.92.1/24"}, {nsS, "natS", "198.18.93.2/24", "198.18.93.1/24"}} {
		dev := hosttest.LinkName(c.tag)
		p, err := tap.Open(dev, pool, tap.Options{})
		if err != nil {
			t.Fatal(err)
		}
		c.ns.TakeLink(t, dev, c.peer)
		ifc, err := h.S.Attach(fmt.Sprintf("tap%d", i), p, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = h.S.Detach(ifc); _ = p.Close() })
		if err := h.S.AddAddress(ifc, netip.MustParsePrefix(c.ours)); err != nil {
			t.Fatal(err)
		}
		ifcs[i] = ifc
	}
	nsC.IP(t, "route", "add", "default", "via", "198.18.92.2")
	f := pf.New(h.S, pf.Options{})
	if err := f.Load(natRules); err != nil {
		t.Fatal(err)
	}
	if err := f.Attach(h.IP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Detach)
	devC, devS := hosttest.LinkName("natC"), hosttest.LinkName("natS")
	dumpC := nsC.Capture(t, devC, "icmp or udp or tcp")
	dumpS := nsS.Capture(t, devS, "icmp or udp or tcp")

	// Echo services: the server's on 7 (UDP and TCP), the client's on 47054
	// (UDP) and 47081 (TCP); each records the peers it saw.
	srv, cli := newEchoes(t, nsS, "198.18.93.1", 7, 7), newEchoes(t, nsC, "198.18.92.1", 47054, 47081)

	if out, err := nsC.Output("ping", "-c", "3", "-i", "0.2", "-w", "10", "198.18.93.1"); err != nil || !strings.Contains(out, " 0% packet loss") {
		t.Errorf("client pings the server through nat: %v\n%s", err, out)
	}
	for _, c := range []struct {
		ns       *hosttest.Namespace
		network  string
		dst      string
		wantFrom string // the reply's source: the address the request went to
	}{
		{nsC, "udp4", "198.18.93.1:7", "198.18.93.1:7"},
		{nsC, "tcp4", "198.18.93.1:7", ""},
		{nsS, "udp4", "198.18.93.2:47053", "198.18.93.2:47053"},
		{nsS, "tcp4", "198.18.93.2:47080", ""},
	} {
		if err := c.ns.Do(func() error { return echoExchange(c.network, c.dst, c.wantFrom) }); err != nil {
			t.Errorf("%s from %s to %s: %v", c.network, c.ns.Name, c.dst, err)
		}
	}
	dumpS.WaitFor(10*time.Second, "198.18.93.2.47080 > 198.18.93.1.")
	dumpC.WaitFor(10*time.Second, " > 198.18.92.1.47081: Flags [S]")
	dumpC.Stop(t)
	dumpS.Stop(t)

	for _, p := range srv.peers() {
		if a := p.Addr(); a != netip.MustParseAddr("198.18.93.2") || p.Port() < 50001 {
			t.Errorf("the server saw the client as %v, want 198.18.93.2 with a port from 50001:65535", p)
		}
	}
	for _, p := range cli.peers() {
		if p.Addr() != netip.MustParseAddr("198.18.93.1") {
			t.Errorf("the client saw the server as %v, want 198.18.93.1 (rdr keeps the source)", p)
		}
	}
	if len(srv.peers()) != 2 || len(cli.peers()) != 2 {
		t.Errorf("peers seen: server %v, client %v; want two each", srv.peers(), cli.peers())
	}
	textS, textC := dumpS.Text(t, "-nn", "-v"), dumpC.Text(t, "-nn", "-v")
	for _, c := range []struct{ side, text, want string }{
		{"server", textS, "198.18.93.2 > 198.18.93.1: ICMP echo request"},
		{"server", textS, "198.18.93.1 > 198.18.93.2: ICMP echo reply"},
		{"server", textS, "198.18.93.1.7 > 198.18.93.2.5"},    // UDP and TCP replies to nat ports
		{"server", textS, "198.18.93.2.47053 > 198.18.93.1."}, // rdr UDP reply, from the rdr port
		{"server", textS, "198.18.93.2.47080 > 198.18.93.1."}, // rdr TCP
		{"client", textC, "198.18.92.1 > 198.18.93.1: ICMP echo request"},
		{"client", textC, "198.18.93.1 > 198.18.92.1: ICMP echo reply"},
		{"client", textC, "198.18.93.1.7 > 198.18.92.1."},
		{"client", textC, " > 198.18.92.1.47054: UDP"},
		{"client", textC, " > 198.18.92.1.47081: Flags [S]"},
	} {
		if !strings.Contains(c.text, c.want) {
			t.Errorf("tcpdump on the %s side does not show %q:\n%s", c.side, c.want, c.text)
		}
	}
	if strings.Contains(textS, "198.18.92.") {
		t.Errorf("the inside network shows on the server side:\n%s", textS)
	}
	for _, bad := range []string{"bad cksum", "incorrect", "[|"} {
		if strings.Contains(textS+textC, bad) {
			t.Errorf("tcpdump reports %q", bad)
		}
	}
	st := f.NATStats()
	t.Logf("nat: %+v; rules %+v", st, f.NATRules())
	if st.Made < 5 || st.Refused != 0 || st.NotWritable != 0 {
		t.Errorf("translation counters %+v", st)
	}
	t.Run("tshark-server", func(t *testing.T) { hosttest.TsharkClean(t, dumpS.Path) })
	t.Run("tshark-client", func(t *testing.T) { hosttest.TsharkClean(t, dumpC.Path) })
}

// echoes are UDP and TCP echo services opened inside a namespace.
type echoes struct {
	mu   sync.Mutex
	seen []netip.AddrPort
}

func (e *echoes) saw(a netip.AddrPort) {
	e.mu.Lock()
	e.seen = append(e.seen, a)
	e.mu.Unlock()
}

func (e *echoes) peers() []netip.AddrPort {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]netip.AddrPort(nil), e.seen...)
}

func newEchoes(t *testing.T, ns *hosttest.Namespace, addr string, udpPort, tcpPort int) *echoes {
	e := &echoes{}
	var pc *net.UDPConn
	var ln *net.TCPListener
	err := ns.Do(func() error {
		var err error
		if pc, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(addr), Port: udpPort}); err != nil {
			return err
		}
		ln, err = net.ListenTCP("tcp4", &net.TCPAddr{IP: net.ParseIP(addr), Port: tcpPort})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close(); _ = ln.Close() })
	go func() {
		buf := make([]byte, 65536)
		first := true
		for {
			n, from, err := pc.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if first {
				e.saw(from)
				first = false
			}
			_, _ = pc.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	go func() {
		for {
			c, err := ln.AcceptTCP()
			if err != nil {
				return
			}
			e.saw(c.RemoteAddr().(*net.TCPAddr).AddrPort())
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	return e
}

// echoExchange sends ten messages to dst and wants each back; for UDP the
// replies must come from wantFrom.
func echoExchange(network, dst, wantFrom string) error {
	var c net.Conn
	var pc net.PacketConn
	var err error
	to, _ := net.ResolveUDPAddr("udp4", dst)
	if network == "udp4" {
		pc, err = net.ListenPacket("udp4", ":0")
	} else {
		c, err = net.DialTimeout(network, dst, 5*time.Second)
	}
	if err != nil {
		return err
	}
	buf := make([]byte, 2048)
	got := 0
	for i := range 30 {
		msg := fmt.Sprintf("nat message %02d %s", i, strings.Repeat("x", i*37))
		var n int
		if pc != nil {
			_, _ = pc.WriteTo([]byte(msg), to)
			_ = pc.SetReadDeadline(time.Now().Add(time.Second))
			var from net.Addr
			n, from, err = pc.ReadFrom(buf)
			if err == nil && from.String() != wantFrom {
				return fmt.Errorf("reply from %v, want %s", from, wantFrom)
			}
		} else {
			_, _ = c.Write([]byte(msg))
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err = io.ReadFull(c, buf[:len(msg)])
		}
		if err == nil && string(buf[:n]) == msg {
			if got++; got == 10 {
				break
			}
		}
	}
	if pc != nil {
		_ = pc.Close()
	} else {
		_ = c.Close()
	}
	if got < 10 {
		return fmt.Errorf("%d of 10 echoes came back", got)
	}
	return nil
}
