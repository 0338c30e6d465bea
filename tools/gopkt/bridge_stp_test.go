package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestDaemonBridgeSTPLinux: the daemon's bridge with stp=on has both of
// its tap members on one Linux bridge running the kernel's IEEE 802.1D STP
// (stp_state 1, priority 4096): a loop. The tree must converge with
// Linux's bridge the root (our status names its bridge_id from sysfs), one
// of our members the root port forwarding and the other blocked, both
// Linux ports forwarding (designated); Linux pings our bridge's address
// across it, and the loop stays quiet (no storm). Timers are Linux's
// minimums (hello 1 s, max age 6 s, forward delay 2 s), set on our side by
// the -d bridge options. Addresses in 198.18.0.0/15 only.
func TestDaemonBridgeSTPLinux(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tool("bridge", "iproute2"))
	ns := hosttest.NewNamespace(t, "dstp")
	devA, devB := hosttest.LinkName("dstpA"), hosttest.LinkName("dstpB")
	ns.IP(t, "link", "add", "br0", "type", "bridge", "stp_state", "1", "priority", "4096",
		"hello_time", "100", "max_age", "600", "forward_delay", "200")
	r := startRun([]string{"-d", "tap", "linux=" + devA, "-d", "tap", "linux=" + devB,
		"-d", "bridge", "members=tap0+tap1,stp=on,priority=32768,hello=1s,maxage=6s,fwddelay=2s",
		"-p", "ipv4", "-p", "udp", "--ifconfig", "bridge0=198.18.46.3/24"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	defer func() {
		if code := r.stop(t); code != exitOK {
			t.Errorf("exit status %d\n%s\n%s", code, r.out.String(), r.errOut.String())
		}
	}()
	for _, dev := range []string{devA, devB} {
		hosttest.Run(t, "ip", "link", "set", dev, "netns", ns.Name)
		ns.Run(t, "sysctl", "-qw", "net.ipv6.conf."+dev+".disable_ipv6=1")
		ns.IP(t, "link", "set", dev, "master", "br0")
		ns.IP(t, "link", "set", dev, "up")
	}
	ns.IP(t, "addr", "add", "198.18.46.1/24", "dev", "br0")
	ns.IP(t, "link", "set", "br0", "up")
	root := strings.TrimSpace(ns.Run(t, "cat", "/sys/class/net/br0/bridge/bridge_id"))

	ours := regexp.MustCompile(`stp on: bridge id 8000\.[0-9a-f]{12} root ` + regexp.QuoteMeta(root) + ` cost 19 root port (tap[01]);`)
	var st string
	converged := func() bool {
		st = statusNow(t, r).text
		m := ours.FindStringSubmatch(st)
		if m == nil {
			return false
		}
		other := "tap1"
		if m[1] == "tap1" {
			other = "tap0"
		}
		linux := ns.Run(t, "bridge", "link", "show")
		return strings.Contains(st, "member "+m[1]+" forwarding root:") && strings.Contains(st, "member "+other+" blocking blocked:") &&
			strings.Count(linux, "state forwarding") == 2
	}
	deadline := time.Now().Add(40 * time.Second)
	for !converged() {
		if time.Now().After(deadline) {
			t.Fatalf("no convergence under Linux's root %s:\n%s\n%s", root, st, ns.Run(t, "bridge", "link", "show"))
		}
		time.Sleep(500 * time.Millisecond)
	}
	if out, err := ns.Output("ping", "-c", "5", "-i", "0.2", "-w", "20", "198.18.46.3"); err != nil || !strings.Contains(out, " 0% packet loss") {
		t.Errorf("Linux pings our bridge across the tree: %v\n%s", err, out)
	}
	rx := func(st string) (n uint64) {
		for _, m := range regexp.MustCompile(`member tap[01] \w+ \w+: rx (\d+)`).FindAllStringSubmatch(st, -1) {
			v, _ := strconv.ParseUint(m[1], 10, 64)
			n += v
		}
		return n
	}
	before := rx(statusNow(t, r).text)
	time.Sleep(2 * time.Second)
	after := statusNow(t, r).text
	// About one BPDU a second on each member; a storm would be thousands.
	if n := rx(after) - before; n > 20 {
		t.Errorf("%d frames in two quiet seconds: a storm\n%s", n, after)
	}
	if !converged() {
		t.Errorf("the tree changed after convergence:\n%s", st)
	}
	if !regexp.MustCompile(`bpdus in [1-9]\d* out \d+ bad 0;`).MatchString(st) {
		t.Errorf("BPDU counters:\n%s", st)
	}
	_, tail, _ := strings.Cut(st, "bridge bridge0")
	t.Logf("converged: bridge bridge0%s", tail)
}
