package udp_test

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/udp"
	"golang.org/x/sys/unix"
)

// openIdle binds n sockets on ports 20000.. of u and closes them at cleanup.
func openIdle(tb testing.TB, u *udp.UDP, n int) {
	tb.Helper()
	cs := make([]*udp.Conn, 0, n)
	for i := range n {
		c, err := u.ListenPacket(netip.AddrPortFrom(netip.IPv4Unspecified(), uint16(20000+i)))
		if err != nil {
			tb.Fatal(err)
		}
		cs = append(cs, c)
	}
	tb.Cleanup(func() {
		for _, c := range cs {
			c.Close()
		}
	})
}

// TestIdleSocketMemory reports the heap an idle bound socket holds (no
// receive queue until a datagram arrives) and checks that queues grow and
// shrink back to nothing held in the pool.
func TestIdleSocketMemory(t *testing.T) {
	pool := stacktest.NewPool(t, 64)
	_, hb, _, _ := stacktest.Pair(t, pool, stacktest.Config{NoPoller: true})
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	const n = 10000
	openIdle(t, hb.UDP, n)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	per := float64(m1.HeapAlloc-m0.HeapAlloc) / n
	t.Logf("%d idle sockets: %.0f bytes each", n, per)
	if per > 4096 {
		t.Errorf("an idle socket holds %.0f bytes", per)
	}
}

// BenchmarkUDPReceiveScale is BenchmarkUDP64 with n other sockets bound on
// the receiving stack (issue 16: demultiplexing cost should not depend on
// them).
func BenchmarkUDPReceiveScale(b *testing.B) {
	for _, n := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprintf("sockets=%d", n+1), func(b *testing.B) {
			pool := stacktest.NewPool(b, 1024)
			ha, hb, ia, ib := stacktest.Pair(b, pool, stacktest.Config{NoPoller: true})
			openIdle(b, hb.UDP, n)
			srv, err := hb.UDP.ListenPacket(netip.MustParseAddrPort("0.0.0.0:9"))
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			cli, err := ha.UDP.Dial(netip.AddrPort{}, netip.MustParseAddrPort("198.18.0.2:9"))
			if err != nil {
				b.Fatal(err)
			}
			defer cli.Close()
			msg := make([]byte, 64)
			buf := make([]byte, 2048)
			if _, err := cli.Write(msg); err != nil {
				b.Fatal(err)
			}
			stacktest.Drain(ia, ib)
			if n, _, err := srv.ReadFromUDPAddrPort(buf); err != nil || n != 64 {
				b.Fatalf("warm-up datagram: %d %v", n, err)
			}
			const burst = 32
			b.ReportAllocs()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			c0 := threadCPU()
			for done := 0; done < b.N; done += burst {
				k := min(burst, b.N-done)
				for range k {
					if _, err := cli.Write(msg); err != nil {
						b.Fatal(err)
					}
				}
				ib.Poll()
				for range k {
					if n, _, err := srv.ReadFromUDPAddrPort(buf); err != nil || n != 64 {
						b.Fatalf("read: %d %v", n, err)
					}
				}
			}
			b.ReportMetric(float64(threadCPU()-c0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// threadCPU is the calling thread's CPU time (reported beside the wall
// time: other processes share this machine).
func threadCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}
