package udp_test

import (
	"errors"
	"flag"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/udp"
)

// TestMain skips nettest's BasicIO, PingPong and FutureTimeout: the first
// two end by one side closing and wait for the other to read io.EOF
// (stream semantics), and BasicIO and FutureTimeout need no loss while the
// reader lags: FutureTimeout writes until its deadline into a peer nobody
// reads, then resynchronises through that peer's full queue. A datagram
// socket has neither property: since the mbuf budget, a slow reader's queue
// refuses datagrams at its quota instead of letting the writer drain the
// pool (Linux's UDP drops there too). Every other nettest.TestConn case
// applies and runs. A -skip given on the command line (the suite's race
// pass gives one) is kept as an alternative: the testing package splits a
// pattern at top-level '|' before '/'.
func TestMain(m *testing.M) {
	flag.Parse()
	const streamOnly = "^TestNettestConn$/^(BasicIO|PingPong|FutureTimeout)$"
	if f := flag.Lookup("test.skip"); f != nil {
		skip := streamOnly
		if v := f.Value.String(); v != "" {
			skip = v + "|" + streamOnly
		}
		_ = flag.Set("test.skip", skip)
	}
	os.Exit(m.Run())
}

// pair returns two connected sockets, one on each of two stacks sharing a
// pool (and its budget). The socket queues are as deep as the pool, so the
// budget's quota, not a queue, bounds what a socket holds. A failure prints
// both stacks' UDP counters (a drop, or a datagram that never came).
func pair(t *testing.T) (c1, c2 *udp.Conn, stop func()) {
	pool := stacktest.NewPool(t, 1024)
	a, b, _, _ := stacktest.Pair(t, pool, stacktest.Config{UDP: udp.Options{Queue: 1024}})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("udp a: %+v", a.UDP.Stats())
			t.Logf("udp b: %+v", b.UDP.Stats())
		}
	})
	var err error
	c1, err = a.UDP.Dial(netip.MustParseAddrPort("198.18.0.1:1111"), netip.MustParseAddrPort("198.18.0.2:2222"))
	if err != nil {
		t.Fatal(err)
	}
	c2, err = b.UDP.Dial(netip.MustParseAddrPort("198.18.0.2:2222"), netip.MustParseAddrPort("198.18.0.1:1111"))
	if err != nil {
		t.Fatal(err)
	}
	return c1, c2, func() { c1.Close(); c2.Close() }
}

func TestNettestConn(t *testing.T) {
	nettest.TestConn(t, func() (net.Conn, net.Conn, func(), error) {
		c1, c2, stop := pair(t)
		return c1, c2, stop, nil
	})
}

func TestConnContracts(t *testing.T) {
	c1, c2, stop := pair(t)
	defer stop()
	if c1.LocalAddr().String() != "198.18.0.1:1111" || c1.RemoteAddr().String() != "198.18.0.2:2222" {
		t.Errorf("addresses %v %v", c1.LocalAddr(), c1.RemoteAddr())
	}
	// A deadline in the past: the error wraps os.ErrDeadlineExceeded, is a
	// *net.OpError and a timeout.
	_ = c1.SetReadDeadline(time.Now().Add(-time.Second))
	_, err := c1.Read(make([]byte, 10))
	var oe *net.OpError
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &oe) || oe.Op != "read" || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("past deadline: %#v", err)
	}
	// A future deadline unblocks a waiting Read, not before it passed. (The
	// time is checked against the deadline itself: a start time taken after
	// SetReadDeadline can lag it by whatever a loaded machine delays the
	// goroutine, and the test then blamed an on-time return.)
	dl := time.Now().Add(30 * time.Millisecond)
	_ = c1.SetReadDeadline(dl)
	if _, err := c1.Read(make([]byte, 10)); !errors.Is(err, os.ErrDeadlineExceeded) || time.Now().Before(dl) {
		t.Errorf("future deadline: %v, %v before the deadline", err, time.Until(dl))
	}
	_ = c1.SetReadDeadline(time.Time{})
	// Close unblocks a Read with net.ErrClosed; later calls fail the same way.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, err := c2.Read(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("read during close: %v", err)
		}
	}()
	time.Sleep(20 * time.Millisecond)
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	for name, err := range map[string]error{
		"write": func() error { _, err := c2.Write([]byte("x")); return err }(),
		"read":  func() error { _, err := c2.Read(nil); return err }(),
		"close": c2.Close(),
		"dl":    c2.SetDeadline(time.Now()),
	} {
		if !errors.Is(err, net.ErrClosed) || !errors.As(err, &oe) {
			t.Errorf("%s after close: %v", name, err)
		}
	}
}

func TestPacketConn(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, b, _, _ := stacktest.Pair(t, pool, stacktest.Config{})
	srv, err := b.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:53"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := b.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:53")); !errors.Is(err, udp.ErrAddrInUse) {
		t.Errorf("double bind: %v", err)
	}
	cli, err := a.UDP.ListenPacket(netip.AddrPort{})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if p := cli.LocalAddr().(*net.UDPAddr).Port; p < 49152 {
		t.Errorf("ephemeral port %d", p)
	}
	if _, err := cli.Write([]byte("x")); !errors.Is(err, udp.ErrNotConnected) {
		t.Errorf("Write on unconnected: %v", err)
	}
	if _, err := cli.WriteTo([]byte("query"), &net.UDPAddr{IP: net.IPv4(198, 18, 0, 2), Port: 53}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3) // shorter than the datagram: the rest is discarded
	_ = srv.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, from, err := srv.ReadFrom(buf)
	if err != nil || n != 3 || string(buf) != "que" || from.(*net.UDPAddr).IP.String() != "198.18.0.1" {
		t.Fatalf("ReadFrom: %d %q %v %v", n, buf, from, err)
	}
	if _, err := srv.WriteTo(make([]byte, udp.MaxPayload+1), from); !errors.Is(err, udp.ErrTooBig) {
		t.Errorf("oversized datagram: %v", err)
	}
	if _, err := srv.WriteTo([]byte("x"), &net.UDPAddr{IP: net.IPv4(203, 0, 113, 1), Port: 1}); err == nil {
		t.Error("write with no route succeeded")
	}
}

func TestConnectionRefused(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, _, _, _ := stacktest.Pair(t, pool, stacktest.Config{})
	c, err := a.UDP.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:4444"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("anyone?")); err != nil {
		t.Fatal(err)
	}
	// B has no socket on 4444: its port unreachable comes back and the
	// next read reports it once (RFC 1122 §4.1.3.3), as on Linux.
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = c.Read(make([]byte, 16))
	var oe *net.OpError
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &oe) {
		t.Fatalf("read after port unreachable: %v", err)
	}
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := c.Read(make([]byte, 16)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("error reported twice: %v", err)
	}
}

// TestMappedAddrAndWriteToConnected: IPv4-mapped IPv6 addresses work where
// Go's net accepts them, and WriteTo on a connected socket fails with
// net.ErrWriteToConnected as on *net.UDPConn.
func TestMappedAddrAndWriteToConnected(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	a, b, _, _ := stacktest.Pair(t, pool, stacktest.Config{})
	srv, err := b.UDP.ListenPacket(netip.MustParseAddrPort("[::ffff:198.18.0.2]:53"))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c, err := a.UDP.Dial(netip.AddrPort{}, netip.MustParseAddrPort("[::ffff:198.18.0.2]:53"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	_ = srv.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, from, err := srv.ReadFromUDPAddrPort(make([]byte, 10)); err != nil || !from.Addr().Is4() {
		t.Fatalf("read: %v from %v", err, from)
	}
	_, err = c.WriteTo([]byte("x"), net.UDPAddrFromAddrPort(netip.MustParseAddrPort("198.18.0.2:53")))
	var oe *net.OpError
	if !errors.Is(err, net.ErrWriteToConnected) || !errors.As(err, &oe) {
		t.Errorf("WriteTo on a connected socket: %v", err)
	}
}
