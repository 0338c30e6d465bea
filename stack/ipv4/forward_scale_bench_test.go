package ipv4_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
	"golang.org/x/sys/unix"
)

// extraRoutes returns n distinct random /8-/32 routes through ifindex that
// stay clear of 10/8 and 198/8 (the benchmark's own subnets).
func extraRoutes(n, ifindex int) []route.Route {
	rng := rand.New(rand.NewPCG(uint64(n), 16))
	seen := make(map[netip.Prefix]bool, n)
	rs := make([]route.Route, 0, n)
	for len(rs) < n {
		v := rng.Uint32()
		if b := byte(v >> 24); b == 10 || b == 198 {
			continue
		}
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 8+rng.IntN(25)).Masked()
		if seen[p] {
			continue
		}
		seen[p] = true
		rs = append(rs, route.Route{Prefix: p, Gateway: netip.MustParseAddr("198.18.0.1"), IfIndex: ifindex})
	}
	return rs
}

// BenchmarkForwardScale forwards bursts of 32 datagrams with extra routes
// and neighbours (issue 16). "same" sends every datagram to one neighbour;
// "spread" to 1024 destinations spread over the neighbours (10.0/16 on
// eth1, permanent entries), so neighbour lookups miss the CPU cache as a
// busy segment does.
func BenchmarkForwardScale(b *testing.B) {
	for _, c := range []struct {
		routes, neigh int
		spread        bool
	}{
		{0, 1, false}, {100000, 1, false}, {0, 10000, false}, {1000000, 10000, false},
		{0, 1, true}, {0, 10000, true}, {1000000, 10000, true},
	} {
		name := fmt.Sprintf("routes=%d/neigh=%d/same", c.routes, c.neigh)
		if c.spread {
			name = fmt.Sprintf("routes=%d/neigh=%d/spread", c.routes, c.neigh)
		}
		b.Run(name, func(b *testing.B) { forwardScale(b, c.routes, c.neigh, c.spread) })
	}
}

func forwardScale(b *testing.B, nroutes, nneigh int, spread bool) {
	pool := stacktest.NewPool(b, 1024)
	r, _, out := routerOpts(b, pool, ipv4.Options{NeighStaticMax: nneigh + 16})
	eth0, eth1 := r.S.InterfaceByName("eth0"), r.S.InterfaceByName("eth1")
	if err := r.S.AddAddress(eth1, netip.MustParsePrefix("10.0.255.254/16")); err != nil {
		b.Fatal(err)
	}
	if nroutes > 0 {
		if err := r.S.Routes().AddBatch(extraRoutes(nroutes, eth0.Index())); err != nil {
			b.Fatal(err)
		}
	}
	neigh := func(i int) wire.Addr4 { return wire.Addr4{10, 0, byte(i >> 8), byte(i)} }
	for i := 1; i < nneigh; i++ {
		if err := r.IP.AddStaticNeighbour(eth1, netip.AddrFrom4(neigh(i)), wire.MAC{2, 0, 0, 1, byte(i >> 8), byte(i)}); err != nil {
			b.Fatal(err)
		}
	}
	// Templates: one destination, or 1024 over the neighbours.
	tmpls := [][]byte{udpFrame(64)}
	if spread {
		tmpls = tmpls[:0]
		rng := rand.New(rand.NewPCG(1, 1))
		for range 1024 {
			f := udpFrame(64)
			h := wire.IPv4(f[14:])
			d := wire.Addr4{198, 18, 1, 2}
			if nneigh > 1 {
				d = neigh(1 + rng.IntN(nneigh-1))
			}
			copy(h[16:20], d[:])
			h.UpdateChecksum()
			tmpls = append(tmpls, f)
		}
	}
	const burst = 32
	bufs := make([]*mbuf.Buf, burst)
	drained := make([]*mbuf.Buf, burst)
	pool.Free(drained[:out.RxBurst(drained)]) // gratuitous ARPs
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	c0 := threadCPU()
	t := 0
	for done := 0; done < b.N; done += burst {
		k := min(burst, b.N-done)
		if pool.Alloc(bufs[:k]) != k {
			b.Fatal("pool exhausted")
		}
		for _, m := range bufs[:k] {
			f := tmpls[t&(len(tmpls)-1)]
			t++
			d, _ := m.Append(len(f))
			copy(d, f)
		}
		eth0.Input(bufs[:k])
		n := out.RxBurst(drained)
		if n != k {
			b.Fatalf("forwarded %d of %d (stats %+v)", n, k, r.IP.Stats())
		}
		pool.Free(drained[:n])
	}
	b.ReportMetric(float64(threadCPU()-c0)/float64(b.N), "cpu-ns/op")
}

// threadCPU is the calling thread's CPU time (reported beside the wall
// time: other processes share this machine).
func threadCPU() time.Duration {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}
