package main

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

func TestParseArgsL2Errors(t *testing.T) {
	for _, tc := range []struct{ args, want string }{
		{"-d vlan vid=5", `-d vlan vid=5: missing parent=IFACE (an interface from an earlier -d)`},
		{"-d vlan parent=tap0,vid=5", `-d vlan parent=tap0,vid=5: interface tap0 is not loaded before it (put its -d line first)`},
		{"-d tap -d vlan parent=tap0,vid=4095", `-d vlan parent=tap0,vid=4095: vid=4095: want a number from 1 to 4094`},
		{"-d tap -d vlan parent=tap0,vid=5,name=v5", `-d vlan parent=tap0,vid=5,name=v5: name=v5: vlan interfaces are named vlan0, vlan1 and so on`},
		{"-d bridge", `-d bridge: missing members=IFACE+IFACE (interfaces from earlier -d lines, joined by +)`},
		{"-d tap -d bridge members=tap0+tap1", `-d bridge members=tap0+tap1: interface tap1 is not loaded before it (put its -d line first)`},
		{"-d tun mtu=20", `-d tun mtu=20: mtu=20: want a number from 68 to 2034`},
		{"-d tap -d tap -d bridge members=tap0+tap1,priority=4096", `-d bridge members=tap0+tap1,priority=4096: priority= needs stp=on`},
		{"-d tap -d tap -d bridge members=tap0+tap1,stp=maybe", `-d bridge members=tap0+tap1,stp=maybe: stp=maybe: want on or off`},
		{"-d tap -d tap -d bridge members=tap0+tap1,stp=on,priority=0", `-d bridge members=tap0+tap1,stp=on,priority=0: priority=0: want a number from 1 to 65535`},
		{"-d tap -d tap -d bridge members=tap0+tap1,stp=on,hello=0s", `-d bridge members=tap0+tap1,stp=on,hello=0s: hello=0s: want a positive duration such as 500ms or 2s`},
	} {
		_, err := parseArgs(args(tc.args), defaultRegistry())
		var ue *usageError
		if !errors.As(err, &ue) || err.Error() != tc.want {
			t.Errorf("parseArgs(%q):\n got %v\nwant %s", tc.args, err, tc.want)
		}
	}
	c, err := parseArgs(args("-d tap -d tap -d bridge members=tap0+tap1 -d vlan parent=bridge0,vid=7 -p ipv4 --ifconfig vlan0=198.18.0.1/24"), defaultRegistry())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range c.Drivers {
		names = append(names, d.Name)
	}
	if strings.Join(names, " ") != "tap0 tap1 bridge0 vlan0" {
		t.Errorf("interfaces %v", names)
	}
}

// TestDaemonBridgeLinux: the daemon bridges two Linux namespaces over two
// tap drivers with -d bridge, and the bridge carries an address; the
// namespaces ping each other and the bridge, and the daemon pings one of
// them. Addresses in 198.18.0.0/15 only.
func TestDaemonBridgeLinux(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	nsA, nsB := hosttest.NewNamespace(t, "dbA"), hosttest.NewNamespace(t, "dbB")
	devA, devB := hosttest.LinkName("dbA"), hosttest.LinkName("dbB")
	r := startRun([]string{"-d", "tap", "linux=" + devA, "-d", "tap", "linux=" + devB, "-d", "bridge", "members=tap0+tap1",
		"-p", "ipv4", "--ifconfig", "bridge0=198.18.44.3/24", "--ping", "198.18.44.1,count=20,interval=200ms,timeout=1s"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	nsA.TakeLink(t, devA, "198.18.44.1/24")
	nsB.TakeLink(t, devB, "198.18.44.2/24")
	for _, c := range []struct {
		ns *hosttest.Namespace
		to string
	}{{nsA, "198.18.44.2"}, {nsB, "198.18.44.1"}, {nsA, "198.18.44.3"}} {
		out, err := c.ns.Output("ping", "-c", "3", "-i", "0.2", "-w", "20", c.to)
		if err != nil || !strings.Contains(out, " 0% packet loss") {
			t.Errorf("%s pings %s: %v\n%s", c.ns.Name, c.to, err, out)
		}
	}
	waitFor(t, &r.out, "--- 198.18.44.1 ping statistics ---", 20*time.Second)
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s\n%s", code, r.out.String(), r.errOut.String())
	}
	if out := r.out.String(); !strings.Contains(out, "bytes from 198.18.44.1") || !strings.Contains(out, "pool: 4096/4096 buffers free") {
		t.Errorf("daemon output:\n%s", out)
	}
}

// TestDaemonPFLinux: pf rules given as --filter block Linux's pings and
// pass its UDP to our echo service; the status report shows each rule's
// counters. Addresses in 198.18.0.0/15 only.
func TestDaemonPFLinux(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	ns, dev := hosttest.NewNamespace(t, "dpf"), hosttest.LinkName("dpf")
	r := startRun([]string{"-d", "tap", "linux=" + dev, "-p", "ipv4", "-p", "udp", "--ifconfig", "tap0=198.18.46.2/24", "--udp-echo", "7",
		"--filter", "block in all", "--filter", "pass in proto udp to 198.18.46.2 port 7", "--filter", "pass in proto icmp from 198.18.47.0/24 icmp-type echoreq"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev, "198.18.46.1/24")
	if out, err := ns.Output("ping", "-c", "2", "-i", "0.2", "-w", "3", "198.18.46.2"); err == nil {
		t.Errorf("ping passed a block in all:\n%s", out)
	}
	err := ns.Do(func() error {
		c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(198, 18, 46, 2), Port: 7})
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("through pf")); err != nil {
			return err
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != "through pf" {
			return fmt.Errorf("echo: %q %v", buf[:n], err)
		}
		return nil
	})
	if err != nil {
		t.Errorf("UDP to the echo service through pf: %v", err)
	}
	r.status <- syscall.SIGUSR1
	waitFor(t, &r.out, `pf rule 3 "pass in proto icmp from 198.18.47.0/24 icmp-type echoreq": 0 packets`, 10*time.Second)
	out := r.out.String()
	if !regexp.MustCompile(`pf rule 1 "block in all": [1-9]\d* packets`).MatchString(out) ||
		!regexp.MustCompile(`pf rule 2 "pass in proto udp to 198.18.46.2 port 7": [1-9]\d* packets \d+ bytes 1 states`).MatchString(out) {
		t.Errorf("status:\n%s", out)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s\n%s", code, r.out.String(), r.errOut.String())
	}
}
