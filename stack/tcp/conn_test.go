package tcp_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/nettest"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/tcp"
)

func TestNettestConn(t *testing.T) {
	n := newNet2(t, netOpts{})
	nettest.TestConn(t, func() (net.Conn, net.Conn, func(), error) {
		c1, c2 := n.connect(t)
		return c1, c2, func() { c1.Close(); c2.Close() }, nil
	})
}

// transfer sends size random bytes from c1 to c2 (c1 closes its write
// side) and checks the SHA-256 at the far end.
func transfer(t testing.TB, c1, c2 *tcp.Conn, size int) {
	t.Helper()
	src := make([]byte, size)
	r := rand.New(rand.NewPCG(uint64(size), 7))
	for i := range src {
		src[i] = byte(r.Uint32())
	}
	want := sha256.Sum256(src)
	errc := make(chan error, 1)
	go func() {
		_, err := c1.Write(src)
		if err == nil {
			err = c1.CloseWrite()
		}
		errc <- err
	}()
	h := sha256.New()
	_ = c2.SetReadDeadline(time.Now().Add(60 * time.Second))
	got, err := io.Copy(h, c2)
	if err != nil {
		t.Fatalf("read after %d bytes: %v", got, err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if got != int64(size) || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatalf("received %d bytes, sha256 %x, want %d bytes %x", got, h.Sum(nil), size, want)
	}
}

func TestBulkTransfer(t *testing.T) {
	for _, cc := range []string{"cubic", "newreno"} {
		t.Run(cc, func(t *testing.T) {
			n := newNet2(t, netOpts{TCP: tcp.Options{Congestion: cc}})
			c1, c2 := n.connect(t)
			defer c1.Close()
			defer c2.Close()
			transfer(t, c1, c2, 8<<20)
			// The other direction after the half close.
			transfer(t, c2, c1, 1<<20)
		})
	}
}

// lossy drops and reorders frames on the link (deterministic per seed).
func lossy(lossPct int, seed uint64) link.Options {
	r := rand.New(rand.NewPCG(seed, 1))
	var mu sync.Mutex // the filter runs on both ends' sending goroutines
	return link.Options{Filter: func(from int, b *mbuf.Buf) bool {
		mu.Lock()
		defer mu.Unlock()
		return r.IntN(1000) >= lossPct*10
	}}
}

func TestTransferUnderLoss(t *testing.T) {
	for _, tc := range []struct {
		name string
		loss int
		opts tcp.Options
	}{
		{"1pct-sack", 1, tcp.Options{}},
		{"5pct-sack", 5, tcp.Options{}},
		{"5pct-nosack-newreno", 5, tcp.Options{NoSACK: true, Congestion: "newreno"}},
		{"5pct-nots", 5, tcp.Options{NoTimestamps: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := newNet2(t, netOpts{TCP: tc.opts, Link: lossy(tc.loss, 42)})
			c1, c2 := connectRetry(t, n)
			defer c1.Close()
			defer c2.Close()
			transfer(t, c1, c2, 2<<20)
			st := n.A.Stats()
			t.Logf("retransmits %d, fast retransmits %d, SACK recoveries %d, RTOs %d, TLPs %d, RACK marked %d", st.RetransSegs, st.FastRetransmits, st.SACKRecoveries, st.RTOExpired, st.TLPProbes, st.RACKMarked)
			for _, s := range []tcp.Stats{n.A.Stats(), n.B.Stats()} {
				if s.OutErrors != 0 {
					t.Errorf("%d segments failed in IPv4 output (larger than the MTU?)", s.OutErrors)
				}
			}
		})
	}
}

// connectRetry is connect on a lossy link (the handshake may need the
// SYN retransmitted; that is what it is for).
func connectRetry(t *testing.T, n *net2) (*tcp.Conn, *tcp.Conn) {
	return n.connect(t)
}

func TestRefused(t *testing.T) {
	n := newNet2(t, netOpts{})
	_, err := n.A.Dial("tcp", "198.18.0.2:9")
	var oe *net.OpError
	if !errors.Is(err, syscall.ECONNREFUSED) || !errors.As(err, &oe) || oe.Op != "dial" {
		t.Fatalf("dial to a closed port: %v", err)
	}
	if n.B.Stats().NoPort == 0 || n.B.Stats().OutRsts == 0 {
		t.Errorf("no RST counted: %+v", n.B.Stats())
	}
}

func TestResetAndContracts(t *testing.T) {
	n := newNet2(t, netOpts{})
	c1, c2 := n.connect(t)
	if err := c2.SetLinger(0); err != nil {
		t.Fatal(err)
	}
	if err := c2.Close(); err != nil {
		t.Fatal(err)
	}
	_ = c1.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := c1.Read(make([]byte, 10))
	var oe *net.OpError
	if !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &oe) || oe.Op != "read" {
		t.Fatalf("read after the peer's RST: %v", err)
	}
	if _, err := c2.Read(nil); !errors.Is(err, net.ErrClosed) {
		t.Errorf("read after close: %v", err)
	}
	if err := c2.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second close: %v", err)
	}
	c1.Close()
	// Deadlines.
	c3, c4 := n.connect(t)
	defer c3.Close()
	defer c4.Close()
	_ = c3.SetReadDeadline(time.Now().Add(-time.Second))
	_, err = c3.Read(make([]byte, 1))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("past deadline: %v", err)
	}
}

func TestHalfCloseAndEOF(t *testing.T) {
	n := newNet2(t, netOpts{})
	c1, c2 := n.connect(t)
	defer c2.Close()
	if _, err := c1.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := c1.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c2)
	if err != nil || string(b) != "hello" {
		t.Fatalf("got %q, %v", b, err)
	}
	if _, err := c1.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("write after CloseWrite: %v", err)
	}
	// The other direction still works.
	if _, err := c2.Write([]byte("reply")); err != nil {
		t.Fatal(err)
	}
	if err := c2.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	b, err = io.ReadAll(c1)
	if err != nil || string(b) != "reply" {
		t.Fatalf("got %q, %v", b, err)
	}
	if st := c1.State(); st != tcp.TimeWait {
		t.Errorf("active closer in %v, want TIME-WAIT", st)
	}
	c1.Close()
}

// TestLoopback: a connection to the stack's own address goes through
// lo0 (both ends on one stack).
func TestLoopback(t *testing.T) {
	n := newNet2(t, netOpts{})
	l, err := n.A.Listen("tcp4", "[::ffff:198.18.0.1]:7000") // 4-in-6, as Go's net accepts
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		_, _ = io.Copy(c, c)
		c.Close()
	}()
	c, err := n.A.Dial("tcp", "198.18.0.1:7000")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg := bytes.Repeat([]byte("loop"), 100000)
	go func() { _, _ = c.Write(msg); _ = c.CloseWrite() }()
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("echo over lo0: %d bytes, %v", len(got), err)
	}
}
