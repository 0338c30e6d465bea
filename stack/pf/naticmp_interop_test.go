package pf_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"golang.org/x/sys/unix"
)

// TestInteropLinuxNATErrorsFragments: a Linux client C (198.18.92.1)
// behind our nat reaches a Linux server S (198.18.94.2) through a Linux
// router R (198.18.93.1 on our side, 198.18.94.1 on S's, MTU 1200 there).
// The ICMP errors about C's translated datagrams reach C translated back:
// R's time exceeded for ping -t 2 (ping matches it to its socket by the
// quoted echo identifier and prints it), S's port unreachable for UDP
// (C's connected socket gets ECONNREFUSED: the kernel matched the quoted
// ports) and R's fragmentation needed for ping -M do (C learns the path
// MTU 1200). Our own fragmentation needed (MTU 1400 towards R) quotes what
// C sent, not its translation (ipv4 checks the MTU before the forward
// hooks), so it reaches C. UDP datagrams of 3000 and 8000 bytes, fragmented by C and
// again by R (and S's replies the same way back), arrive whole in both
// directions, and S never sees the inside network. tcpdump on C's and S's
// links and tshark (IPv4, UDP, TCP and ICMP checksums verified, quotes
// included) find nothing wrong. The rule set is stateful ("block in on
// tap1 all", "pass out on tap1 keep state"): the errors pass as their
// connections, the replies' later fragments as their first fragments.
// Addresses in 198.18.0.0/15 only.
func TestInteropLinuxNATErrorsFragments(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tcpdump)
	pool := stacktest.NewPool(t, 2048)
	h := stacktest.NewHost(t, pool, stacktest.Config{IP: ipv4.Options{Forwarding: true}})
	nsC := hosttest.NewNamespace(t, "nfeC")
	rs := hosttest.NewVeth(t, "nfe", 94) // A: R, B: S
	nsR, nsS := rs.A, rs.B
	var ifcs [2]*stack.Interface
	for i, c := range []struct {
		ns         *hosttest.Namespace
		tag        string
		ours, peer string
	}{{nsC, "nfeC", "198.18.92.2/24", "198.18.92.1/24"}, {nsR, "nfeR", "198.18.93.2/24", "198.18.93.1/24"}} {
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
	if err := h.S.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("198.18.94.0/24"), Gateway: netip.MustParseAddr("198.18.93.1"),
		IfIndex: ifcs[1].Index(), Kind: route.Static}); err != nil {
		t.Fatal(err)
	}
	nsC.IP(t, "route", "add", "default", "via", "198.18.92.2")
	nsS.IP(t, "route", "add", "default", "via", "198.18.94.1")
	nsR.Run(t, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	nsR.IP(t, "link", "set", rs.IfA, "mtu", "1200")
	nsS.IP(t, "link", "set", rs.IfB, "mtu", "1200")
	nsR.IP(t, "link", "set", hosttest.LinkName("nfeR"), "mtu", "1400")
	if err := ifcs[1].SetMTU(1400); err != nil {
		t.Fatal(err)
	}
	f := pf.New(h.S, pf.Options{})
	// Stateful: nothing comes in on tap1 but replies, translated errors
	// (they pass as their connection) and later fragments of datagrams
	// whose first fragment passed.
	if err := f.Load("nat on tap1 from 198.18.92.0/24 to any -> (tap1)\nblock in on tap1 all\npass out on tap1 keep state"); err != nil {
		t.Fatal(err)
	}
	if err := f.Attach(h.IP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Detach)
	devC := hosttest.LinkName("nfeC")
	dumpC := nsC.Capture(t, devC, "icmp or udp")
	dumpS := nsS.Capture(t, rs.IfB, "icmp or udp")
	newEchoes(t, nsS, "198.18.94.2", 7, 7)

	// Time exceeded from R about a translated echo request.
	if out, _ := nsC.Output("ping", "-n", "-c", "2", "-i", "0.3", "-W", "2", "-t", "2", "198.18.94.2"); !strings.Contains(out, "From 198.18.93.1 icmp_seq=1 Time to live exceeded") {
		t.Errorf("ping -t 2 does not see R's time exceeded:\n%s", out)
	}
	// Time exceeded about a UDP datagram (checked in the captures), and
	// S's port unreachable for a closed port, which must reach the socket.
	err := nsC.Do(func() error {
		c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.ParseIP("198.18.94.2"), Port: 33434})
		if err != nil {
			return err
		}
		defer c.Close()
		rc, _ := c.SyscallConn()
		_ = rc.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TTL, 2) })
		if err != nil {
			return err
		}
		_, _ = c.Write([]byte("ttl 2"))
		time.Sleep(200 * time.Millisecond)
		_ = rc.Control(func(fd uintptr) { err = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_TTL, 64) })
		if err != nil {
			return err
		}
		buf := make([]byte, 64)
		for range 3 { // the first may meet S's ARP resolution; Linux queues it
			_, _ = c.Write([]byte("closed port"))
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			if _, err = c.Read(buf); errors.Is(err, syscall.ECONNREFUSED) {
				return nil
			}
		}
		return fmt.Errorf("no ECONNREFUSED from the closed port: %v", err)
	})
	if err != nil {
		t.Errorf("UDP to a closed port of S: %v", err)
	}
	// Datagrams larger than every MTU on the way, both ways.
	err = nsC.Do(func() error {
		c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.ParseIP("198.18.94.2"), Port: 7})
		if err != nil {
			return err
		}
		defer c.Close()
		buf := make([]byte, 9000)
		for _, n := range []int{3000, 8000} {
			msg := bytes.Repeat([]byte(fmt.Sprintf("%05d", n)), n/5)
			ok := false
			for range 3 {
				_, _ = c.Write(msg)
				_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
				if m, err := c.Read(buf); err == nil && bytes.Equal(buf[:m], msg) {
					ok = true
					break
				}
			}
			if !ok {
				return fmt.Errorf("the %d-byte datagram did not come back whole", n)
			}
		}
		return nil
	})
	if err != nil {
		t.Errorf("large UDP through nat: %v", err)
	}
	// Fragmentation needed from us (MTU 1400 towards R): made before the
	// translation, so it quotes what C sent and goes to C.
	out, _ := nsC.Output("ping", "-n", "-c", "2", "-i", "0.3", "-W", "2", "-M", "do", "-s", "1420", "198.18.94.2")
	rt, _ := nsC.Output("ip", "route", "get", "198.18.94.2")
	if !strings.Contains(out, "mtu = 1400") && !strings.Contains(rt, "mtu 1400") {
		t.Errorf("C did not learn our MTU 1400 from our fragmentation needed:\n%s\n%s", out, rt)
	}
	// Fragmentation needed from R (MTU 1200) about a translated echo with DF.
	out, _ = nsC.Output("ping", "-n", "-c", "2", "-i", "0.3", "-W", "2", "-M", "do", "-s", "1300", "198.18.94.2")
	rt, _ = nsC.Output("ip", "route", "get", "198.18.94.2")
	if !strings.Contains(out, "mtu = 1200") && !strings.Contains(rt, "mtu 1200") {
		t.Errorf("C did not learn R's MTU 1200 from the translated fragmentation needed:\n%s\n%s", out, rt)
	}
	wants := []struct{ side, want string }{
		{"client", "198.18.93.1 > 198.18.92.1: ICMP time exceeded in-transit"},
		{"client", "198.18.92.1 > 198.18.94.2: ICMP echo request"}, // the quote, translated back
		{"client", "198.18.94.2 > 198.18.92.1: ICMP 198.18.94.2 udp port 33434 unreachable"},
		{"client", "198.18.93.1 > 198.18.92.1: ICMP 198.18.94.2 unreachable - need to frag (mtu 1200)"},
		{"client", "198.18.92.2 > 198.18.92.1: ICMP 198.18.94.2 unreachable - need to frag (mtu 1400)"},
		{"client", "198.18.94.2.7 > 198.18.92.1."}, // the echoes' first fragments
		{"client", "flags [+], proto UDP (17), length 1500"},
		{"server", "198.18.93.2.5"},                          // nat's port range
		{"server", "flags [+], proto UDP (17), length 1196"}, // R refragmented ours
	}
	var wantC, wantS []string
	for _, w := range wants {
		if w.side == "client" {
			wantC = append(wantC, w.want)
		} else {
			wantS = append(wantS, w.want)
		}
	}
	dumpC.WaitFor(10*time.Second, wantC...)
	dumpS.WaitFor(10*time.Second, wantS...)
	dumpC.Stop(t)
	dumpS.Stop(t)
	textC, textS := dumpC.Text(t, "-nn", "-v"), dumpS.Text(t, "-nn", "-v")
	for _, c := range wants {
		text := textC
		if c.side == "server" {
			text = textS
		}
		if !strings.Contains(text, c.want) {
			t.Errorf("tcpdump on the %s side does not show %q:\n%s", c.side, c.want, text)
		}
	}
	if strings.Contains(textS, "198.18.92.") {
		t.Errorf("the inside network shows on the server side:\n%s", textS)
	}
	if strings.Contains(textC, "198.18.93.2") {
		t.Errorf("our outside address shows on the client side (an untranslated quote or fragment):\n%s", textC)
	}
	for _, bad := range []string{"bad cksum", "incorrect", "[|"} {
		if strings.Contains(textS+textC, bad) {
			t.Errorf("tcpdump reports %q", bad)
		}
	}
	st := f.NATStats()
	t.Logf("nat: %+v; filter %+v", st, f.Stats())
	if t.Failed() {
		t.Logf("client:\n%s\nserver:\n%s", textC, textS)
	}
	if st.Errors < 4 || st.Fragments < 10 || st.FragDropped != 0 || st.Refused != 0 || st.NotWritable != 0 {
		t.Errorf("translation counters %+v", st)
	}
	for name, path := range map[string]string{"client": dumpC.Path, "server": dumpS.Path} {
		t.Run("tshark-"+name, func(t *testing.T) {
			hosttest.TsharkClean(t, path)
			tsharkChecksums(t, path)
		})
	}
}

// tsharkChecksums has tshark verify every IPv4, UDP, TCP and ICMP
// checksum in the pcap (Wireshark leaves them unverified by default),
// those of ICMP quotes included, and fails on a bad one.
func tsharkChecksums(t *testing.T, pcap string) {
	t.Helper()
	out, err := exec.Command("tshark", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
		"-o", "tcp.check_checksum:TRUE", "-Y", "ip.checksum.status == 0 || udp.checksum.status == 0 || tcp.checksum.status == 0 || icmp.checksum.status == 0").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	var bad []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "Running as user") {
			bad = append(bad, l)
		}
	}
	if len(bad) > 0 {
		t.Errorf("tshark finds bad checksums:\n%s", strings.Join(bad, "\n"))
	}
}
