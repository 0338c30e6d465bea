package ipv4_test

import (
	"bytes"
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestPingOverLink(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, b, _, ib := stacktest.Pair(t, pool, stacktest.Config{})
	for _, size := range []int{1, 56, 1472, 1473, 8000, 65507} {
		r, err := a.IP.Ping(ctx(t), netip.MustParseAddr("198.18.0.2"), ipv4.PingOptions{Size: size})
		if err != nil {
			t.Fatalf("ping -s %d: %v", size, err)
		}
		if r.From != netip.MustParseAddr("198.18.0.2") || r.Size != size {
			t.Errorf("ping -s %d: reply %+v", size, r)
		}
	}
	// Both neighbour caches learned each other (RFC 826 merge on the target).
	for _, h := range []*stacktest.Host{a, b} {
		ns := h.IP.Neighbours()
		if len(ns) != 1 || ns[0].State != ipv4.Reachable {
			t.Errorf("neighbours: %+v", ns)
		}
	}
	st := b.IP.Stats()
	if st.ReasmOKs == 0 || st.ICMPInEchos != 6 || st.ICMPOutEchoReps != 6 {
		t.Errorf("B stats: %+v", st)
	}
	if c := ib.Counters(); c.InPackets == 0 || c.OutPackets == 0 || c.InErrors != 0 {
		t.Errorf("B counters: %+v", c)
	}
	// Our own address and the loopback.
	for _, dst := range []string{"198.18.0.1", "127.0.0.1"} {
		if _, err := a.IP.Ping(ctx(t), netip.MustParseAddr(dst), ipv4.PingOptions{Size: 3000}); err != nil {
			t.Errorf("ping %s: %v", dst, err)
		}
	}
}

func TestUDPEchoOverLink(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, b, _, _ := stacktest.Pair(t, pool, stacktest.Config{})
	srv, err := b.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:7"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	go func() {
		buf := make([]byte, 70000)
		for {
			n, from, err := srv.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			if _, err := srv.WriteToUDPAddrPort(buf[:n], from); err != nil {
				t.Errorf("echo: %v", err)
			}
		}
	}()
	c, err := a.UDP.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:7"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.LocalAddr().String(); got[:11] != "198.18.0.1:" {
		t.Errorf("local address %s", got)
	}
	buf := make([]byte, 70000)
	for _, size := range []int{0, 1, 18, 1472, 1473, 9000, 65507} {
		msg := make([]byte, size)
		for i := range msg {
			msg[i] = byte(i*7 + size)
		}
		if _, err := c.Write(msg); err != nil {
			t.Fatalf("write %d: %v", size, err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Fatalf("echo of %d bytes: got %d, %v", size, n, err)
		}
	}
}
