package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestDaemonTapLinuxIPv6: the daemon with -p ipv6 on a TAP device whose
// Linux end is in a namespace: Linux pings us (8000 bytes too), we ping
// Linux (--ping to an IPv6 address), Linux's UDP client gets its echoes
// from our dual-stack --udp-echo over IPv6 and IPv4, and the status shows
// the IPv6 address, route and Linux as a neighbour. Addresses are from
// 2001:db8::/32 and 198.18.0.0/15, inside the namespace only.
func TestDaemonTapLinuxIPv6(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tcpdump)
	ns, dev := hosttest.NewNamespace(t, "daemon6"), hosttest.LinkName("d6")

	r := startRun([]string{"-d", "tap", "linux=" + dev + ",mac=02:00:5e:00:08:02", "-p", "ipv4", "-p", "ipv6", "-p", "udp",
		"--ifconfig", "tap0=198.18.8.2/24", "--ifconfig", "tap0=2001:db8:8::2/64", "--route", "2001:db8:9::/48=2001:db8:8::1",
		"--udp-echo", "7", "--ping", "2001:db8:8::1,count=30,interval=200ms,timeout=1s"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev, "198.18.8.1/24")
	ns.IP(t, "addr", "add", "2001:db8:8::1/64", "dev", dev, "nodad")
	dump := ns.Capture(t, dev, "ip6")

	ping := ns.Run(t, "ping", "-6", "-c", "5", "-i", "0.2", "-W", "2", "2001:db8:8::2")
	if !strings.Contains(ping, "5 received") {
		t.Errorf("Linux ping:\n%s", ping)
	}
	ping = ns.Run(t, "ping", "-6", "-c", "3", "-i", "0.3", "-W", "2", "-s", "8000", "2001:db8:8::2")
	if !strings.Contains(ping, "3 received") || !strings.Contains(ping, "8008 bytes from 2001:db8:8::2") {
		t.Errorf("Linux ping -s 8000:\n%s", ping)
	}
	for _, dst := range []string{"[2001:db8:8::2]:7", "198.18.8.2:7"} {
		err := ns.Do(func() error {
			c, err := net.Dial("udp", dst)
			if err != nil {
				return err
			}
			defer c.Close()
			buf := make([]byte, 65536)
			for i, size := range []int{1, 1452, 5000} {
				msg := bytes.Repeat([]byte{byte(i), 0xa5, 0x0f}, size/3+1)[:size]
				if _, err := c.Write(msg); err != nil {
					return err
				}
				_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
				n, err := c.Read(buf)
				if err != nil || !bytes.Equal(buf[:n], msg) {
					return fmt.Errorf("echo of %d bytes: %d bytes back, %v", size, n, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("Linux UDP echo client to %s: %v", dst, err)
		}
	}
	neigh := ns.IP(t, "-6", "neigh", "show", "dev", dev)
	if !strings.Contains(neigh, "2001:db8:8::2 lladdr 02:00:5e:00:08:02") {
		t.Errorf("Linux neighbour table lacks us:\n%s", neigh)
	}
	waitFor(t, &r.out, "--- 2001:db8:8::1 ping statistics ---", 20*time.Second)
	dump.Stop(t)
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s\n%s", code, r.out.String(), r.errOut.String())
	}
	out := r.out.String()
	for _, re := range []string{
		`64 bytes from 2001:db8:8::1: icmp_seq=\d+ hlim=64`,
		`inet6 2001:db8:8::2/64`,
		`inet6 fe80::5eff:fe00:802/64`,
		`2001:db8:9::/48\s+via 2001:db8:8::1\s+dev tap0`,
		`2001:db8:8::1 dev tap0 lladdr [0-9a-f:]{17} (REACHABLE|STALE|DELAY|PROBE)`,
		`pool: 4096/4096 buffers free`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("daemon output lacks %q:\n%s", re, out)
		}
	}
	txt := dump.Text(t, "-n", "-vv", "-e")
	for _, bad := range []string{"malformed", "bad cksum", "bad udp cksum", "truncated", "[|"} {
		if strings.Contains(txt, bad) {
			t.Errorf("tcpdump says %q about a frame:\n%s", bad, txt)
		}
	}
	t.Run("Tshark", func(t *testing.T) { hosttest.TsharkClean(t, dump.Path) })
}

// TestDaemonSLAAC: --slaac tap0 against radvd in the namespace: the
// daemon's status shows an address on the advertised prefix, Linux as
// default router, and the advertised hop limit, link MTU, reachable time
// and retransmission timer as the interface's (RFC 4861 §6.3.4).
func TestDaemonSLAAC(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Tool("radvd", "radvd"), hosttest.Tool("sysctl", "procps"))
	ns, dev := hosttest.NewNamespace(t, "slaac"), hosttest.LinkName("sl")
	r := startRun([]string{"-d", "tap", "linux=" + dev + ",mac=02:00:5e:00:09:02", "-p", "ipv4", "-p", "ipv6", "--slaac", "tap0"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev)
	ns.Run(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
	dir := t.TempDir()
	cfg := "interface " + dev + " {\n AdvSendAdvert on;\n MinRtrAdvInterval 3;\n MaxRtrAdvInterval 10;\n" +
		" AdvCurHopLimit 42;\n AdvLinkMTU 1400;\n AdvReachableTime 12345;\n AdvRetransTimer 1500;\n" +
		" prefix 2001:db8:61::/64 {\n  AdvOnLink on;\n  AdvAutonomous on;\n };\n};\n"
	if err := os.WriteFile(dir+"/radvd.conf", []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := ns.Command("radvd", "-n", "-C", dir+"/radvd.conf", "-p", dir+"/radvd.pid", "-m", "stderr")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	want := regexp.MustCompile(`inet6 2001:db8:61:[0-9a-f:]+/64`)
	params := regexp.MustCompile(`inet6 hoplimit 42 \(ra\) mtu 1400 \(ra\) reachable [0-9.]+m?s of base 12.345s \(ra\) retrans 1.5s \(ra\)`)
	deadline := time.Now().Add(20 * time.Second)
	for !want.MatchString(r.out.String()) || !strings.Contains(r.out.String(), "default routers (RA): [fe80::") || !params.MatchString(r.out.String()) {
		if time.Now().After(deadline) {
			t.Fatalf("no SLAAC address or default router in the status:\n%s", r.out.String())
		}
		r.status <- syscall.SIGUSR1
		time.Sleep(500 * time.Millisecond)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	if !regexp.MustCompile(`default6\s+via fe80::`).MatchString(r.out.String()) {
		t.Errorf("no default route in the status:\n%s", r.out.String())
	}
}

// TestDaemonPFIPv6: --filter rules with -p ipv6 cover IPv6 too: under
// "block in all" with only IPv6 echo requests passed, Linux's IPv6 ping
// is answered (its neighbour solicitations pass before the rules, so it
// resolves us) and its IPv4 ping is not; the status counts the rule's
// packets and the neighbour discovery passed.
func TestDaemonPFIPv6(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	ns, dev := hosttest.NewNamespace(t, "pf6"), hosttest.LinkName("pf6")
	r := startRun([]string{"-d", "tap", "linux=" + dev + ",mac=02:00:5e:00:0a:02", "-p", "ipv4", "-p", "ipv6",
		"--ifconfig", "tap0=198.18.10.2/24", "--ifconfig", "tap0=2001:db8:a::2/64",
		"--filter", "block in all", "--filter", "pass in inet6 proto icmp6 icmp6-type echoreq"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev, "198.18.10.1/24")
	ns.IP(t, "addr", "add", "2001:db8:a::1/64", "dev", dev, "nodad")
	var ping string
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); {
		// Our address leaves DAD about a second after the daemon starts.
		if ping, _ = ns.Output("ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "2001:db8:a::2"); strings.Contains(ping, "3 received") {
			break
		}
	}
	if !strings.Contains(ping, "3 received") {
		t.Errorf("Linux's IPv6 ping under block in all + pass icmp6 echoreq:\n%s", ping)
	}
	if ping, _ := ns.Output("ping", "-c", "2", "-i", "0.2", "-W", "1", "198.18.10.2"); !strings.Contains(ping, " 0 received") {
		t.Errorf("Linux's IPv4 ping passed block in all:\n%s", ping)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	out := r.out.String()
	for _, re := range []string{
		`pf rule 2 "pass in inet6 proto icmp6 icmp6-type echoreq": [1-9]\d* packets`,
		`nd/mld passed [1-9]\d*`,
		`ipv4: in \d+ .* filtered [1-9]`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("status lacks %q:\n%s", re, out)
		}
	}
}

// TestDaemonSLAACLinkFlap: Linux takes the TAP's end down and up again (a
// pulled cable), and the daemon treats the link as new: after the flap
// Linux's capture sees our DAD probes for the link-local and the SLAAC
// address again (RFC 4862 §5.4: from ::, to the solicited-node group) and
// a router solicitation (RFC 4861 §6.3.7), and the SLAAC address is back
// in the status.
func TestDaemonSLAACLinkFlap(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Tcpdump, hosttest.Tool("radvd", "radvd"), hosttest.Tool("sysctl", "procps"))
	ns, dev := hosttest.NewNamespace(t, "flap6"), hosttest.LinkName("fl")
	r := startRun([]string{"-d", "tap", "linux=" + dev + ",mac=02:00:5e:00:0b:02", "-p", "ipv4", "-p", "ipv6", "--slaac", "tap0"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev)
	ns.Run(t, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")
	dir := t.TempDir()
	cfg := "interface " + dev + " {\n AdvSendAdvert on;\n MinRtrAdvInterval 3;\n MaxRtrAdvInterval 10;\n" +
		" prefix 2001:db8:62::/64 {\n  AdvOnLink on;\n  AdvAutonomous on;\n };\n};\n"
	if err := os.WriteFile(dir+"/radvd.conf", []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := ns.Command("radvd", "-n", "-C", dir+"/radvd.conf", "-p", dir+"/radvd.pid", "-m", "stderr")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	slaac := regexp.MustCompile(`inet6 (2001:db8:62:[0-9a-f:]+)/64`)
	ll := regexp.MustCompile(`inet6 (fe80::[0-9a-f:]+)/64`)
	status := func(re *regexp.Regexp, what string, since int) string {
		t.Helper()
		for end := time.Now().Add(20 * time.Second); ; time.Sleep(500 * time.Millisecond) {
			if m := re.FindStringSubmatch(r.out.String()[since:]); m != nil {
				return m[1]
			}
			if time.Now().After(end) {
				t.Fatalf("no %s in the status:\n%s", what, r.out.String())
			}
			r.status <- syscall.SIGUSR1
		}
	}
	addr := status(slaac, "SLAAC address", 0)
	local := status(ll, "link-local address", 0)

	// "any": a capture on the device itself ends when it goes down.
	dump := ns.Capture(t, "any", "icmp6")
	ns.IP(t, "link", "set", dev, "down")
	time.Sleep(time.Second)
	up := time.Now()
	ns.IP(t, "link", "set", dev, "up")
	since := len(r.out.String())
	probe := func(a string) *regexp.Regexp {
		return regexp.MustCompile(`(?m)^([0-9.]+) .*IP6 :: > ff02::1:ff[0-9a-f:]+: ICMP6, neighbor solicitation, who has ` + regexp.QuoteMeta(a) + `,`)
	}
	rs := regexp.MustCompile(`(?m)^([0-9.]+) .*IP6 fe80::[0-9a-f:]+ > ff02::2: ICMP6, router solicitation`)
	after := func(out string, re *regexp.Regexp) bool {
		for _, m := range re.FindAllStringSubmatch(out, -1) {
			var ts float64
			if _, err := fmt.Sscan(m[1], &ts); err == nil && ts >= float64(up.UnixMicro())/1e6 {
				return true
			}
		}
		return false
	}
	var out string
	for end := time.Now().Add(15 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		out, _ = ns.Output("tcpdump", "-n", "-tt", "-r", dump.Path)
		if after(out, probe(addr)) && after(out, probe(local)) && after(out, rs) {
			break
		}
	}
	dump.Stop(t)
	out, _ = ns.Output("tcpdump", "-n", "-tt", "-r", dump.Path)
	for _, c := range []struct {
		what string
		re   *regexp.Regexp
	}{{"DAD probe for " + addr, probe(addr)}, {"DAD probe for " + local, probe(local)}, {"router solicitation", rs}} {
		if !after(out, c.re) {
			t.Errorf("no %s after the link came back up (%.6f):\n%s", c.what, float64(up.UnixMicro())/1e6, out)
		}
	}
	if a := status(slaac, "SLAAC address after the flap", since); a != addr {
		t.Errorf("SLAAC address %s after the flap, was %s", a, addr)
	}
	// The router answers a probe (once Linux's own link-local address
	// passed its DAD) or advertises: the same link (RFC 6059).
	status(regexp.MustCompile(`attachment \(RFC 6059, after a link up\): detections [1-9]\d* probes [1-9]\d* (same link 1) new link 0 undecided 0`), "RFC 6059 detection ending on the same link", since)
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
	if !strings.Contains(r.errOut.String()+r.out.String(), "link down") {
		t.Errorf("the daemon did not log the link going down:\n%s", r.errOut.String())
	}
}
