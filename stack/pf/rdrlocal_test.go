package pf_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/tap"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/stacktest"
	tcpstack "github.com/gopkt/gopkt/stack/tcp"
	udpstack "github.com/gopkt/gopkt/stack/udp"
)

// udpEcho serves UDP echo on c until it is closed.
func udpEcho(c *udpstack.Conn) {
	buf := make([]byte, 65536)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		_, _ = c.WriteToUDPAddrPort(buf[:n], from)
	}
}

// TestRDRLocal: rdr to one of our own addresses, in-process. Stack B
// redirects UDP 8080 on its own address to its own echo on 7; stack A's
// requests to B:8080 come back from B:8080 (the replies B itself sends are
// translated back at the Out hook), and B's port unreachable for a
// redirected closed port is translated too.
func TestRDRLocal(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, b, _, _ := stacktest.Pair(t, pool, stacktest.Config{})
	f := pf.New(b.S, pf.Options{})
	if err := f.Load("rdr on eth0 proto udp to 198.18.0.2 port 8080 -> 198.18.0.2 port 7\n" +
		"rdr on eth0 proto udp to 198.18.0.2 port 9999 -> 198.18.0.2 port 9\npass all"); err != nil {
		t.Fatal(err)
	}
	if err := f.Attach(b.IP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Detach)
	echo, err := b.UDP.ListenPacket(netip.MustParseAddrPort("198.18.0.2:7"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = echo.Close() })
	go udpEcho(echo)
	c, err := a.UDP.ListenPacket(netip.MustParseAddrPort("198.18.0.1:5000"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	to := netip.MustParseAddrPort("198.18.0.2:8080")
	buf := make([]byte, 2048)
	got := 0
	for i := range 20 {
		msg := fmt.Sprintf("rdr local %d", i)
		if _, err := c.WriteToUDPAddrPort([]byte(msg), to); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			continue
		}
		if from != to || string(buf[:n]) != msg {
			t.Fatalf("reply %q from %v, want %q from %v", buf[:n], from, msg, to)
		}
		if got++; got == 10 {
			break
		}
	}
	if got < 10 {
		t.Fatalf("%d of 10 echoes came back", got)
	}
	if _, err := c.WriteToUDPAddrPort([]byte("closed"), netip.MustParseAddrPort("198.18.0.2:9999")); err != nil {
		t.Fatal(err)
	}
	if !stacktest.Eventually(2*time.Second, func() bool { return f.NATStats().Errors == 1 }) {
		t.Errorf("the port unreachable for the redirected closed port was not translated: %+v", f.NATStats())
	}
	if st := f.NATStats(); st.Made != 2 || st.Refused != 0 {
		t.Errorf("NATStats %+v", st)
	}
}

// TestInteropLinuxRDRLocal: a Linux client reaches services of our own
// stack through rdr to our own address: TCP 8080 to our TCP echo on 80,
// UDP 47053 to our UDP echo on 7 (the replies come from 47053), and UDP
// 9999 to our closed port 9, whose port unreachable (translated back to
// 9999) makes the client's connected socket fail with ECONNREFUSED.
// tcpdump on the Linux side never shows the internal ports; tshark finds
// nothing malformed and no bad checksum. Addresses in 198.18.0.0/15 only.
func TestInteropLinuxRDRLocal(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP, hosttest.Tcpdump)
	pool := stacktest.NewPool(t, 2048)
	tp, err := tcpstack.New(tcpstack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := stacktest.NewHost(t, pool, stacktest.Config{IP: ipv4.Options{Transports: []ipv4.Transport{tp}}})
	ns := hosttest.NewNamespace(t, "rdrL")
	dev := hosttest.LinkName("rdrL")
	p, err := tap.Open(dev, pool, tap.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns.TakeLink(t, dev, "198.18.96.1/24")
	ifc, err := h.S.Attach("tap0", p, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.S.Detach(ifc); _ = p.Close() })
	if err := h.S.AddAddress(ifc, netip.MustParsePrefix("198.18.96.2/24")); err != nil {
		t.Fatal(err)
	}
	f := pf.New(h.S, pf.Options{})
	if err := f.Load(`rdr on tap0 proto tcp to 198.18.96.2 port 8080 -> 198.18.96.2 port 80
rdr on tap0 proto udp to 198.18.96.2 port 47053 -> 198.18.96.2 port 7
rdr on tap0 proto udp to 198.18.96.2 port 9999 -> 198.18.96.2 port 9
pass all`); err != nil {
		t.Fatal(err)
	}
	if err := f.Attach(h.IP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Detach)
	echo, err := h.UDP.ListenPacket(netip.MustParseAddrPort("198.18.96.2:7"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = echo.Close() })
	go udpEcho(echo)
	l, err := tp.Listen("tcp4", ":80")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
	dump := ns.Capture(t, dev, "icmp or udp or tcp")
	for _, c := range []struct{ network, dst, from string }{
		{"udp4", "198.18.96.2:47053", "198.18.96.2:47053"},
		{"tcp4", "198.18.96.2:8080", ""},
	} {
		if err := ns.Do(func() error { return echoExchange(c.network, c.dst, c.from) }); err != nil {
			t.Errorf("%s to %s: %v", c.network, c.dst, err)
		}
	}
	err = ns.Do(func() error {
		c, err := net.DialUDP("udp4", nil, &net.UDPAddr{IP: net.ParseIP("198.18.96.2"), Port: 9999})
		if err != nil {
			return err
		}
		defer c.Close()
		buf := make([]byte, 64)
		for range 3 {
			_, _ = c.Write([]byte("closed port"))
			_ = c.SetReadDeadline(time.Now().Add(time.Second))
			if _, err = c.Read(buf); errors.Is(err, syscall.ECONNREFUSED) {
				return nil
			}
		}
		return fmt.Errorf("no ECONNREFUSED: %v", err)
	})
	if err != nil {
		t.Errorf("UDP to a redirected closed port: %v", err)
	}
	wants := []string{
		"198.18.96.2.47053 > 198.18.96.1.",
		"198.18.96.2.8080 > 198.18.96.1.",
		"198.18.96.2 > 198.18.96.1: ICMP 198.18.96.2 udp port 9999 unreachable",
	}
	dump.WaitFor(10*time.Second, wants...)
	dump.Stop(t)
	text := dump.Text(t, "-nn", "-v")
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("tcpdump does not show %q:\n%s", want, text)
		}
	}
	for _, bad := range []string{"198.18.96.2.80 >", "198.18.96.2.7 >", "port 9 unreachable", "bad cksum", "incorrect", "[|"} {
		if strings.Contains(text, bad) {
			t.Errorf("tcpdump shows %q:\n%s", bad, text)
		}
	}
	st := f.NATStats()
	t.Logf("nat: %+v", st)
	if st.Made < 3 || st.Errors < 1 || st.Refused != 0 || st.NotWritable != 0 {
		t.Errorf("translation counters %+v", st)
	}
	t.Run("tshark", func(t *testing.T) {
		hosttest.TsharkClean(t, dump.Path)
		tsharkChecksums(t, dump.Path)
	})
}
