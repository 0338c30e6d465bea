package ipv4_test

import (
	"bytes"
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/udp"
	"github.com/gopkt/gopkt/stack/wire"
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

func TestRoutedPingAndTTL(t *testing.T) {
	pool := stacktest.NewPool(t, 512)
	a := stacktest.NewHost(t, pool, stacktest.Config{})
	r := stacktest.NewHost(t, pool, stacktest.Config{IP: ipv4.Options{Forwarding: true}})
	b := stacktest.NewHost(t, pool, stacktest.Config{})
	l1a, l1r := link.Pair(link.Options{A: [6]byte{2, 0, 0, 0, 1, 1}, B: [6]byte{2, 0, 0, 0, 1, 2}})
	l2r, l2b := link.Pair(link.Options{A: [6]byte{2, 0, 0, 0, 2, 1}, B: [6]byte{2, 0, 0, 0, 2, 2}})
	t.Cleanup(func() { l1a.Close(); l1r.Close(); l2r.Close(); l2b.Close() })
	ia := a.AttachAddr(t, "eth0", l1a, "198.18.1.1/24", false)
	r.AttachAddr(t, "eth0", l1r, "198.18.1.254/24", false)
	r.AttachAddr(t, "eth1", l2r, "198.18.2.254/24", false)
	ib := b.AttachAddr(t, "eth0", l2b, "198.18.2.1/24", false)
	for _, h := range []struct {
		h   *stacktest.Host
		ifc int
		gw  string
	}{{a, ia.Index(), "198.18.1.254"}, {b, ib.Index(), "198.18.2.254"}} {
		if err := h.h.S.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr(h.gw), IfIndex: h.ifc}); err != nil {
			t.Fatal(err)
		}
	}
	dst := netip.MustParseAddr("198.18.2.1")
	for _, size := range []int{56, 5000} {
		rep, err := a.IP.Ping(ctx(t), dst, ipv4.PingOptions{Size: size})
		if err != nil || rep.TTL != 63 || rep.Size != size {
			t.Fatalf("routed ping -s %d: %+v %v (want TTL 63: one hop)", size, rep, err)
		}
	}
	_, err := a.IP.Ping(ctx(t), dst, ipv4.PingOptions{TTL: 1})
	var pe *ipv4.PingError
	if !errors.As(err, &pe) || !errors.Is(err, ipv4.ErrTimeExceeded) || pe.From != netip.MustParseAddr("198.18.1.254") {
		t.Errorf("ping with TTL 1: %v", err)
	}
	_, err = a.IP.Ping(ctx(t), netip.MustParseAddr("198.19.0.1"), ipv4.PingOptions{})
	if !errors.As(err, &pe) || pe.Code != wire.ICMPv4NetUnreachable {
		t.Errorf("ping to an unrouted net: %v", err)
	}
	if st := r.IP.Stats(); st.ForwDatagrams < 4 || st.ForwTTLExceeded != 1 || st.ForwNoRoute != 1 {
		t.Errorf("router stats %+v", st)
	}
	// Anything in 127/8 is this host.
	if _, err := a.IP.Ping(ctx(t), netip.MustParseAddr("127.0.0.5"), ipv4.PingOptions{}); err != nil {
		t.Errorf("ping 127.0.0.5: %v", err)
	}
}

func TestTransportRegistration(t *testing.T) {
	pool := stacktest.NewPool(t, 16)
	u := udp.New(udp.Options{})
	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{u, udp.New(udp.Options{})}})
	if _, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip}}); !errors.Is(err, ipv4.ErrProtocolTaken) {
		t.Errorf("UDP registered twice: %v", err)
	}
}

// TestPingSession: a session keeps one identifier and counts sequence
// numbers, which the replies carry back; an identifier and sequence number
// already waiting for a reply are refused, not mixed up.
func TestPingSession(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, _, _, _ := stacktest.Pair(t, pool, stacktest.Config{})
	id := a.IP.NewPingID()
	if id == 0 || a.IP.NewPingID() == id {
		t.Fatalf("NewPingID gave %d twice or 0", id)
	}
	for seq := uint16(1); seq <= 3; seq++ {
		r, err := a.IP.Ping(ctx(t), netip.MustParseAddr("198.18.0.2"), ipv4.PingOptions{ID: id, Seq: seq})
		if err != nil || r.Seq != seq {
			t.Fatalf("seq %d: reply %+v, %v", seq, r, err)
		}
	}
	// Nobody answers 198.18.0.77: the first ping waits, a second with the
	// same identifier and sequence number is refused at once.
	c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := a.IP.Ping(c, netip.MustParseAddr("198.18.0.77"), ipv4.PingOptions{ID: id, Seq: 9})
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	if _, err := a.IP.Ping(c, netip.MustParseAddr("198.18.0.77"), ipv4.PingOptions{ID: id, Seq: 9}); !errors.Is(err, ipv4.ErrPingInUse) {
		t.Fatalf("second ping with the same id/seq: %v, want ErrPingInUse", err)
	}
	if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("unanswered ping: %v", err)
	}
}
