package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestProtoUnloadLoadLinux is protocol unload and load through gopktctl
// with the Linux kernel as the peer (a tap in a namespace): Linux's UDP
// socket gets its echo, then ENOPROTOOPT once UDP is unloaded (Linux's
// errno for ICMP protocol unreachable, so it is the protocol that is gone,
// not the port), then its echo again once UDP is loaded; netstat and stat
// follow; the daemon stops with the pool full. The daemon runs IPv6 too:
// over IPv6 the same echo gets EPROTO while UDP is unloaded (Linux's errno
// for the ICMPv6 parameter problem, unrecognized next header, RFC 8200
// §4), and a TCP connection to the dual-stack --tcp-echo fails with EPROTO
// while TCP is unloaded and echoes once it is loaded again.
func TestProtoUnloadLoadLinux(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP)
	ns, dev := hosttest.NewNamespace(t, "proto"), hosttest.LinkName("p")
	c := newCtl(t)
	var out, errOut syncBuffer
	d := exec.Command(hosttest.GoBinary(t, "github.com/gopkt/gopkt/tools/gopkt"), "--control", c.sock,
		"-d", "tap", "linux="+dev+",mac=02:00:5e:00:4a:02", "-p", "ipv4", "-p", "ipv6", "-p", "udp", "-p", "tcp",
		"--ifconfig", "tap0=198.18.74.2/24", "--ifconfig", "tap0=2001:db8:74::2/64",
		"--udp-echo", "7", "--tcp-echo", "7", "--buffers", "1024")
	d.Stdout, d.Stderr = &out, &errOut
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = d.Process.Kill()
			_ = d.Wait()
		}
	}()
	waitFor(t, &out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev, "198.18.74.1/24")
	ns.IP(t, "addr", "add", "2001:db8:74::1/64", "dev", dev, "nodad")

	echoTo := func(ip net.IP, msg string) error {
		return ns.Do(func() error {
			conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: ip, Port: 7})
			if err != nil {
				return err
			}
			defer conn.Close()
			if _, err := conn.Write([]byte(msg)); err != nil {
				return err
			}
			_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
			buf := make([]byte, 100)
			n, err := conn.Read(buf)
			if err == nil && string(buf[:n]) != msg {
				return fmt.Errorf("echo of %q: %q", msg, buf[:n])
			}
			return err
		})
	}
	echo := func(msg string) error { return echoTo(net.IPv4(198, 18, 74, 2), msg) }
	echo6 := func(msg string) error { return echoTo(net.ParseIP("2001:db8:74::2"), msg) }
	tcpEcho6 := func(msg string) error {
		return ns.Do(func() error {
			conn, err := net.DialTimeout("tcp", "[2001:db8:74::2]:7", 3*time.Second)
			if err != nil {
				return err
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
			if _, err := conn.Write([]byte(msg)); err != nil {
				return err
			}
			buf := make([]byte, len(msg))
			_, err = io.ReadFull(conn, buf)
			if err == nil && string(buf) != msg {
				return fmt.Errorf("tcp echo of %q: %q", msg, buf)
			}
			return err
		})
	}
	// The daemon's IPv6 address passes DAD about a second after start.
	for end := time.Now().Add(5 * time.Second); echo6("ready") != nil && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
	}
	udpSockets := func() int {
		var ss []control.Socket
		c.json(&ss, "netstat")
		n := 0
		for _, s := range ss {
			if s.Proto == "udp" {
				n++
			}
		}
		return n
	}
	if err := echo("loaded"); err != nil {
		t.Fatalf("echo with UDP loaded: %v\n%s", err, errOut.String())
	}
	if err := echo6("loaded"); err != nil {
		t.Fatalf("IPv6 echo with UDP loaded: %v\n%s", err, errOut.String())
	}
	if err := tcpEcho6("loaded"); err != nil {
		t.Fatalf("IPv6 TCP echo with TCP loaded: %v\n%s", err, errOut.String())
	}
	if n := udpSockets(); n != 1 {
		t.Errorf("netstat: %d UDP sockets, want 1 (the echo service)", n)
	}
	c.run("proto", "unload", "udp")
	if err := echo("unloaded"); !errors.Is(err, syscall.ENOPROTOOPT) {
		t.Errorf("Linux's echo while UDP is unloaded: %v, want ENOPROTOOPT (ICMP protocol unreachable)", err)
	}
	if err := echo6("unloaded"); !errors.Is(err, syscall.EPROTO) {
		t.Errorf("Linux's IPv6 echo while UDP is unloaded: %v, want EPROTO (ICMPv6 parameter problem)", err)
	}
	if n := udpSockets(); n != 0 {
		t.Errorf("netstat: %d UDP sockets after unload", n)
	}
	if s := c.run("stat", "quota"); strings.Contains(s, "udp-rcvq") {
		t.Errorf("the udp-rcvq quota outlived UDP:\n%s", s)
	}
	list := c.run("proto")
	if !strings.Contains(list, "udp") || strings.Contains(list, "udp-echo") {
		t.Errorf("gopktctl proto after unload:\n%s", list)
	}
	if o, err := c.cmd("proto", "unload", "ipv4").CombinedOutput(); err == nil || !strings.Contains(string(o), "fixed at start") {
		t.Errorf("unload ipv4: %v\n%s", err, o)
	}
	loaded := c.run("proto", "load", "udp,queue=128")
	if !strings.Contains(loaded, "udp loaded; services: udp-echo 7") {
		t.Errorf("gopktctl proto load:\n%s", loaded)
	}
	if err := echo("loaded again"); err != nil {
		t.Fatalf("echo after load: %v\n%s", err, errOut.String())
	}
	if err := echo6("loaded again"); err != nil {
		t.Fatalf("IPv6 echo after load: %v\n%s", err, errOut.String())
	}
	c.run("proto", "unload", "tcp")
	if err := tcpEcho6("unloaded"); !errors.Is(err, syscall.EPROTO) {
		t.Errorf("Linux's IPv6 TCP connection while TCP is unloaded: %v, want EPROTO (ICMPv6 parameter problem)", err)
	}
	if loaded := c.run("proto", "load", "tcp"); !strings.Contains(loaded, "tcp loaded; services: tcp-echo 7") {
		t.Errorf("gopktctl proto load tcp:\n%s", loaded)
	}
	if err := tcpEcho6("loaded again"); err != nil {
		t.Fatalf("IPv6 TCP echo after load: %v\n%s", err, errOut.String())
	}
	if n := udpSockets(); n != 1 {
		t.Errorf("netstat: %d UDP sockets after load, want 1", n)
	}
	if err := d.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := d.Wait()
	stopped = true
	if err != nil || !strings.Contains(out.String(), "gopkt: stopped cleanly") || !strings.Contains(out.String(), "pool: 1024/1024 buffers free") {
		t.Errorf("daemon exit: %v\n%s\n%s", err, out.String(), errOut.String())
	}
	for _, want := range []string{"msg=\"protocol unloaded\" proto=udp", "msg=\"protocol loaded\" proto=udp",
		"msg=\"protocol unloaded\" proto=tcp", "msg=\"protocol loaded\" proto=tcp"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("daemon log lacks %s:\n%s", want, errOut.String())
		}
	}
}
