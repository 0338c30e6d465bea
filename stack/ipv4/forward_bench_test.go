package ipv4_test

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// router builds a forwarding stack with eth0 (198.18.0.254/24) and eth1
// (198.18.1.254/24). It returns the far ends of both links.
func router(tb testing.TB, pool *mbuf.Pool) (r *stacktest.Host, in, out *link.Port) {
	return routerOpts(tb, pool, ipv4.Options{})
}

// routerOpts is router with options (Forwarding is set).
func routerOpts(tb testing.TB, pool *mbuf.Pool, o ipv4.Options) (r *stacktest.Host, in, out *link.Port) {
	o.Forwarding = true
	r = stacktest.NewHost(tb, pool, stacktest.Config{IP: o})
	in, rin := link.Pair(link.Options{A: [6]byte{2, 0, 0, 0, 0, 0xa}, B: [6]byte{2, 0, 0, 0, 1, 0xfe}})
	rout, out := link.Pair(link.Options{A: [6]byte{2, 0, 0, 0, 2, 0xfe}, B: [6]byte{2, 0, 0, 0, 0, 0xb}})
	tb.Cleanup(func() { in.Close(); rin.Close(); rout.Close(); out.Close() })
	r.AttachAddr(tb, "eth0", rin, "198.18.0.254/24", true)
	e1 := r.AttachAddr(tb, "eth1", rout, "198.18.1.254/24", true)
	r.IP.AddStaticNeighbour(e1, netip.MustParseAddr("198.18.1.2"), wire.MAC(out.MAC()))
	return r, in, out
}

// udpFrame is a 64-byte-payload UDP datagram 198.18.0.1 -> 198.18.1.2 from
// 02:00:00:00:00:0a to the router's eth0, TTL ttl.
func udpFrame(ttl uint8) []byte {
	f := make([]byte, 14+20+8+64)
	e := wire.Ethernet(f)
	e.SetDst(wire.MAC{2, 0, 0, 0, 1, 0xfe})
	e.SetSrc(wire.MAC{2, 0, 0, 0, 0, 0xa})
	e.SetType(wire.EtherTypeIPv4)
	h := wire.IPv4Fields{TotalLen: 92, ID: 1, TTL: ttl, Protocol: wire.IPProtocolUDP, Src: wire.Addr4{198, 18, 0, 1}, Dst: wire.Addr4{198, 18, 1, 2}}
	ip, _ := h.Encode(f[14:])
	ip.UpdateChecksum()
	u := wire.UDPFields{SrcPort: 1000, DstPort: 9, Length: 72}
	uv, _ := u.Encode(f[34:])
	uv.UpdateChecksum(h.Src, h.Dst)
	return f
}

func TestForwardDecrementsTTL(t *testing.T) {
	pool := stacktest.NewPool(t, 64)
	r, in, out := router(t, pool)
	tmpl := udpFrame(64)
	b, _ := pool.Get()
	d, _ := b.Append(len(tmpl))
	copy(d, tmpl)
	in.TxBurst([]*mbuf.Buf{b})
	stacktest.Drain(r.S.Interfaces()...)
	got := make([]*mbuf.Buf, 4)
	n := out.RxBurst(got)
	defer pool.Free(got[:n])
	var f []byte
	for _, g := range got[:n] {
		if wire.Ethernet(g.Bytes()).Type() == wire.EtherTypeIPv4 { // skip the gratuitous ARP
			f = g.Bytes()
		}
	}
	want := append([]byte(nil), tmpl...)
	e := wire.Ethernet(want)
	e.SetDst(wire.MAC{2, 0, 0, 0, 0, 0xb})
	e.SetSrc(wire.MAC{2, 0, 0, 0, 2, 0xfe})
	h := wire.IPv4(want[14:])
	h.SetTTL(63)
	h.UpdateChecksum()
	if string(f) != string(want) {
		t.Errorf("forwarded frame\n got % x\nwant % x", f, want)
	}
}

// BenchmarkForward forwards bursts of 32 64-byte-payload UDP datagrams
// from eth0 to eth1, per datagram: "full" is the whole IP path (Ethernet
// demux, IPv4 input, route, neighbour, output, transmit queue), "fast" the
// flow cache (fastfwd.go) after the first datagram installed the flow.
func BenchmarkForward(b *testing.B) {
	for _, path := range []string{"full", "fast"} {
		b.Run(path, func(b *testing.B) {
			pool := stacktest.NewPool(b, 1024)
			r, _, out := routerOpts(b, pool, ipv4.Options{NoFastForward: path == "full"})
			benchForward(b, pool, r, out, path)
		})
	}
}

func benchForward(b *testing.B, pool *mbuf.Pool, r *stacktest.Host, out *link.Port, path string) {
	eth0 := r.S.InterfaceByName("eth0")
	tmpl := udpFrame(64)
	const burst = 32
	bufs := make([]*mbuf.Buf, burst)
	drained := make([]*mbuf.Buf, burst)
	pool.Free(drained[:out.RxBurst(drained)]) // the gratuitous ARP
	b.SetBytes(int64(len(tmpl)))
	b.ReportAllocs()
	runtime.LockOSThread() // for the thread's CPU time: the machine is shared
	defer runtime.UnlockOSThread()
	b.ResetTimer()
	c0 := threadCPU()
	for done := 0; done < b.N; done += burst {
		k := min(burst, b.N-done)
		if pool.Alloc(bufs[:k]) != k {
			b.Fatal("pool exhausted")
		}
		for _, m := range bufs[:k] {
			d, _ := m.Append(len(tmpl))
			copy(d, tmpl)
		}
		eth0.Input(bufs[:k])
		n := out.RxBurst(drained)
		if n != k {
			b.Fatalf("forwarded %d of %d (stats %+v)", n, k, r.IP.Stats())
		}
		pool.Free(drained[:n])
	}
	b.StopTimer()
	b.ReportMetric(float64(threadCPU()-c0)/float64(b.N), "cpu-ns/op")
	if s := r.IP.Stats(); path == "fast" && b.N > 1 && s.FastHits == 0 {
		b.Fatalf("nothing fast-forwarded: %+v", s)
	}
}
