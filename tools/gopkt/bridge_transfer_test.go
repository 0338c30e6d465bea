package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestDaemonBridgeTransferFDB: the daemon's bridge (-d bridge over two tap
// drivers) between two Linux namespaces carries a 100 MB TCP transfer from
// one Linux to the other, checked end to end by SHA-256; a Linux bridge
// between two more namespaces (veth members) carries the same transfer in
// the same run, for comparison. The daemon's status then names each Linux
// MAC's member in the shape of "bridge fdb show" ("MAC dev tap0"), and
// with ageing=5s and the namespaces quiet (IPv6 off on their links: no
// router or multicast chatter) both addresses age out of it. Addresses in
// 198.18.0.0/15 only.
func TestDaemonBridgeTransferFDB(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tool("bridge", "iproute2"))
	nsA, nsB := hosttest.NewNamespace(t, "btA"), hosttest.NewNamespace(t, "btB")
	devA, devB := hosttest.LinkName("btA"), hosttest.LinkName("btB")
	r := startRun([]string{"-d", "tap", "linux=" + devA, "-d", "tap", "linux=" + devB,
		"-d", "bridge", "members=tap0+tap1,ageing=5s", "-p", "ipv4", "-p", "udp"}, env{}) // statusNow reads up to udp's lines
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	defer func() {
		if code := r.stop(t); code != exitOK {
			t.Errorf("exit status %d\n%s\n%s", code, r.out.String(), r.errOut.String())
		}
	}()
	quietLink(t, nsA, devA, "198.18.45.1/24")
	quietLink(t, nsB, devB, "198.18.45.2/24")
	macA, macB := nsMAC(t, nsA, devA), nsMAC(t, nsB, devB)

	// The Linux bridge: nsC and nsD on veths enslaved to br0 in nsL.
	nsC, nsD, nsL := hosttest.NewNamespace(t, "btC"), hosttest.NewNamespace(t, "btD"), hosttest.NewNamespace(t, "btL")
	for _, p := range []struct {
		ns   *hosttest.Namespace
		tag  string
		addr string
	}{{nsC, "btc", "198.18.45.11/24"}, {nsD, "btd", "198.18.45.12/24"}} {
		if p.ns == nsC {
			nsL.IP(t, "link", "add", "br0", "type", "bridge")
		}
		out, in := hosttest.LinkName(p.tag+"l"), hosttest.LinkName(p.tag)
		nsL.IP(t, "link", "add", out, "type", "veth", "peer", "name", in, "netns", p.ns.Name)
		nsL.IP(t, "link", "set", out, "master", "br0")
		nsL.IP(t, "link", "set", out, "up")
		p.ns.IP(t, "addr", "add", p.addr, "dev", in)
		p.ns.IP(t, "link", "set", in, "up")
	}
	nsL.IP(t, "link", "set", "br0", "up")

	for _, c := range []struct {
		ns *hosttest.Namespace
		to string
	}{{nsA, "198.18.45.2"}, {nsB, "198.18.45.1"}, {nsC, "198.18.45.12"}} {
		out, err := c.ns.Output("ping", "-c", "2", "-i", "0.2", "-w", "20", c.to)
		if err != nil || !strings.Contains(out, " 0% packet loss") {
			t.Fatalf("%s pings %s: %v\n%s", c.ns.Name, c.to, err, out)
		}
	}

	const size = 100 << 20
	ours, err := tcpTransfer(nsA, nsB, "198.18.45.2:40451", size)
	if err != nil {
		r.status <- syscall.SIGUSR1
		time.Sleep(time.Second)
		t.Fatalf("100 MB through our bridge: %v\n%s", err, r.out.String())
	}
	st := statusNow(t, r).text
	for _, want := range []string{macA.String() + " dev tap0 ", macB.String() + " dev tap1 "} {
		if !strings.Contains(st, want) {
			t.Errorf("our fdb lacks %q:\n%s", want, st)
		}
	}
	if !regexp.MustCompile(`member tap0 forwarding: rx [1-9]\d{4,} forwarded [1-9]\d{4,}`).MatchString(st) {
		t.Errorf("tap0's counters do not show the transfer:\n%s", st)
	}
	linux, err := tcpTransfer(nsC, nsD, "198.18.45.12:40452", size)
	if err != nil {
		t.Fatalf("100 MB through the Linux bridge: %v", err)
	}
	t.Logf("100 MB TCP, Linux to Linux, SHA-256 equal: through our bridge (TAP members) %.0f Mbit/s in %v; through a Linux bridge (veth members) %.0f Mbit/s in %v",
		mbits(size, ours), ours.Round(time.Millisecond), mbits(size, linux), linux.Round(time.Millisecond))

	// Quiet now: after the 5 s ageing time both addresses are gone.
	deadline := time.Now().Add(20 * time.Second)
	for {
		time.Sleep(5500 * time.Millisecond)
		st = statusNow(t, r).text
		if strings.Contains(st, "  fdb (0):") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("fdb still holds entries after the ageing time:\n%s", st)
		}
		t.Logf("not aged out yet (a frame refreshed an entry):\n%s", fdbLines(st))
	}
	// A ping learns them again, on the same members.
	if out, err := nsB.Output("ping", "-c", "1", "-w", "5", "198.18.45.1"); err != nil {
		t.Fatalf("ping after ageing: %v\n%s", err, out)
	}
	st = statusNow(t, r).text
	for _, want := range []string{macA.String() + " dev tap0 ", macB.String() + " dev tap1 "} {
		if !strings.Contains(st, want) {
			t.Errorf("relearned fdb lacks %q:\n%s", want, st)
		}
	}
}

// quietLink moves dev into ns with IPv6 off (no router solicitations or
// MLD reports to keep a bridge's entries fresh) and the address on.
func quietLink(t *testing.T, ns *hosttest.Namespace, dev, addr string) {
	t.Helper()
	hosttest.Run(t, "ip", "link", "set", dev, "netns", ns.Name)
	ns.Run(t, "sysctl", "-qw", "net.ipv6.conf."+dev+".disable_ipv6=1")
	ns.IP(t, "addr", "add", addr, "dev", dev)
	ns.IP(t, "link", "set", dev, "up")
}

// nsMAC is dev's address inside ns.
func nsMAC(t *testing.T, ns *hosttest.Namespace, dev string) net.HardwareAddr {
	t.Helper()
	m := regexp.MustCompile(`link/ether ([0-9a-f:]{17})`).FindStringSubmatch(ns.IP(t, "link", "show", "dev", dev))
	if m == nil {
		t.Fatalf("no MAC for %s in %s", dev, ns.Name)
	}
	hw, _ := net.ParseMAC(m[1])
	return hw
}

func fdbLines(st string) string {
	var b strings.Builder
	for _, l := range strings.Split(st, "\n") {
		if strings.HasPrefix(l, "    ") && strings.Contains(l, " dev ") || strings.Contains(l, "fdb (") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// tcpTransfer sends size pseudo-random bytes over TCP from a socket in
// from to a listener in to (both Linux's: the sockets belong to their
// namespaces) and compares SHA-256 of what was sent and what arrived. It
// returns the time from connect to the receiver's end of stream.
func tcpTransfer(from, to *hosttest.Namespace, addr string, size int64) (time.Duration, error) {
	var ln net.Listener
	if err := to.Do(func() (err error) { ln, err = net.Listen("tcp4", addr); return err }); err != nil {
		return 0, err
	}
	defer ln.Close()
	type result struct {
		sum [sha256.Size]byte
		n   int64
		err error
	}
	got := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- result{err: err}
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(4 * time.Minute))
		h := sha256.New()
		n, err := io.Copy(h, c)
		var r result
		copy(r.sum[:], h.Sum(nil))
		r.n, r.err = n, err
		got <- r
	}()
	var c net.Conn
	start := time.Now()
	if err := from.Do(func() (err error) { c, err = net.DialTimeout("tcp4", addr, 10*time.Second); return err }); err != nil {
		return 0, err
	}
	_ = c.SetDeadline(time.Now().Add(4 * time.Minute))
	h := sha256.New()
	src := io.TeeReader(io.LimitReader(rand.NewChaCha8([32]byte{'g', 'o', 'p', 'k', 't'}), size), h)
	if _, err := io.CopyBuffer(c, src, make([]byte, 256<<10)); err != nil {
		c.Close()
		return 0, fmt.Errorf("send: %w", err)
	}
	_ = c.(*net.TCPConn).CloseWrite()
	r := <-got
	took := time.Since(start)
	c.Close()
	if r.err != nil {
		return 0, fmt.Errorf("receive after %d bytes: %w", r.n, r.err)
	}
	if r.n != size || !bytes.Equal(r.sum[:], h.Sum(nil)) {
		return 0, fmt.Errorf("received %d bytes sha256 %x, sent %d bytes sha256 %x", r.n, r.sum, size, h.Sum(nil))
	}
	return took, nil
}

func mbits(size int64, d time.Duration) float64 { return float64(size) * 8 / d.Seconds() / 1e6 }
