package main

import (
	"bytes"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// The host interop test: the daemon with a tap driver whose Linux end the
// test moves into a network namespace it creates, so the Linux kernel is
// the peer. Addresses come from 198.18.0.0/15 only.

func TestDaemonTapLinux(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Ping, hosttest.Tcpdump)
	ns, dev := hosttest.NewNamespace(t, "daemon"), hosttest.LinkName("d")

	r := startRun([]string{"-d", "tap", "linux=" + dev + ",mac=02:00:5e:00:07:02", "-p", "ipv4", "-p", "udp",
		"--ifconfig", "tap0=198.18.7.2/24", "--udp-echo", "7", "--ping", "198.18.7.1,count=40,interval=150ms,timeout=500ms"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	ns.TakeLink(t, dev, "198.18.7.1/24")
	dump := ns.Capture(t, dev, "")

	ping := ns.Run(t, "ping", "-c", "5", "-i", "0.2", "-W", "2", "198.18.7.2")
	if !strings.Contains(ping, "5 received") {
		t.Errorf("Linux ping:\n%s", ping)
	}
	ping = ns.Run(t, "ping", "-c", "3", "-i", "0.3", "-W", "2", "-s", "8000", "198.18.7.2")
	if !strings.Contains(ping, "3 received") || !strings.Contains(ping, "8008 bytes from 198.18.7.2") {
		t.Errorf("Linux ping -s 8000:\n%s", ping)
	}
	err := ns.Do(func() error {
		c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.IPv4(198, 18, 7, 2), Port: 7})
		if err != nil {
			return err
		}
		defer c.Close()
		buf := make([]byte, 65536)
		for i, size := range []int{1, 1472, 5000} {
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
		t.Errorf("Linux UDP echo client: %v", err)
	}
	neigh := ns.IP(t, "neigh", "show", "dev", dev)
	if !strings.Contains(neigh, "198.18.7.2 lladdr 02:00:5e:00:07:02") {
		t.Errorf("Linux neighbour table lacks us:\n%s", neigh)
	}
	waitFor(t, &r.out, "--- 198.18.7.1 ping statistics ---", 15*time.Second)
	dump.Stop(t)
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s\n%s", code, r.out.String(), r.errOut.String())
	}
	out := r.out.String()
	if !regexp.MustCompile(`64 bytes from 198\.18\.7\.1: icmp_seq=\d+ ttl=64`).MatchString(out) || !strings.Contains(out, "pool: 4096/4096 buffers free") {
		t.Errorf("daemon output:\n%s", out)
	}
	checkTcpdump(t, dump.Text(t, "-n", "-vv", "-e"), "198.18.7.2")
	t.Run("Tshark", func(t *testing.T) { hosttest.TsharkClean(t, dump.Path) })
}

// checkTcpdump: Linux's tcpdump decoded our frames (echo replies, UDP from
// port 7, fragments, ARP) and complained about none.
func checkTcpdump(t *testing.T, dump, us string) {
	t.Helper()
	for _, bad := range []string{"malformed", "bad cksum", "bad udp cksum", "truncated", "[|"} {
		if strings.Contains(dump, bad) {
			t.Errorf("tcpdump says %q about a frame:\n%s", bad, dump)
		}
	}
	for _, want := range []string{
		us + " > ", "ICMP echo reply", us + ".7 > ", "Reply " + us + " is-at 02:00:5e:00:07:02", "flags [+]",
	} {
		if !strings.Contains(dump, want) {
			t.Errorf("tcpdump output lacks %q:\n%s", want, dump)
		}
	}
}
