package ipv6_test

import (
	"net/netip"
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// BenchmarkForward: one router forwards 64-byte UDP packets from eth0 to
// eth1 (hop limit, route lookup, neighbour lookup, transmit), in bursts of
// 32 injected by the test and drained on the far side; per packet. "full"
// is the whole IPv6 path, "fast" the flow cache (fastfwd.go).
func BenchmarkForward(b *testing.B) {
	for _, path := range []string{"full", "fast"} {
		b.Run(path, func(b *testing.B) { benchForward(b, 1, path == "fast") })
	}
}

// BenchmarkForwardNeighbours: the same, the packets going round-robin to
// 1 or 10 000 resolved neighbours (issue 16: the neighbour lookup is a
// lock-free hash table, so its cost should not grow with the cache).
func BenchmarkForwardNeighbours(b *testing.B) {
	for _, n := range []int{1, 10000} {
		for _, path := range []string{"full", "fast"} {
			b.Run(strconv.Itoa(n)+"/"+path, func(b *testing.B) { benchForward(b, n, path == "fast") })
		}
	}
}

func benchForward(b *testing.B, neighbours int, fast bool) {
	pool := stacktest.NewPool(b, 1024)
	ip6 := ipv6.New(ipv6.Options{Forwarding: true, DADTransmits: -1, NeighMax: neighbours + 16, NoFastForward: !fast})
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ipv4.New(ipv4.Options{}), ip6}})
	if err != nil {
		b.Fatal(err)
	}
	in0, in1 := link.Pair(link.Options{B: [6]byte{2, 0, 0, 0, 0, 0x10}})
	out0, out1 := link.Pair(link.Options{A: [6]byte{2, 0, 0, 0, 0, 0x20}, B: [6]byte{2, 0, 0, 0, 0, 0x21}})
	b.Cleanup(func() { _ = s.Close(); _ = in0.Close(); _ = in1.Close(); _ = out0.Close(); _ = out1.Close() })
	ia, err := s.Attach("eth0", in0, stack.IfOptions{NoPoller: true})
	if err != nil {
		b.Fatal(err)
	}
	ib, err := s.Attach("eth1", out0, stack.IfOptions{NoPoller: true})
	if err != nil {
		b.Fatal(err)
	}
	_ = ip6.AddAddress(ia, netip.MustParsePrefix("2001:db8:a::1/64"))
	_ = ip6.AddAddress(ib, netip.MustParsePrefix("2001:db8:b::1/64"))
	src := netip.MustParseAddr("2001:db8:a::2").As16()
	frames := make([][]byte, neighbours)
	for i := range frames {
		dst := netip.MustParseAddr("2001:db8:b::").As16()
		dst[13], dst[14], dst[15] = byte((i+2)>>16), byte((i+2)>>8), byte(i+2)
		if err := ip6.AddStaticNeighbour(ib, netip.AddrFrom16(dst), wire.MAC{2, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)}); err != nil {
			b.Fatal(err)
		}
		frame := make([]byte, 14)
		e := wire.Ethernet(frame)
		e.SetDst(ia.MAC())
		e.SetSrc(wire.MAC{2, 0, 0, 0, 0, 0x10})
		e.SetType(wire.EtherTypeIPv6)
		frames[i] = append(frame, pkt(src, dst, wire.IPProtocolUDP, 64, make([]byte, 8+64))...)
	}
	next := 0
	bufs := make([]*mbuf.Buf, 32)
	drain := make([]*mbuf.Buf, 64)
	b.ReportAllocs()
	runtime.LockOSThread() // for the thread's CPU time: the machine is shared
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	c0 := threadCPU()
	for done := 0; done < b.N; done += len(bufs) {
		k := min(len(bufs), b.N-done)
		if pool.Alloc(bufs[:k]) != k {
			b.Fatal("pool empty")
		}
		for _, x := range bufs[:k] {
			frame := frames[next]
			next++
			if next == len(frames) {
				next = 0
			}
			d, _ := x.Append(len(frame))
			copy(d, frame)
		}
		in1.TxBurst(bufs[:k])
		ia.Poll()
		for got := 0; got < k; {
			n := out1.RxBurst(drain)
			if n == 0 {
				b.Fatalf("forwarded %d of %d (stats %+v)", got, k, ip6.Stats())
			}
			pool.Free(drain[:n])
			got += n
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(threadCPU()-c0)/float64(b.N), "cpu-ns/op")
	if s := ip6.Stats(); fast && b.N > 2*neighbours && s.FastHits == 0 {
		b.Fatalf("nothing fast-forwarded: %+v", s)
	}
}

// threadCPU is the calling thread's CPU time, reported beside wall time.
func threadCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}
