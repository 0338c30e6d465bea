package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The host interop test: the daemon with a tap driver whose Linux end the
// test moves into a network namespace it creates, so the Linux kernel is
// the peer. Addresses come from 198.18.0.0/15 only.

func needHost(t *testing.T, tools ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root for network namespaces and /dev/net/tun (run the tests as root; CI does)")
	}
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		t.Skipf("no /dev/net/tun (%v): load the tun module", err)
	}
	for _, tool := range append([]string{"ip", "ping"}, tools...) {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (Debian packages iproute2, iputils-ping, tcpdump)", tool)
		}
	}
}

func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// inNetns runs fn on a thread switched into namespace ns; sockets fn
// opens stay in ns.
func inNetns(ns string, fn func() error) error {
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	target, err := os.Open("/var/run/netns/" + ns)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return err
	}
	ferr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		return err // the thread stays locked and dies with the goroutine
	}
	runtime.UnlockOSThread()
	return ferr
}

func TestDaemonTapLinux(t *testing.T) {
	needHost(t, "tcpdump")
	id := os.Getpid() % 100000
	ns, dev := fmt.Sprintf("gopktd-%d", id), fmt.Sprintf("gpkd%d", id)
	sh(t, "ip", "netns", "add", ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })

	r := startRun([]string{"-d", "tap", "linux=" + dev + ",mac=02:00:5e:00:07:02", "-p", "ipv4", "-p", "udp",
		"--ifconfig", "tap0=198.18.7.2/24", "--udp-echo", "7", "--ping", "198.18.7.1,count=40,interval=150ms,timeout=500ms"}, env{})
	waitFor(t, &r.out, "gopkt: running", 10*time.Second)
	sh(t, "ip", "link", "set", dev, "netns", ns)
	sh(t, "ip", "-n", ns, "addr", "add", "198.18.7.1/24", "dev", dev)
	sh(t, "ip", "-n", ns, "link", "set", dev, "up")

	dumpCmd := exec.Command("ip", "netns", "exec", ns, "tcpdump", "-l", "-n", "-vv", "-e", "-i", dev)
	var dumpOut bytes.Buffer
	dumpCmd.Stdout, dumpCmd.Stderr = &dumpOut, &dumpOut
	if err := dumpCmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // tcpdump attaches

	ping := sh(t, "ip", "netns", "exec", ns, "ping", "-c", "5", "-i", "0.2", "-W", "2", "198.18.7.2")
	if !strings.Contains(ping, "5 received") {
		t.Errorf("Linux ping:\n%s", ping)
	}
	ping = sh(t, "ip", "netns", "exec", ns, "ping", "-c", "3", "-i", "0.3", "-W", "2", "-s", "8000", "198.18.7.2")
	if !strings.Contains(ping, "3 received") || !strings.Contains(ping, "8008 bytes from 198.18.7.2") {
		t.Errorf("Linux ping -s 8000:\n%s", ping)
	}
	err := inNetns(ns, func() error {
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
	neigh := sh(t, "ip", "-n", ns, "neigh", "show", "dev", dev)
	if !strings.Contains(neigh, "198.18.7.2 lladdr 02:00:5e:00:07:02") {
		t.Errorf("Linux neighbour table lacks us:\n%s", neigh)
	}
	waitFor(t, &r.out, "--- 198.18.7.1 ping statistics ---", 15*time.Second)
	_ = dumpCmd.Process.Signal(os.Interrupt)
	_ = dumpCmd.Wait()
	if code := r.stop(t); code != exitOK {
		t.Errorf("exit status %d\n%s\n%s", code, r.out.String(), r.errOut.String())
	}
	out := r.out.String()
	if !regexp.MustCompile(`64 bytes from 198\.18\.7\.1: icmp_seq=\d+ ttl=64`).MatchString(out) || !strings.Contains(out, "pool: 4096/4096 buffers free") {
		t.Errorf("daemon output:\n%s", out)
	}
	checkTcpdump(t, dumpOut.String(), "198.18.7.2")
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
