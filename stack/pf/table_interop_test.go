package pf_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// The filter table's topology: Linux C (198.18.96.1) on our tap0
// (198.18.96.2), Linux S (198.18.97.1) on our tap1 (198.18.97.2); we
// route between them, C's default route and S's route to C's network go
// through us.
const (
	tblC, tblUsC = "198.18.96.1", "198.18.96.2"
	tblS, tblUsS = "198.18.97.1", "198.18.97.2"
	// The IPv6 lab (documentation prefix, RFC 3849).
	tbl6C, tbl6UsC = "2001:db8:96::1", "2001:db8:96::2"
	tbl6S, tbl6UsS = "2001:db8:97::1", "2001:db8:97::2"
)

// probe is what Linux sends in one case.
type probe uint8

const (
	udpCS  probe = iota // UDP from C to S (forwarded), S answers to the source it saw
	udpSC               // UDP from S to C (forwarded), C answers
	udpRdr              // UDP from S to our tap1 address (rdr to C), C answers
	tcpCS               // TCP connect from C to S (forwarded)
	pingCS              // ping from C to S (forwarded)
	pingUs              // ping from C to our tap0 address
)

func (p probe) String() string {
	return [...]string{"udp C>S", "udp S>C", "udp S>rdr>C", "tcp C>S", "ping C>S", "ping C>us"}[p]
}

// filterCase: rules ({P} is the case's port: the destination port of its
// traffic, unique in the table, so the captures can be read per case),
// what Linux sends, and what must happen: whether the request arrives,
// whether the answer comes back (for TCP and ping, whether the exchange
// completes; then arrive is not used), the source the receiver must see,
// and which rule lines must have decided packets (counted), none (quiet),
// or made states. For TCP, arrive is whether the SYN reaches S (read from
// S's capture).
type filterCase struct {
	rules   string
	probe   probe
	sport   int // UDP source port (0: any)
	arrive  bool
	reply   bool
	seen    string // the receiver must see this source address (prefix match on "addr:port")
	counted []int
	quiet   []int
	states  []int
}

var filterTable = []filterCase{
	// No rules, and the basic block/pass with last match and quick.
	{rules: "", probe: udpCS, arrive: true, reply: true, seen: tblC + ":"},
	{rules: "block all", probe: udpCS, counted: []int{1}},
	{rules: "block in all", probe: udpCS, counted: []int{1}},
	{rules: "block out all", probe: udpCS, counted: []int{1}},
	{rules: "block all\npass all", probe: udpCS, arrive: true, reply: true, counted: []int{2}, quiet: []int{1}, states: []int{2}},
	{rules: "block quick all\npass all", probe: udpCS, counted: []int{1}, quiet: []int{2}},
	{rules: "pass all\nblock proto udp", probe: udpCS, counted: []int{2}, quiet: []int{1}},
	{rules: "pass all\nblock proto tcp", probe: udpCS, arrive: true, reply: true, counted: []int{1}, quiet: []int{2}},
	// Direction and interface.
	{rules: "block in on tap1 all", probe: udpCS, arrive: true, counted: []int{1}},
	{rules: "block in on tap0 proto udp", probe: udpCS, counted: []int{1}},
	{rules: "block in on tap1 proto udp", probe: udpSC, counted: []int{1}},
	{rules: "block out on tap0 proto udp", probe: udpSC, counted: []int{1}},
	{rules: "block out on tap0 proto udp", probe: udpCS, arrive: true, counted: []int{1}},
	{rules: "block in on tap9 all", probe: udpCS, arrive: true, reply: true, quiet: []int{1}},
	// Keep state and no state.
	{rules: "block in on tap1 all\npass out on tap1 proto udp keep state", probe: udpCS, arrive: true, reply: true, counted: []int{2}, quiet: []int{1}, states: []int{2}},
	{rules: "block in on tap1 all\npass out on tap1 proto udp no state", probe: udpCS, arrive: true, counted: []int{1, 2}},
	{rules: "block in all\npass in on tap1 proto udp keep state", probe: udpSC, arrive: true, reply: true, counted: []int{2}, states: []int{2}},
	{rules: "block in on tap0 all\npass in on tap0 proto udp from " + tblC + " to " + tblS + " port {P}", probe: udpCS, arrive: true, reply: true, counted: []int{2}, quiet: []int{1}},
	// Ports.
	{rules: "block proto udp to port {P}", probe: udpCS, counted: []int{1}},
	{rules: "block proto udp to port != {P}", probe: udpCS, arrive: true, counted: []int{1}}, // the answer goes to C's ephemeral port
	{rules: "block proto udp to port < 1024", probe: udpCS, arrive: true, reply: true, quiet: []int{1}},
	{rules: "block proto udp to port > 41999", probe: udpCS, counted: []int{1}},
	{rules: "block proto udp to port 41000:43000", probe: udpCS, counted: []int{1}},
	{rules: "block proto udp from port 47999", probe: udpCS, sport: 47999, counted: []int{1}},
	{rules: "block proto udp from port 47999", probe: udpCS, sport: 47998, arrive: true, reply: true, quiet: []int{1}},
	// Addresses.
	{rules: "block from " + tblC, probe: udpCS, counted: []int{1}},
	{rules: "block from 198.18.96.0/24", probe: udpCS, counted: []int{1}},
	{rules: "block from ! 198.18.96.0/24", probe: udpCS, arrive: true, counted: []int{1}},
	{rules: "block to " + tblS, probe: udpCS, counted: []int{1}},
	{rules: "block to 198.18.98.0/24", probe: udpCS, arrive: true, reply: true, quiet: []int{1}},
	// TCP, flags.
	{rules: "", probe: tcpCS, arrive: true, reply: true},
	{rules: "block proto tcp", probe: tcpCS, counted: []int{1}},
	{rules: "block proto tcp to port {P}", probe: tcpCS, counted: []int{1}},
	{rules: "block proto tcp flags S/SA", probe: tcpCS, counted: []int{1}},
	{rules: "block in on tap1 all\npass out on tap1 proto tcp flags S/SA keep state", probe: tcpCS, arrive: true, reply: true, counted: []int{2}, states: []int{2}},
	{rules: "block in on tap1 all\npass out on tap1 proto tcp flags S/SA no state", probe: tcpCS, arrive: true, counted: []int{1, 2}},
	// ICMP.
	{rules: "", probe: pingCS, reply: true},
	{rules: "block proto icmp", probe: pingCS, counted: []int{1}},
	{rules: "block proto icmp icmp-type echorep", probe: pingCS, counted: []int{1}},
	{rules: "block in on tap1 all\npass out on tap1 proto icmp icmp-type echoreq keep state", probe: pingCS, reply: true, counted: []int{2}, states: []int{2}},
	{rules: "block in on tap0 proto icmp to " + tblUsC, probe: pingUs, counted: []int{1}},
	{rules: "block in on tap0 proto icmp to 198.18.97.0/24", probe: pingUs, reply: true, quiet: []int{1}},
	// Translation: nat and rdr, and filter rules seeing the translated packet.
	{rules: "nat on tap1 from 198.18.96.0/24 to any -> (tap1)\npass all", probe: udpCS, arrive: true, reply: true, seen: tblUsS + ":", counted: []int{1, 2}},
	{rules: "nat on tap1 proto udp from 198.18.96.0/24 to any -> " + tblUsS + " port 45000:45009\npass all", probe: udpCS, arrive: true, reply: true, seen: tblUsS + ":4500", counted: []int{1}},
	{rules: "nat on tap1 from 198.18.96.0/24 to any -> (tap1)\nblock out on tap1 from 198.18.96.0/24", probe: udpCS, arrive: true, reply: true, seen: tblUsS + ":", quiet: []int{2}},
	{rules: "nat on tap1 from 198.18.96.0/24 to any -> (tap1)\nblock out on tap1 from " + tblUsS, probe: udpCS, counted: []int{1, 2}},
	{rules: "nat on tap1 from 198.18.96.0/24 to any -> (tap1)\nblock in on tap1 all\npass out on tap1 proto tcp keep state", probe: tcpCS, arrive: true, reply: true, counted: []int{3}, states: []int{3}},
	{rules: "rdr on tap1 proto udp to " + tblUsS + " port {P} -> " + tblC + " port {P}\npass all", probe: udpRdr, arrive: true, reply: true, seen: tblS + ":", counted: []int{1}},
	{rules: "rdr on tap1 proto udp to " + tblUsS + " port {P} -> " + tblC + " port {P}\nblock in on tap1 proto udp to " + tblC, probe: udpRdr, counted: []int{1, 2}},
	{rules: "rdr on tap1 proto udp to " + tblUsS + " port {P} -> " + tblC + " port {P}\nblock out on tap1 all\npass in on tap1 proto udp keep state", probe: udpRdr, arrive: true, reply: true, seen: tblS + ":", counted: []int{1, 3}, quiet: []int{2}, states: []int{3}},
	{rules: "rdr on tap1 proto udp to " + tblUsS + " port {P} -> " + tblC + " port {P}\nblock in on tap1 proto udp to " + tblUsS, probe: udpRdr, arrive: true, reply: true, quiet: []int{2}},
}

// TestInteropLinuxFilterTable: for every case of filterTable, Linux sends
// the traffic through (or to) our router with the case's rules loaded
// (states and translations flushed): what arrives at the far Linux, what
// comes back, the source the receiver sees and the rules' counters must
// be what the case says. tcpdump runs on both Linux sides for the whole
// table; at the end each UDP/TCP case's port must appear in the far
// side's capture exactly when its request was to arrive, and tshark must
// find nothing malformed. Addresses in 198.18.0.0/15 only.
func TestInteropLinuxFilterTable(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tcpdump)
	if len(filterTable) < 40 {
		t.Fatalf("%d cases, the issue asks for at least 40", len(filterTable))
	}
	l := newLab(t, "ft", pf.Options{}, false)
	runFilterTable(t, l, filterTable, 42000)
}

// runFilterTable runs table in lab l (the check TestInteropLinuxFilterTable
// describes), case i on port base+i.
func runFilterTable(t *testing.T, l *lab, table []filterCase, base int) {
	t.Helper()
	f, nsC, nsS := l.f, l.nsC, l.nsS
	// Neighbours first, so no case waits on ARP or neighbour discovery.
	if out, err := nsC.Output("ping", "-c", "2", "-i", "0.2", "-w", "10", l.s); err != nil {
		t.Fatalf("warm-up ping: %v\n%s", err, out)
	}
	dumpC := nsC.Capture(t, l.devC, "udp or tcp")
	dumpS := nsS.Capture(t, l.devS, "udp or tcp")

	for i, c := range table {
		port := base + i
		rules := strings.ReplaceAll(c.rules, "{P}", strconv.Itoa(port))
		name := fmt.Sprintf("%02d %s %q", i+1, c.probe, rules)
		if err := f.Load(rules); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f.FlushStates()
		r := runProbe(l, c, port)
		if r.err != nil {
			t.Errorf("%s: %v", name, r.err)
			continue
		}
		if c.probe < tcpCS && r.arrived != c.arrive {
			t.Errorf("%s: arrived %v, want %v", name, r.arrived, c.arrive)
		}
		if r.replied != c.reply {
			t.Errorf("%s: answer came back %v, want %v", name, r.replied, c.reply)
		}
		if c.seen != "" && r.arrived && !strings.HasPrefix(r.seen.String(), c.seen) {
			t.Errorf("%s: the receiver saw the sender as %v, want %s…", name, r.seen, c.seen)
		}
		lines := map[int]pf.RuleStats{}
		for _, rs := range append(f.NATRules(), f.Rules()...) {
			lines[rs.Line] = rs
		}
		for _, n := range c.counted {
			if lines[n].Packets == 0 {
				t.Errorf("%s: rule %d counted nothing: %+v", name, n, lines)
			}
		}
		for _, n := range c.quiet {
			if lines[n].Packets != 0 {
				t.Errorf("%s: rule %d counted %d packets, want none", name, n, lines[n].Packets)
			}
		}
		for _, n := range c.states {
			if lines[n].States == 0 {
				t.Errorf("%s: rule %d made no state: %+v", name, n, lines[n])
			}
		}
	}
	dumpC.Stop(t)
	dumpS.Stop(t)
	textC, textS := dumpC.Text(t, "-nn"), dumpS.Text(t, "-nn")
	for i, c := range table {
		port := strconv.Itoa(base + i)
		var text, want string
		switch c.probe {
		case udpCS:
			text, want = textS, "> "+l.s+"."+port+":"
		case tcpCS:
			text, want = textS, "> "+l.s+"."+port+": Flags [S]"
		case udpSC, udpRdr:
			text, want = textC, "> "+l.c+"."+port+":"
		default:
			continue
		}
		if got := strings.Contains(text, want); got != c.arrive {
			t.Errorf("case %02d %s %q: the far side's capture has %q: %v, want %v", i+1, c.probe, c.rules, want, got, c.arrive)
		}
	}
	t.Run("tshark", func(t *testing.T) {
		hosttest.TsharkClean(t, dumpC.Path)
		hosttest.TsharkClean(t, dumpS.Path)
	})
	st := f.Stats()
	t.Logf("%d cases; filter: passed %d blocked %d state hits %d states made %d link control %d; nat %+v",
		len(table), st.Passed, st.Blocked, st.StateMatches, st.StatesMade, st.LinkControl, f.NATStats())
}

// lab is the filter table's topology in one address family: Linux C on
// our tap0, Linux S on our tap1, our stack routing between them with the
// filter f on its hook points; C's default route and S's route to C's
// network go through us.
type lab struct {
	h          *stacktest.Host // IPv4 labs
	f          *pf.Filter
	nsC, nsS   *hosttest.Namespace
	devC, devS string
	// Addresses: C, ours on C's link, S, ours on S's link.
	c, usC, s, usS string
}

// newRouterLab builds the IPv4 lab (the tbl* addresses) and returns its
// parts.
func newRouterLab(t *testing.T, tag string, o pf.Options) (*stacktest.Host, *pf.Filter, *hosttest.Namespace, *hosttest.Namespace, string, string) {
	t.Helper()
	l := newLab(t, tag, o, false)
	return l.h, l.f, l.nsC, l.nsS, l.devC, l.devS
}

// newLab builds the lab, IPv4 (the tbl* addresses) or IPv6 (the tbl6*
// ones; our stack then runs IPv4 and IPv6, the filter is on both); tag
// names the namespaces and links.
func newLab(t *testing.T, tag string, o pf.Options, v6 bool) *lab {
	t.Helper()
	pool := stacktest.NewPool(t, 2048)
	l := &lab{nsC: hosttest.NewNamespace(t, tag+"C"), nsS: hosttest.NewNamespace(t, tag+"S"),
		devC: hosttest.LinkName(tag + "C"), devS: hosttest.LinkName(tag + "S"),
		c: tblC, usC: tblUsC, s: tblS, usS: tblUsS}
	var s *stack.Stack
	var ip6 *ipv6.IPv6
	if v6 {
		l.c, l.usC, l.s, l.usS = tbl6C, tbl6UsC, tbl6S, tbl6UsS
		ip4 := ipv4.New(ipv4.Options{})
		ip6 = ipv6.New(ipv6.Options{Forwarding: true})
		var err error
		if s, err = stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip4, ip6}}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		l.f = pf.New(s, o)
		if err := l.f.AttachIPv6(ip6); err != nil {
			t.Fatal(err)
		}
	} else {
		l.h = stacktest.NewHost(t, pool, stacktest.Config{IP: ipv4.Options{Forwarding: true}})
		s = l.h.S
		l.f = pf.New(s, o)
		if err := l.f.Attach(l.h.IP); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(l.f.Detach)
	for i, c := range []struct {
		ns         *hosttest.Namespace
		dev        string
		ours, peer string
	}{{l.nsC, l.devC, l.usC, l.c}, {l.nsS, l.devS, l.usS, l.s}} {
		p, err := tap.Open(c.dev, pool, tap.Options{})
		if err != nil {
			t.Fatal(err)
		}
		plen := "/24"
		if v6 {
			plen = "/64"
			c.ns.TakeLink(t, c.dev)
			c.ns.IP(t, "addr", "add", c.peer+plen, "dev", c.dev, "nodad")
		} else {
			c.ns.TakeLink(t, c.dev, c.peer+plen)
		}
		ifc, err := s.Attach(fmt.Sprintf("tap%d", i), p, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Detach(ifc); _ = p.Close() })
		pfx := netip.MustParsePrefix(c.ours + plen)
		if v6 {
			if err := ip6.AddAddress(ifc, pfx); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err = ip6.WaitDAD(ctx, ifc, pfx.Addr())
			cancel()
			if err != nil {
				t.Fatalf("DAD for %v: %v", pfx, err)
			}
		} else if err := s.AddAddress(ifc, pfx); err != nil {
			t.Fatal(err)
		}
	}
	if v6 {
		l.nsC.IP(t, "-6", "route", "add", "default", "via", l.usC)
		l.nsS.IP(t, "-6", "route", "add", "2001:db8:96::/64", "via", l.usS)
	} else {
		l.nsC.IP(t, "route", "add", "default", "via", l.usC)
		l.nsS.IP(t, "route", "add", "198.18.96.0/24", "via", l.usS)
	}
	return l
}

type probeResult struct {
	arrived, replied bool
	seen             netip.AddrPort
	err              error
}

// Waits: a packet that is to arrive has 5 s (loaded machine); one that is
// not is given 600 ms before it is declared stopped (the capture at the
// far side checks the same thing over the whole run).
const (
	waitYes = 5 * time.Second
	waitNo  = 600 * time.Millisecond
)

func wait(want bool) time.Duration {
	if want {
		return waitYes
	}
	return waitNo
}

func runProbe(l *lab, c filterCase, port int) probeResult {
	p := strconv.Itoa(port)
	nsC, nsS := l.nsC, l.nsS
	switch c.probe {
	case udpCS:
		return udpExchange(nsC, net.JoinHostPort(l.c, strconv.Itoa(c.sport)), nsS, net.JoinHostPort(l.s, p), net.JoinHostPort(l.s, p), c)
	case udpSC:
		return udpExchange(nsS, net.JoinHostPort(l.s, strconv.Itoa(c.sport)), nsC, net.JoinHostPort(l.c, p), net.JoinHostPort(l.c, p), c)
	case udpRdr:
		return udpExchange(nsS, net.JoinHostPort(l.s, strconv.Itoa(c.sport)), nsC, net.JoinHostPort(l.c, p), net.JoinHostPort(l.usS, p), c)
	case tcpCS:
		return tcpConnect(nsC, nsS, net.JoinHostPort(l.s, p), c.reply)
	case pingCS, pingUs:
		to := l.s
		if c.probe == pingUs {
			to = l.usC
		}
		args := []string{"-c", "1", "-W", "1", to}
		if c.reply {
			args = []string{"-c", "2", "-i", "0.3", "-W", "3", to}
		}
		out, err := nsC.Output("ping", args...)
		return probeResult{replied: err == nil && strings.Contains(out, " bytes from ")}
	}
	return probeResult{err: errors.New("unknown probe")}
}

// udpExchange: a datagram from a socket bound to from (in nsFrom) to dst;
// the receiver bound to listen (in nsTo) answers to the source it saw.
func udpExchange(nsFrom *hosttest.Namespace, from string, nsTo *hosttest.Namespace, listen, dst string, c filterCase) probeResult {
	var rx, tx *net.UDPConn
	if err := nsTo.Do(func() (err error) { rx, err = listenUDP(listen); return err }); err != nil {
		return probeResult{err: err}
	}
	defer rx.Close()
	if err := nsFrom.Do(func() (err error) { tx, err = listenUDP(from); return err }); err != nil {
		return probeResult{err: err}
	}
	defer tx.Close()
	var r probeResult
	if _, err := tx.WriteToUDPAddrPort([]byte("filter table"), netip.MustParseAddrPort(dst)); err != nil {
		return probeResult{err: err}
	}
	buf := make([]byte, 64)
	_ = rx.SetReadDeadline(time.Now().Add(wait(c.arrive)))
	n, seen, err := rx.ReadFromUDPAddrPort(buf)
	if err != nil {
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			r.err = err
		}
		return r
	}
	r.arrived, r.seen = string(buf[:n]) == "filter table", seen
	if _, err := rx.WriteToUDPAddrPort([]byte("answer"), seen); err != nil {
		r.err = err
		return r
	}
	_ = tx.SetReadDeadline(time.Now().Add(wait(c.reply)))
	n, _, err = tx.ReadFromUDPAddrPort(buf)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		r.err = err
	}
	r.replied = err == nil && string(buf[:n]) == "answer"
	return r
}

// listenUDP binds addr (IPv4 or IPv6: the socket is of its family).
func listenUDP(addr string) (*net.UDPConn, error) {
	return net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
}

// tcpConnect: C connects to S's listener at addr; replied is whether the
// handshake completed (S accepted).
func tcpConnect(nsC, nsS *hosttest.Namespace, addr string, want bool) probeResult {
	var ln net.Listener
	if err := nsS.Do(func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
		return probeResult{err: err}
	}
	defer ln.Close()
	accepted := make(chan bool, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_ = c.Close()
		}
		accepted <- err == nil
	}()
	var c net.Conn
	timeout := 1500 * time.Millisecond
	if want {
		timeout = waitYes
	}
	err := nsC.Do(func() (err error) { c, err = net.DialTimeout("tcp", addr, timeout); return err })
	if err != nil {
		return probeResult{}
	}
	defer c.Close()
	select {
	case ok := <-accepted:
		return probeResult{replied: ok}
	case <-time.After(waitYes):
		return probeResult{err: errors.New("connected but the listener accepted nothing")}
	}
}
