package tap_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/udp"
)

// The host interop tests run our stack against the Linux kernel: a TAP
// device whose Linux end is moved into a network namespace the test
// creates. Addresses come from 198.18.0.0/15 (RFC 2544 benchmarking) only.

const helperEnv = "GOPKT_TAP_HELPER"

// need gates an interop test: root, /dev/net/tun, iproute2 and the tools
// named (hosttest.Require skips, or fails under GOPKT_VM_REQUIRE=1).
func need(t *testing.T, tools ...hosttest.Need) {
	t.Helper()
	hosttest.Require(t, append([]hosttest.Need{hosttest.Root, hosttest.TUN, hosttest.IP}, tools...)...)
}

// peer is a TAP interface of our stack whose Linux end lives in ns with
// address linuxAddr.
type peer struct {
	ns  *hosttest.Namespace
	dev string
	ifc *stack.Interface
}

func attachPeer(t *testing.T, h *stacktest.Host, tag, ours, linuxAddr string) *peer {
	t.Helper()
	ns := hosttest.NewNamespace(t, tag)
	dev := hosttest.LinkName(tag)
	p, err := tap.Open(dev, h.S.Pool(), tap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns.TakeLink(t, dev, linuxAddr)
	ifc, err := h.S.Attach("tap"+tag, p, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.S.Detach(ifc); _ = p.Close() })
	if err := h.S.AddAddress(ifc, netip.MustParsePrefix(ours)); err != nil {
		t.Fatal(err)
	}
	return &peer{ns: ns, dev: dev, ifc: ifc}
}

func (p *peer) exec(args ...string) (string, error) {
	return p.ns.Output(args[0], args[1:]...)
}

// helper runs this test binary inside the namespace as a kernel-UDP program.
func (p *peer) helper(t *testing.T, mode string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := p.ns.Command(os.Args[0], append([]string{"-test.run=^TestHelperProcess$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	return cmd
}

// TestHelperProcess is not a test: it is the Linux-side UDP program, run in
// a namespace by the interop tests (kernel sockets, not ours).
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("helper process for the interop tests")
	}
	args := os.Args[len(os.Args)-2:]
	switch mode {
	case "udp-echo": // args: listen address, count
		c, err := net.ListenPacket("udp4", args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("ready")
		n, _ := strconv.Atoi(args[1])
		buf := make([]byte, 65536)
		_ = c.SetDeadline(time.Now().Add(20 * time.Second))
		for range n {
			k, from, err := c.ReadFrom(buf)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			if _, err := c.WriteTo(buf[:k], from); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	case "udp-client": // args: server address, unused
		c, err := net.Dial("udp4", args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		buf := make([]byte, 65536)
		for _, size := range udpSizes {
			msg := payload(size)
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(msg); err != nil {
				fmt.Fprintln(os.Stderr, "write:", err)
				os.Exit(1)
			}
			k, err := c.Read(buf)
			if err != nil || !bytes.Equal(buf[:k], msg) {
				fmt.Fprintf(os.Stderr, "echo of %d bytes: got %d bytes, %v\n", size, k, err)
				os.Exit(1)
			}
		}
		fmt.Println("ok")
		os.Exit(0)
	case "udp-refused": // args: address with no listener, unused
		c, err := net.Dial("udp4", args[0])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		_ = c.SetDeadline(time.Now().Add(3 * time.Second))
		if _, err := c.Write([]byte("knock")); err != nil {
			fmt.Fprintln(os.Stderr, "write:", err)
			os.Exit(1)
		}
		if _, err := c.Read(make([]byte, 8)); !errors.Is(err, syscall.ECONNREFUSED) {
			fmt.Fprintln(os.Stderr, "want ECONNREFUSED, got", err)
			os.Exit(1)
		}
		fmt.Println("refused")
		os.Exit(0)
	}
	os.Exit(2)
}

var udpSizes = []int{1, 64, 1472, 1473, 8000, 30000}

func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13 + n)
	}
	return b
}

func newHost(t *testing.T, forwarding bool) *stacktest.Host {
	pool := stacktest.NewPool(t, 1024)
	return stacktest.NewHost(t, pool, stacktest.Config{IP: ipv4.Options{Forwarding: forwarding}})
}

func TestInteropLinux(t *testing.T) {
	need(t, hosttest.Ping, hosttest.Tcpdump)
	h := newHost(t, false)
	p := attachPeer(t, h, "a", "198.18.0.2/24", "198.18.0.1/24")
	linux := netip.MustParseAddr("198.18.0.1")

	// Capture on the Linux side for the whole test.
	dump := p.ns.Capture(t, p.dev, "")

	t.Run("LinuxPingsUs", func(t *testing.T) {
		for _, size := range []string{"56", "8000"} {
			out, err := p.ns.PingAll(3, "-i", "0.2", "-s", size, "198.18.0.2")
			if err != nil {
				t.Errorf("ping -s %s from Linux: %v\n%s", size, err, out)
			}
		}
	})
	t.Run("WePingLinux", func(t *testing.T) {
		for _, size := range []int{56, 1472, 1473, 8000} {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			r, err := h.IP.Ping(ctx, linux, ipv4.PingOptions{Size: size})
			cancel()
			if err != nil || r.Size != size || r.From != linux {
				t.Errorf("ping -s %d to Linux: %+v %v", size, r, err)
			}
		}
	})
	t.Run("LinuxUDPClient", func(t *testing.T) {
		srv, err := h.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:7"))
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		go echo(srv)
		out, err := p.helper(t, "udp-client", "198.18.0.2:7", "-").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "ok") {
			t.Errorf("kernel UDP client against our echo server: %v\n%s", err, out)
		}
	})
	t.Run("WeUDPClient", func(t *testing.T) {
		srv := p.helper(t, "udp-echo", "198.18.0.1:40123", strconv.Itoa(len(udpSizes)))
		stdout, _ := srv.StdoutPipe()
		var stderr hosttest.Output
		srv.Stderr = &stderr
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		defer srv.Wait()
		ready := make([]byte, 6)
		if _, err := stdout.Read(ready); err != nil {
			t.Fatalf("echo server did not start: %v %s", err, stderr.String())
		}
		c, err := h.UDP.Dial(netip.MustParseAddrPort("0.0.0.0:40124"), netip.MustParseAddrPort("198.18.0.1:40123")) // ports no tcpdump dissector claims
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		buf := make([]byte, 65536)
		for _, size := range udpSizes {
			msg := payload(size)
			if _, err := c.Write(msg); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := c.Read(buf)
			if err != nil || !bytes.Equal(buf[:n], msg) {
				t.Fatalf("echo of %d bytes from the kernel: got %d, %v (%s)", size, n, err, stderr.String())
			}
		}
	})
	t.Run("WeRefuseLinux", func(t *testing.T) {
		// A kernel UDP socket connected to a port we do not serve must
		// see ECONNREFUSED: Linux accepted our ICMP port unreachable.
		out, err := p.helper(t, "udp-refused", "198.18.0.2:5555", "-").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "refused") {
			t.Errorf("kernel UDP client to our closed port: %v\n%s", err, out)
		}
		if h.UDP.Stats().NoPorts == 0 {
			t.Error("no datagram to a closed port counted")
		}
	})
	t.Run("LinuxRefusesUs", func(t *testing.T) {
		// Linux answers a datagram to a closed port with ICMP port
		// unreachable; our connected socket reports ECONNREFUSED.
		c, err := h.UDP.Dial(netip.MustParseAddrPort("0.0.0.0:40125"), netip.MustParseAddrPort("198.18.0.1:5556"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write([]byte("knock")); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, err := c.Read(make([]byte, 8)); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("read after Linux's port unreachable: %v", err)
		}
	})
	t.Run("ARPTables", func(t *testing.T) {
		out, _ := p.exec("ip", "neigh", "show", "dev", p.dev)
		mac := p.ifc.MAC().String()
		if !strings.Contains(out, "198.18.0.2 lladdr "+mac) {
			t.Errorf("Linux has no ARP entry for us (%s):\n%s", mac, out)
		}
		found := false
		for _, n := range h.IP.Neighbours() {
			if n.Addr == linux && n.IfIndex == p.ifc.Index() && (n.State == ipv4.Reachable || n.State == ipv4.Stale) {
				found = true
			}
		}
		if !found {
			t.Errorf("we have no ARP entry for Linux: %+v", h.IP.Neighbours())
		}
	})

	// Let tcpdump flush, then decode everything it saw.
	t.Logf("tcpdump: %s", dump.Stop(t))
	if keep := os.Getenv("GOPKT_KEEP_PCAP"); keep != "" {
		if b, err := os.ReadFile(dump.Path); err == nil {
			_ = os.WriteFile(keep, b, 0o644)
		}
	}
	text := dump.Text(t)
	for _, bad := range []string{"bad cksum", "malformed", "[|", "truncated", "wrong", "bad len", "invalid"} {
		if strings.Contains(strings.ToLower(text), bad) {
			t.Errorf("tcpdump complains (%q) about frames:\n%s", bad, grepLines(text, bad))
		}
	}
	ours := strings.Count(text, p.ifc.MAC().String()+" >")
	if ours < 20 {
		t.Errorf("tcpdump saw only %d frames from us", ours)
	}
	t.Run("Tshark", func(t *testing.T) { hosttest.TsharkClean(t, dump.Path) })
	t.Logf("tcpdump decoded %d frames from us without complaint", ours)
	if testing.Verbose() {
		t.Log(text)
	}
	if c := p.ifc.Counters(); c.InErrors != 0 {
		t.Errorf("interface input errors: %+v", c)
	}
}

func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(strings.ToLower(l), s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func echo(c *udp.Conn) {
	buf := make([]byte, 65536)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		_, _ = c.WriteToUDPAddrPort(buf[:n], from)
	}
}

var ttlRE = regexp.MustCompile(`ttl=(\d+)`)

func TestInteropForwarding(t *testing.T) {
	need(t, hosttest.Ping)
	h := newHost(t, true)
	left := attachPeer(t, h, "l", "198.18.1.2/24", "198.18.1.1/24")
	right := attachPeer(t, h, "r", "198.18.2.2/24", "198.18.2.1/24")
	left.ns.IP(t, "route", "add", "198.18.2.0/24", "via", "198.18.1.2")
	right.ns.IP(t, "route", "add", "198.18.1.0/24", "via", "198.18.2.2")

	out, err := left.ns.PingAll(3, "-i", "0.2", "198.18.2.1")
	if err != nil {
		t.Fatalf("Linux to Linux through us: %v\n%s", err, out)
	}
	// The reply left the right namespace with TTL 64; we forwarded it once.
	if m := ttlRE.FindStringSubmatch(out); m == nil || m[1] != "63" {
		t.Errorf("want ttl=63 (decremented by our forwarding), got:\n%s", out)
	}
	out, err = left.ns.PingAll(2, "-i", "0.2", "-s", "4000", "198.18.2.1")
	if err != nil {
		t.Errorf("fragments through us: %v\n%s", err, out)
	}
	out, _ = left.exec("ping", "-c", "1", "-W", "2", "-t", "1", "198.18.2.1")
	if !strings.Contains(out, "From 198.18.1.2") || !strings.Contains(out, "Time to live exceeded") {
		t.Errorf("ping -t 1 should get time exceeded from 198.18.1.2:\n%s", out)
	}
	st := h.IP.Stats()
	if st.ForwDatagrams < 6 || st.ForwTTLExceeded != 1 {
		t.Errorf("forwarding stats: %+v", st)
	}
	// And our own ping through the router to the far side's Linux.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := h.IP.Ping(ctx, netip.MustParseAddr("198.18.2.1"), ipv4.PingOptions{}); err != nil {
		t.Errorf("ping from the router: %v", err)
	}
}
