package main

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

func TestParseArgsTunnelErrors(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"-p ipv4 -d gre remote=198.18.0.2", `-d gre remote=198.18.0.2: missing local=ADDR (the tunnel's outer IPv4 endpoints)`},
		{"-p ipv4 -d gif local=198.18.0.1,remote=2001:db8::1", `-d gif local=198.18.0.1,remote=2001:db8::1: remote=2001:db8::1: "2001:db8::1" is not an IPv4 address`},
		{"-p ipv4 -d gre local=198.18.0.1,remote=224.0.0.1", `-d gre local=198.18.0.1,remote=224.0.0.1: local= and remote= must be unicast addresses`},
		{"-p ipv4 -d gre local=198.18.0.1,remote=198.18.0.2,key=x", `-d gre local=198.18.0.1,remote=198.18.0.2,key=x: key=x: want a number from 0 to 4294967295`},
		{"-p ipv4 -d gre local=198.18.0.1,remote=198.18.0.2,mtu=3000", `-d gre local=198.18.0.1,remote=198.18.0.2,mtu=3000: mtu=3000: want a number from 68 to 2034`},
		{"-d gif local=198.18.0.1,remote=198.18.0.2", `-d gif local=198.18.0.1,remote=198.18.0.2: the tunnel sends through IPv4: add -p ipv4`},
		{"-p ipv4 -d gif local=198.18.0.1,remote=198.18.0.2,name=tun5", `-d gif local=198.18.0.1,remote=198.18.0.2,name=tun5: name=tun5: gif interfaces are named gif0, gif1 and so on`},
	} {
		_, err := parseArgs(args(tc.args), defaultRegistry())
		var ue *usageError
		if !errors.As(err, &ue) || err.Error() != tc.want {
			t.Errorf("parseArgs(%q):\n got %v\nwant %s", tc.args, err, tc.want)
		}
	}
}

// TestDaemonTunnelsLinux: two daemons, each on a TAP into one Linux
// namespace that routes between them, run a gre tunnel (key 42) and a gif
// tunnel made with -d gre and -d gif. Each daemon pings the other through
// both tunnels; Linux sends UDP into each tunnel through the daemon in
// front of it (forwarding on), to the echo service of the one behind.
// tcpdump, the reference decoder, must read the outer packets as GRE with
// key 0x2a and as IPv4-in-IPv4 carrying those pings and datagrams, and
// tshark must find nothing malformed. The host kernel has no gre or ipip
// of its own here: Linux is the transit router; Linux as tunnel endpoint
// is the VM lane's. Addresses in 198.18.0.0/15 only.
func TestDaemonTunnelsLinux(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Tcpdump)
	ns := hosttest.NewNamespace(t, "dtn")
	ns.Run(t, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	devA, devB := hosttest.LinkName("dtnA"), hosttest.LinkName("dtnB")
	daemon := func(dev, me, peer, gw, greAddr, gifAddr, pingGRE, pingGIF string) *daemonRun {
		return startRun([]string{"-d", "tap", "linux=" + dev,
			"-d", "gre", "local=" + me + ",remote=" + peer + ",key=42", "-d", "gif", "local=" + me + ",remote=" + peer,
			"-p", "ipv4,forwarding=on", "-p", "udp", "--udp-echo", "7",
			"--ifconfig", "tap0=" + me + "/24", "--ifconfig", "gre0=" + greAddr, "--ifconfig", "gif0=" + gifAddr,
			"--route", "198.18.0.0/15=" + gw,
			"--ping", pingGRE + ",count=25,interval=200ms,timeout=1s", "--ping", pingGIF + ",count=25,interval=200ms,timeout=1s"}, env{})
	}
	a := daemon(devA, "198.18.48.2", "198.18.49.2", "198.18.48.1", "198.18.50.1/30", "198.18.51.1/30", "198.18.50.2", "198.18.51.2")
	b := daemon(devB, "198.18.49.2", "198.18.48.2", "198.18.49.1", "198.18.50.2/30", "198.18.51.2/30", "198.18.50.1", "198.18.51.1")
	waitFor(t, &a.out, "gopkt: running", 10*time.Second)
	waitFor(t, &b.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, devA, "198.18.48.1/24")
	ns.TakeLink(t, devB, "198.18.49.1/24")
	dump := ns.Capture(t, devA, "ip proto 47 or ip proto 4")
	// Linux reaches B's gre address through A, and A's gif address
	// through B: into each tunnel kind from the other end.
	// The echoes come back outside the tunnels, on the other link: no
	// reverse-path filter.
	for _, c := range []string{"all", devA, devB} {
		ns.Run(t, "sysctl", "-q", "-w", "net.ipv4.conf."+c+".rp_filter=0")
	}
	ns.IP(t, "route", "add", "198.18.50.2/32", "via", "198.18.48.2")
	ns.IP(t, "route", "add", "198.18.51.1/32", "via", "198.18.49.2")
	for _, dst := range []string{"198.18.50.2", "198.18.51.1"} {
		if err := ns.Do(func() error { return udpEcho(dst, 5) }); err != nil {
			t.Errorf("UDP echo at %s through the tunnel: %v", dst, err)
		}
	}
	for _, r := range []*daemonRun{a, b} {
		waitFor(t, &r.out, "--- 198.18.51.", 30*time.Second)
	}
	dump.Stop(t)
	for _, c := range []struct {
		r    *daemonRun
		name string
		from []string
	}{{a, "A", []string{"198.18.50.2", "198.18.51.2"}}, {b, "B", []string{"198.18.50.1", "198.18.51.1"}}} {
		if code := c.r.stop(t); code != exitOK {
			t.Errorf("daemon %s exit status %d\n%s\n%s", c.name, code, c.r.out.String(), c.r.errOut.String())
		}
		out := c.r.out.String()
		for _, f := range c.from {
			if !strings.Contains(out, "bytes from "+f) {
				t.Errorf("daemon %s had no reply from %s through its tunnel:\n%s", c.name, f, out)
			}
		}
		if !strings.Contains(out, "pool: 4096/4096 buffers free") {
			t.Errorf("daemon %s did not end with its pool full:\n%s", c.name, out)
		}
	}
	text := dump.Text(t, "-nn", "-v")
	for _, want := range []string{
		"GREv0, Flags [key present], key=0x2a",
		"198.18.50.1 > 198.18.50.2: ICMP echo request",
		"198.18.50.2 > 198.18.50.1: ICMP echo reply",
		"198.18.51.1 > 198.18.51.2: ICMP echo request",
		"198.18.51.2 > 198.18.51.1: ICMP echo reply",
		"198.18.48.1.", // Linux's datagram inside GRE, towards B's echo service
		"> 198.18.50.2.7: UDP, length 5",
		"> 198.18.51.1.7: UDP, length 5", // Linux's datagram inside IPIP, from B to A
	} {
		if !strings.Contains(text, want) {
			t.Errorf("tcpdump on A's link does not show %q:\n%s", want, text)
		}
	}
	t.Run("tshark", func(t *testing.T) { hosttest.TsharkClean(t, dump.Path) })
}

// udpEcho sends n datagrams to dst port 7 and wants each echoed. The
// echo service answers from a wildcard socket, so the reply's source is
// the address of the interface it leaves by (the daemon's TAP address,
// not dst): the socket is not connected.
func udpEcho(dst string, n int) error {
	c, err := net.ListenPacket("udp4", ":0")
	if err != nil {
		return err
	}
	defer c.Close()
	to := &net.UDPAddr{IP: net.ParseIP(dst), Port: 7}
	buf := make([]byte, 64)
	got := 0
	for i := range n * 4 {
		msg := fmt.Sprintf("dg%03d", i)
		if _, err := c.WriteTo([]byte(msg), to); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		m, _, err := c.ReadFrom(buf)
		if err == nil && string(buf[:m]) == msg {
			if got++; got == n {
				return nil
			}
		}
	}
	return fmt.Errorf("%d of %d datagrams echoed", got, n)
}
