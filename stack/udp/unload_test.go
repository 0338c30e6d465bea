package udp_test

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/udp"
	"github.com/gopkt/gopkt/stack/wire"
)

// TestUnloadLoad takes UDP out of a running stack and puts a new one in:
// a blocked reader gets net.ErrClosed, a queued datagram goes back to the
// pool, datagrams meanwhile are answered with protocol unreachable (the
// sender's connected socket sees ECONNREFUSED), the quota leaves the
// budget, and the new UDP serves at once.
func TestUnloadLoad(t *testing.T) {
	pool := stacktest.NewPool(t, 512)
	a, b, _, _ := stacktest.Pair(t, pool, stacktest.Config{})
	srvAddr := netip.MustParseAddrPort("198.18.0.1:7")
	reader, err := a.UDP.ListenPacket(srvAddr)
	if err != nil {
		t.Fatal(err)
	}
	parked, err := a.UDP.ListenPacket(netip.MustParseAddrPort("198.18.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	peer, err := b.UDP.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if _, err := peer.Write([]byte("parked")); err != nil {
		t.Fatal(err)
	}
	if !stacktest.Eventually(5*time.Second, func() bool { return a.UDP.Quota().InUse() == 1 }) {
		t.Fatalf("the datagram for port 9 was not queued: quota in use %d", a.UDP.Quota().InUse())
	}
	readErr := make(chan error, 1)
	go func() {
		_, _, err := reader.ReadFromUDPAddrPort(make([]byte, 100))
		readErr <- err
	}()

	tr, err := a.IP.RemoveTransport(wire.IPProtocolUDP)
	if err != nil || tr != ipv4.Transport(a.UDP) {
		t.Fatalf("RemoveTransport: %v %v", tr, err)
	}
	if err := a.UDP.Unload(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-readErr:
		var oe *net.OpError
		if !errors.Is(err, net.ErrClosed) || !errors.As(err, &oe) {
			t.Errorf("blocked read after unload: %v, want a *net.OpError wrapping net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a blocked reader did not return after unload")
	}
	if _, err := parked.Read(make([]byte, 100)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("read of a socket closed by unload: %v", err)
	}
	if _, err := a.UDP.ListenPacket(netip.MustParseAddrPort("198.18.0.1:8")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("listen after unload: %v, want net.ErrClosed", err)
	}
	for _, q := range a.S.Budget().Stats().Quotas {
		if q.Name == "udp-rcvq" && q.InUse != 0 {
			t.Errorf("quota %s still charged %d", q.Name, q.InUse)
		}
	}
	if _, err := a.IP.RemoveTransport(wire.IPProtocolUDP); !errors.Is(err, ipv4.ErrNoTransport) {
		t.Errorf("second RemoveTransport: %v, want ErrNoTransport", err)
	}
	if _, err := a.IP.RemoveTransport(wire.IPProtocolICMP); err == nil {
		t.Error("ICMP removed")
	}

	// No UDP on A: B's datagram is answered with protocol unreachable.
	unknown := a.IP.Stats().InUnknownProtos
	if _, err := peer.Write([]byte("nobody")); err != nil {
		t.Fatal(err)
	}
	if !stacktest.Eventually(5*time.Second, func() bool { return a.IP.Stats().InUnknownProtos == unknown+1 }) {
		t.Fatalf("InUnknownProtos %d, want %d", a.IP.Stats().InUnknownProtos, unknown+1)
	}
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := peer.Read(make([]byte, 100)); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("peer read after protocol unreachable: %v, want ECONNREFUSED", err)
	}

	// Load a new UDP: an echo works again, through the same peer socket.
	u2 := udp.New(udp.Options{})
	if err := a.IP.AddTransport(u2); err != nil {
		t.Fatal(err)
	}
	if err := a.IP.AddTransport(udp.New(udp.Options{})); !errors.Is(err, ipv4.ErrProtocolTaken) {
		t.Errorf("second UDP: %v, want ErrProtocolTaken", err)
	}
	n := 0
	for _, q := range a.S.Budget().Stats().Quotas {
		if q.Name == "udp-rcvq" {
			n++
		}
	}
	if n != 2 { // A's new one and B's
		t.Errorf("%d udp-rcvq quotas in the shared budget, want 2", n)
	}
	srv, err := u2.ListenPacket(netip.MustParseAddrPort("198.18.0.1:9"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := peer.Write([]byte("again")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	_ = srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	k, from, err := srv.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:k]) != "again" || from.Addr() != netip.MustParseAddr("198.18.0.2") {
		t.Fatalf("after reload: %q from %v, %v", buf[:k], from, err)
	}
}
