package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/internal/hosttest"
)

// ctl runs gopktctl against the daemon's control socket.
type ctl struct {
	t    *testing.T
	bin  string
	sock string
}

func newCtl(t *testing.T) *ctl {
	t.Helper()
	dir, err := os.MkdirTemp("", "gopkt-ctl-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	// World-searchable: the socket's authorization is the daemon's (peer
	// credentials), which the refused-user test checks.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return &ctl{t: t, bin: hosttest.GoBinary(t, "github.com/gopkt/gopkt/tools/gopktctl"), sock: filepath.Join(dir, "gopkt.sock")}
}

func (c *ctl) cmd(args ...string) *exec.Cmd {
	return exec.Command(c.bin, append([]string{"--socket", c.sock}, args...)...)
}

// run runs gopktctl and fails the test unless it exits 0.
func (c *ctl) run(args ...string) string {
	c.t.Helper()
	out, err := c.cmd(args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("gopktctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// json runs gopktctl --json and decodes its output into v.
func (c *ctl) json(v any, args ...string) {
	c.t.Helper()
	out, err := c.cmd(append([]string{"--json"}, args...)...).Output()
	if err != nil {
		c.t.Fatalf("gopktctl --json %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if err := json.Unmarshal(out, v); err != nil {
		c.t.Fatalf("gopktctl --json %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestControlTap drives a daemon that has a tap in a namespace through
// gopktctl: the address comes from gopktctl ifconfig, Linux pings it, and
// every listing verb shows what happened; a capture streams into tshark;
// a user who is neither root nor in the control group is refused.
func TestControlTap(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tshark)
	ns, dev := hosttest.NewNamespace(t, "ctl"), hosttest.LinkName("c")
	c := newCtl(t)
	r := startRun([]string{"--control", c.sock, "--control-group", "65533", "-d", "tap", "linux=" + dev + ",mac=02:00:5e:00:47:02", "-p", "ipv4", "-p", "udp",
		"--udp-echo", "7", "--udp-sink", "9000-9001"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev, "198.18.71.1/24")

	c.run("ifconfig", "tap0", "add", "198.18.71.2/24", "up")
	if out, err := ns.Output("ping", "-c", "3", "-i", "0.2", "-W", "2", "198.18.71.2"); !strings.Contains(out, "3 received") {
		st, _ := c.cmd("stat", "-z").CombinedOutput()
		nb, _ := ns.Output("ip", "-s", "neigh")
		lk, _ := ns.Output("ip", "-s", "link")
		t.Fatalf("Linux ping after gopktctl ifconfig: %v\n%s\n--- gopktctl stat -z\n%s\n--- Linux neighbours\n%s\n%s\n--- daemon\n%s", err, out, st, nb, lk, r.errOut.String())
	}

	var ifs []control.Interface
	c.json(&ifs, "ifconfig")
	if len(ifs) != 2 || ifs[1].Name != "tap0" || ifs[1].Driver != "tap" || len(ifs[1].Addrs) != 1 || ifs[1].Addrs[0] != "198.18.71.2/24" {
		t.Errorf("ifconfig: %+v", ifs)
	}
	if out := c.run("ifconfig", "tap0"); !strings.Contains(out, "tap0: <UP> mtu 1500 link up") || !strings.Contains(out, "driver tap") ||
		!strings.Contains(out, "inet 198.18.71.2/24") || !strings.Contains(out, "link/ether 02:00:5e:00:47:02") {
		t.Errorf("ifconfig tap0:\n%s", out)
	}

	c.run("route", "add", "198.18.72.0/24", "via", "198.18.71.1")
	if out := c.run("route"); !strings.Contains(out, "198.18.72.0/24") || !strings.Contains(out, "198.18.71.1") {
		t.Errorf("route after add:\n%s", out)
	}
	c.run("route", "del", "198.18.72.0/24", "via", "198.18.71.1")
	var rs []control.Route
	c.json(&rs, "route")
	for _, rt := range rs {
		if rt.Dest == "198.18.72.0/24" {
			t.Errorf("route still there after del: %+v", rs)
		}
	}

	var ns4 []control.Neighbour
	c.json(&ns4, "arp")
	if len(ns4) == 0 || ns4[0].Addr != "198.18.71.1" || ns4[0].Iface != "tap0" || ns4[0].MAC == "" {
		t.Errorf("arp: %+v", ns4)
	}
	if out := c.run("arp"); !strings.Contains(out, "198.18.71.1") {
		t.Errorf("arp:\n%s", out)
	}

	var socks []control.Socket
	c.json(&socks, "netstat")
	want := map[string]bool{"*:7": false, "*:9000": false, "*:9001": false}
	for _, s := range socks {
		if _, ok := want[s.Local]; ok && s.Proto == "udp" {
			want[s.Local] = true
		}
	}
	for k, ok := range want {
		if !ok {
			t.Errorf("netstat lacks udp %s: %+v", k, socks)
		}
	}

	var st control.Stats
	c.json(&st, "stat")
	if v := counter(st, "protocol", "proto", "ipv4", "in_receives"); v < 3 {
		t.Errorf("stat: ipv4 in_receives %d, want at least the 3 pings", v)
	}
	if v := counter(st, "protocol", "proto", "ipv4", "icmp_out_echo_reps"); v < 3 {
		t.Errorf("stat: icmp_out_echo_reps %d", v)
	}
	if v := counter(st, "port", "iface", "tap0", "rx_packets"); v < 3 {
		t.Errorf("stat: tap0 port rx_packets %d", v)
	}
	if out := c.run("stat", "quota"); !strings.Contains(out, "quota quota=udp-rcvq:") {
		t.Errorf("stat quota:\n%s", out)
	}

	t.Run("DumpToTshark", func(t *testing.T) {
		ping := ns.Command("ping", "-c", "30", "-i", "0.1", "-W", "1", "198.18.71.2")
		if err := ping.Start(); err != nil {
			t.Fatal(err)
		}
		defer ping.Wait()
		defer ping.Process.Kill()
		sh := exec.Command("sh", "-c", fmt.Sprintf("%s --socket %s dump tap0 -c 10 -f icmp | tshark -r - -T fields -e icmp.type", c.bin, c.sock))
		out, err := sh.Output()
		if err != nil {
			t.Fatalf("gopktctl dump | tshark: %v\n%s", err, out)
		}
		lines := strings.Fields(string(out))
		if len(lines) != 10 {
			t.Fatalf("tshark read %d frames, want 10:\n%s", len(lines), out)
		}
		for _, l := range lines {
			if l != "8" && l != "0" {
				t.Errorf("icmp type %q in a capture filtered to icmp echo", l)
			}
		}
	})

	if out := c.run("log", "-n", "50"); !strings.Contains(out, "address added") || !strings.Contains(out, "control: capture ended") {
		t.Errorf("log:\n%s", out)
	}

	t.Run("LogFollow", func(t *testing.T) {
		var out syncBuffer
		f := c.cmd("log", "-n", "1", "-f")
		f.Stdout = &out
		if err := f.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = f.Process.Kill(); _ = f.Wait() }()
		time.Sleep(200 * time.Millisecond) // subscribed before the event (the tail covers a slow start)
		c.run("ifconfig", "tap0", "add", "198.18.71.9/24")
		c.run("ifconfig", "tap0", "del", "198.18.71.9/24")
		waitFor(t, &out, "msg=\"address deleted\" iface=tap0 addr=198.18.71.9/24", 5*time.Second)
	})

	t.Run("Refused", func(t *testing.T) {
		cmd := c.cmd("ifconfig")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitFail {
			t.Fatalf("gopktctl as uid 65534: %v, want exit status 1\n%s", err, out)
		}
		if !strings.Contains(string(out), "permission denied; uid 65534") || !strings.Contains(string(out), "neither root nor in the daemon's control group") {
			t.Errorf("refusal message:\n%s", out)
		}
		waitFor(t, &r.errOut, "control: connection refused", 5*time.Second)
		if !strings.Contains(r.errOut.String(), "uid=65534") {
			t.Errorf("daemon log lacks the refused uid:\n%s", r.errOut.String())
		}
	})

	t.Run("GroupMember", func(t *testing.T) {
		// The control group as a supplementary group of an otherwise
		// unprivileged user is enough.
		cmd := c.cmd("--json", "netstat")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{65533}}}
		out, err := cmd.Output()
		var socks []control.Socket
		if err != nil || json.Unmarshal(out, &socks) != nil || len(socks) < 3 {
			t.Errorf("gopktctl as uid 65534 in group 65533: %v\n%s", err, out)
		}
	})

	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s\n%s", code, r.out.String(), r.errOut.String())
	}
	if _, err := os.Stat(c.sock); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
}

// counter finds one counter in a stat answer.
func counter(st control.Stats, kind, label, value, name string) uint64 {
	for _, g := range st.Groups {
		if g.Kind != kind || g.Labels[label] != value {
			continue
		}
		for _, c := range g.Counters {
			if c.Name == name {
				return c.Value
			}
		}
	}
	return 0
}

// TestControlTap6 is TestControlTap's address, route and neighbour verbs
// with IPv6: gopktctl adds 2001:db8:73::2/64, Linux pings it, a route to
// 2001:db8:74::/64 is added and deleted, the neighbour list has Linux's
// entry from neighbour discovery, stat has IPv6's counters, and after
// ifconfig del Linux's pings go unanswered.
func TestControlTap6(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping)
	ns, dev := hosttest.NewNamespace(t, "ctl6"), hosttest.LinkName("c6")
	c := newCtl(t)
	r := startRun([]string{"--control", c.sock, "-d", "tap", "linux=" + dev + ",mac=02:00:5e:00:73:02", "-p", "ipv4", "-p", "ipv6"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev)
	ns.IP(t, "addr", "add", "2001:db8:73::1/64", "dev", dev, "nodad")

	c.run("ifconfig", "tap0", "add", "2001:db8:73::2/64", "up")
	// Our DAD takes a second (RFC 4862 §5.4) before the address answers.
	var out string
	for range 10 {
		if out, _ = ns.Output("ping", "-6", "-c", "1", "-W", "1", "2001:db8:73::2"); strings.Contains(out, "1 received") {
			break
		}
	}
	if !strings.Contains(out, "1 received") {
		t.Fatalf("Linux ping after gopktctl ifconfig add 2001:db8:73::2/64:\n%s\n%s", out, tail(r.out.String(), 20))
	}
	var ifs []control.Interface
	c.json(&ifs, "ifconfig")
	if len(ifs) != 2 || !slices.Contains(ifs[1].Addrs, "2001:db8:73::2/64") {
		t.Errorf("ifconfig: %+v", ifs)
	}
	if out := c.run("ifconfig", "tap0"); !strings.Contains(out, "inet6 2001:db8:73::2/64") || !strings.Contains(out, "inet6 fe80::") {
		t.Errorf("ifconfig tap0:\n%s", out)
	}

	c.run("route", "add", "2001:db8:74::/64", "via", "2001:db8:73::1")
	if out := c.run("route"); !strings.Contains(out, "2001:db8:74::/64") {
		t.Errorf("route after add:\n%s", out)
	}
	if out, err := c.cmd("route", "add", "2001:db8:75::/64", "via", "198.18.73.1").CombinedOutput(); err == nil || !strings.Contains(string(out), "want an IPv6 address") {
		t.Errorf("an IPv4 gateway for an IPv6 route: %v\n%s", err, out)
	}
	c.run("route", "del", "2001:db8:74::/64", "via", "2001:db8:73::1")
	var rs []control.Route
	c.json(&rs, "route")
	for _, rt := range rs {
		if rt.Dest == "2001:db8:74::/64" {
			t.Errorf("route still there after del: %+v", rs)
		}
	}

	var nb []control.Neighbour
	c.json(&nb, "arp")
	found := false
	for _, n := range nb {
		found = found || n.Proto == "ndp" && n.Addr == "2001:db8:73::1" && n.Iface == "tap0" && n.MAC != ""
	}
	if !found {
		t.Errorf("arp has no NDP entry for 2001:db8:73::1: %+v", nb)
	}
	if st := c.run("stat"); !regexp.MustCompile(`proto=ipv6:\n(.*\n)*? +icmp_in_echos +[1-9]`).MatchString(st) {
		t.Errorf("stat has no IPv6 echo requests:\n%s", st)
	}

	c.run("ifconfig", "tap0", "del", "2001:db8:73::2/64")
	if out, _ := ns.Output("ping", "-6", "-c", "2", "-i", "0.2", "-W", "1", "2001:db8:73::2"); !strings.Contains(out, " 0 received") {
		t.Errorf("Linux ping after ifconfig del:\n%s", out)
	}
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s", code, r.errOut.String())
	}
}
