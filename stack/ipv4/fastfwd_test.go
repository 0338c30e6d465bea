package ipv4_test

import (
	"bytes"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

var (
	ffNextHop = wire.MAC{2, 0, 0, 0, 0, 0xb} // 198.18.1.2 (router's out link peer)
	ffOther   = wire.MAC{2, 0, 0, 0, 0, 0xc} // 198.18.1.3, the next hop a route change picks
	ffEth1MAC = wire.MAC{2, 0, 0, 0, 2, 0xfe}
)

// forwarded is what the router sends for udpFrame(ttl) through eth1 to mac.
func forwarded(tmpl []byte, mac wire.MAC) []byte {
	want := append([]byte(nil), tmpl...)
	e := wire.Ethernet(want)
	e.SetDst(mac)
	e.SetSrc(ffEth1MAC)
	h := wire.IPv4(want[14:])
	h.SetTTL(h.TTL() - 1)
	h.UpdateChecksum()
	return want
}

// burst injects frames into eth0 in one receive burst and returns the IPv4
// frames sent back and forwarded.
func burst(t *testing.T, r *stacktest.Host, in, out *link.Port, pool *mbuf.Pool, frames ...[]byte) (back, fwd [][]byte) {
	t.Helper()
	bufs := make([]*mbuf.Buf, len(frames))
	for i, f := range frames {
		b, err := pool.Get()
		if err != nil {
			t.Fatal(err)
		}
		d, _ := b.Append(len(f))
		copy(d, f)
		bufs[i] = b
	}
	in.TxBurst(bufs)
	return routeFrames(t, r, in, out, pool)
}

func TestFastForward(t *testing.T) {
	for _, fast := range []bool{true, false} {
		name := map[bool]string{true: "fast", false: "full"}[fast]
		t.Run(name, func(t *testing.T) {
			pool := stacktest.NewPool(t, 256)
			r, in, out := routerOpts(t, pool, ipv4.Options{NoFastForward: !fast})
			tmpl := udpFrame(64)
			_, fwd := burst(t, r, in, out, pool, tmpl, tmpl, tmpl)
			want := forwarded(tmpl, ffNextHop)
			if len(fwd) != 3 {
				t.Fatalf("forwarded %d of 3", len(fwd))
			}
			for i, f := range fwd {
				if !bytes.Equal(f, want) {
					t.Errorf("frame %d\n got % x\nwant % x", i, f, want)
				}
			}
			// The next burst is all hits.
			_, fwd = burst(t, r, in, out, pool, tmpl, tmpl)
			if len(fwd) != 2 || !bytes.Equal(fwd[1], want) {
				t.Fatalf("second burst: %d forwarded", len(fwd))
			}
			s := r.IP.Stats()
			if s.InReceives != 5 || s.ForwDatagrams != 5 {
				t.Errorf("in %d forwarded %d, want 5 and 5", s.InReceives, s.ForwDatagrams)
			}
			eth0, eth1 := r.S.InterfaceByName("eth0").Counters(), r.S.InterfaceByName("eth1").Counters()
			if eth0.InPackets != 5 || eth0.InBytes != 5*uint64(len(tmpl)) || eth1.OutPackets != 6 { // and the gratuitous ARP
				t.Errorf("eth0 in %d (%d bytes), eth1 out %d", eth0.InPackets, eth0.InBytes, eth1.OutPackets)
			}
			if fast {
				if s.FastHits != 4 || s.FastMisses != 1 || s.FastInstalls != 1 {
					t.Errorf("hits %d misses %d installs %d, want 4 1 1", s.FastHits, s.FastMisses, s.FastInstalls)
				}
			} else if s.FastHits != 0 || s.FastMisses != 0 || s.FastInstalls != 0 {
				t.Errorf("fast forwarding off: hits %d misses %d installs %d", s.FastHits, s.FastMisses, s.FastInstalls)
			}
		})
	}
}

// warm forwards one datagram (which installs its flow) and checks that
// the next one is a hit.
func warm(t *testing.T, r *stacktest.Host, in, out *link.Port, pool *mbuf.Pool) {
	t.Helper()
	hits := r.IP.Stats().FastHits
	_, fwd := burst(t, r, in, out, pool, udpFrame(64), udpFrame(64))
	if len(fwd) != 2 || r.IP.Stats().FastHits < hits+1 {
		t.Fatalf("warm: forwarded %d, hits %d -> %d", len(fwd), hits, r.IP.Stats().FastHits)
	}
}

// TestFastForwardInvalidation changes what a cached flow depends on and
// checks that the very next datagram follows the change.
func TestFastForwardInvalidation(t *testing.T) {
	setup := func(t *testing.T) (*stacktest.Host, *link.Port, *link.Port, *mbuf.Pool) {
		pool := stacktest.NewPool(t, 256)
		r, in, out := router(t, pool)
		r.IP.AddStaticNeighbour(r.S.InterfaceByName("eth0"), netip.MustParseAddr("198.18.0.1"), wire.MAC{2, 0, 0, 0, 0, 0xa})
		warm(t, r, in, out, pool)
		return r, in, out, pool
	}
	tmpl := udpFrame(64)
	t.Run("route replaced", func(t *testing.T) {
		r, in, out, pool := setup(t)
		eth1 := r.S.InterfaceByName("eth1")
		if err := r.IP.AddStaticNeighbour(eth1, netip.MustParseAddr("198.18.1.3"), ffOther); err != nil {
			t.Fatal(err)
		}
		warm(t, r, in, out, pool) // a new neighbour alone leaves the flow alone
		stale := r.IP.Stats().FastStale
		if err := r.S.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("198.18.1.2/32"), Gateway: netip.MustParseAddr("198.18.1.3"), IfIndex: eth1.Index()}); err != nil {
			t.Fatal(err)
		}
		_, fwd := burst(t, r, in, out, pool, tmpl, tmpl)
		if len(fwd) != 2 || !bytes.Equal(fwd[0], forwarded(tmpl, ffOther)) || !bytes.Equal(fwd[1], forwarded(tmpl, ffOther)) {
			t.Fatalf("after the route change: % x", fwd)
		}
		if s := r.IP.Stats(); s.FastStale != stale+1 {
			t.Errorf("stale %d -> %d, want one more", stale, s.FastStale)
		}
		warm(t, r, in, out, pool) // the new flow is cached
		// And back: the /32 goes, the connected route applies again.
		if err := r.S.Routes().Delete(route.Route{Prefix: netip.MustParsePrefix("198.18.1.2/32"), Gateway: netip.MustParseAddr("198.18.1.3"), IfIndex: eth1.Index()}); err != nil {
			t.Fatal(err)
		}
		if _, fwd = burst(t, r, in, out, pool, tmpl); len(fwd) != 1 || !bytes.Equal(fwd[0], forwarded(tmpl, ffNextHop)) {
			t.Fatalf("after the route delete: % x", fwd)
		}
	})
	t.Run("neighbour MAC", func(t *testing.T) {
		r, in, out, pool := setup(t)
		moved := wire.MAC{2, 0, 0, 0, 0, 0x1b}
		if err := r.IP.AddStaticNeighbour(r.S.InterfaceByName("eth1"), netip.MustParseAddr("198.18.1.2"), moved); err != nil {
			t.Fatal(err)
		}
		if _, fwd := burst(t, r, in, out, pool, tmpl); len(fwd) != 1 || !bytes.Equal(fwd[0], forwarded(tmpl, moved)) {
			t.Fatalf("after the MAC change: % x", fwd)
		}
	})
	t.Run("neighbour gone", func(t *testing.T) {
		r, in, out, pool := setup(t)
		reqs := r.IP.Stats().ARPOutRequests
		if !r.IP.DeleteNeighbour(r.S.InterfaceByName("eth1"), netip.MustParseAddr("198.18.1.2")) {
			t.Fatal("no neighbour to delete")
		}
		if _, fwd := burst(t, r, in, out, pool, tmpl); len(fwd) != 0 {
			t.Fatalf("forwarded to a neighbour that is gone: % x", fwd)
		}
		if s := r.IP.Stats(); s.ARPOutRequests != reqs+1 {
			t.Errorf("ARP requests %d -> %d: the datagram did not wait for resolution", reqs, s.ARPOutRequests)
		}
	})
	t.Run("address", func(t *testing.T) {
		r, in, out, pool := setup(t)
		fw := r.IP.Stats().ForwDatagrams
		// 198.18.1.2 becomes ours: the datagram is delivered (no UDP
		// socket: port unreachable back), not forwarded.
		if err := r.S.AddAddress(r.S.InterfaceByName("eth1"), netip.MustParsePrefix("198.18.1.2/24")); err != nil {
			t.Fatal(err)
		}
		back, fwd := burst(t, r, in, out, pool, tmpl)
		if len(fwd) != 0 || r.IP.Stats().ForwDatagrams != fw {
			t.Fatalf("forwarded to an address of ours: % x", fwd)
		}
		if len(back) != 1 || wire.ICMPv4(back[0][34:]).Code() != wire.ICMPv4PortUnreachable {
			t.Errorf("no port unreachable: % x", back)
		}
	})
	t.Run("pf rule", func(t *testing.T) {
		r, in, out, pool := setup(t)
		f := pf.New(r.S, pf.Options{})
		if err := f.Load("block in proto udp from 198.18.0.1 to 198.18.1.2"); err != nil {
			t.Fatal(err)
		}
		if err := f.Attach(r.IP); err != nil {
			t.Fatal(err)
		}
		if _, fwd := burst(t, r, in, out, pool, tmpl, tmpl); len(fwd) != 0 {
			t.Fatalf("a blocked flow was forwarded: %d frames", len(fwd))
		}
		if s := r.IP.Stats(); s.InFiltered != 2 {
			t.Errorf("filtered %d, want 2", s.InFiltered)
		}
		// Rules replaced at runtime act on the next datagram too.
		if err := f.Load("pass in all no state"); err != nil {
			t.Fatal(err)
		}
		hits := r.IP.Stats().FastHits
		if _, fwd := burst(t, r, in, out, pool, tmpl, tmpl); len(fwd) != 2 {
			t.Fatalf("passed flow: %d forwarded", len(fwd))
		}
		if err := f.Load("block in all"); err != nil {
			t.Fatal(err)
		}
		if _, fwd := burst(t, r, in, out, pool, tmpl); len(fwd) != 0 {
			t.Fatalf("forwarded after block in all: %d", len(fwd))
		}
		if s := r.IP.Stats(); s.FastHits != hits {
			t.Errorf("fast-forwarded %d datagrams while pf was attached", s.FastHits-hits)
		}
		f.Detach()
		warm(t, r, in, out, pool) // without hooks the flow is fast again
	})
	t.Run("mtu", func(t *testing.T) {
		r, in, out, pool := setup(t)
		hits := r.IP.Stats().FastHits
		if err := r.S.InterfaceByName("eth1").SetMTU(80); err != nil { // the datagram is 92 bytes
			t.Fatal(err)
		}
		if _, fwd := burst(t, r, in, out, pool, tmpl); len(fwd) != 2 {
			t.Fatalf("%d frames, want two fragments", len(fwd))
		}
		if s := r.IP.Stats(); s.FastHits != hits || s.FragOKs != 1 {
			t.Errorf("hits %d -> %d, fragmented %d", hits, s.FastHits, s.FragOKs)
		}
	})
	t.Run("egress down", func(t *testing.T) {
		r, in, out, pool := setup(t)
		eth1 := r.S.InterfaceByName("eth1")
		drops := eth1.Counters().OutDrops
		eth1.SetFlags(0, stack.FlagUp)
		if _, fwd := burst(t, r, in, out, pool, tmpl, tmpl); len(fwd) != 0 {
			t.Fatalf("sent on a down interface: %d", len(fwd))
		}
		if d := eth1.Counters().OutDrops; d != drops+2 {
			t.Errorf("eth1 out drops %d -> %d, want two more", drops, d)
		}
		eth1.SetFlags(stack.FlagUp, 0)
		warm(t, r, in, out, pool)
	})
	t.Run("switches", func(t *testing.T) {
		r, in, out, pool := setup(t)
		r.IP.SetFastForward(false)
		hits := r.IP.Stats().FastHits
		if _, fwd := burst(t, r, in, out, pool, tmpl, tmpl); len(fwd) != 2 || r.IP.Stats().FastHits != hits {
			t.Fatalf("fast forwarding off: %d forwarded, hits %d -> %d", len(fwd), hits, r.IP.Stats().FastHits)
		}
		r.IP.SetFastForward(true)
		warm(t, r, in, out, pool)
		r.IP.SetForwarding(false)
		if _, fwd := burst(t, r, in, out, pool, tmpl); len(fwd) != 0 {
			t.Fatalf("forwarding off: %d forwarded", len(fwd))
		}
		r.IP.SetForwarding(true)
		warm(t, r, in, out, pool)
	})
}

// TestFastForwardFullPath sends datagrams of a cached flow that the fast
// path must leave to the full one.
func TestFastForwardFullPath(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	r, in, out := router(t, pool)
	r.IP.AddStaticNeighbour(r.S.InterfaceByName("eth0"), netip.MustParseAddr("198.18.0.1"), wire.MAC{2, 0, 0, 0, 0, 0xa})
	warm(t, r, in, out, pool)
	src, dst := wire.Addr4{198, 18, 0, 1}, wire.Addr4{198, 18, 1, 2}
	frame := func(f wire.IPv4Fields) []byte {
		f.Protocol, f.Src, f.Dst = wire.IPProtocolUDP, src, dst
		return eth(wire.MAC{2, 0, 0, 0, 1, 0xfe}, wire.MAC{2, 0, 0, 0, 0, 0xa}, wire.EtherTypeIPv4, ipPacket(f, udpDatagram(src, dst, 1000, 9, make([]byte, 64))))
	}
	check := func(name string, f []byte, wantBack, wantFwd int) (back, fwd [][]byte) {
		t.Helper()
		hits := r.IP.Stats().FastHits
		back, fwd = burst(t, r, in, out, pool, f)
		if len(back) != wantBack || len(fwd) != wantFwd {
			t.Errorf("%s: %d back, %d forwarded; want %d, %d", name, len(back), len(fwd), wantBack, wantFwd)
		}
		if h := r.IP.Stats().FastHits; h != hits {
			t.Errorf("%s: fast-forwarded", name)
		}
		return back, fwd
	}
	back, _ := check("TTL 1", udpFrame(1), 1, 0)
	if len(back) == 1 && wire.ICMPv4(back[0][34:]).Type() != wire.ICMPv4TimeExceeded {
		t.Errorf("TTL 1: % x", back[0])
	}
	if s := r.IP.Stats(); s.ForwTTLExceeded != 1 {
		t.Errorf("ttl-exceeded %d", s.ForwTTLExceeded)
	}
	// A record route option (RFC 791): the full path passes it on.
	opt := frame(wire.IPv4Fields{TTL: 9, Options: wire.IPv4Options{7, 7, 4, 0, 0, 0, 0}})
	if _, fwd := check("options", opt, 0, 1); len(fwd) == 1 && (wire.IPv4(fwd[0][14:]).HeaderLen() != 28 || wire.IPv4(fwd[0][14:]).TTL() != 8) {
		t.Errorf("options: % x", fwd[0])
	}
	if _, fwd := check("first fragment", frame(wire.IPv4Fields{Flags: wire.IPv4FlagMF, ID: 7}), 0, 1); len(fwd) == 1 && wire.IPv4(fwd[0][14:]).Flags() != wire.IPv4FlagMF {
		t.Errorf("fragment: % x", fwd[0])
	}
	check("later fragment", frame(wire.IPv4Fields{FragmentOffset: 800, ID: 7}), 0, 1)
	bad := udpFrame(64)
	bad[24] ^= 0xff // checksum
	errs := r.IP.Stats().InHdrErrors
	check("bad checksum", bad, 0, 0)
	if r.IP.Stats().InHdrErrors != errs+1 {
		t.Error("bad checksum not counted")
	}
	// Ethernet padding is trimmed, as the full path trims it.
	padded := append(udpFrame(64), make([]byte, 10)...)
	hits := r.IP.Stats().FastHits
	if _, fwd := burst(t, r, in, out, pool, padded); len(fwd) != 1 || !bytes.Equal(fwd[0], forwarded(udpFrame(64), ffNextHop)) || r.IP.Stats().FastHits != hits+1 {
		t.Errorf("padded frame: % x (hits %d -> %d)", fwd, hits, r.IP.Stats().FastHits)
	}
}

// TestFastForwardOrder: in one burst, fast datagrams around one the full
// path fragments leave in the order they came.
func TestFastForwardOrder(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	r, in, out := router(t, pool)
	warm(t, r, in, out, pool)
	withID := func(f []byte, id uint16) []byte {
		h := wire.IPv4(f[14:])
		h.SetID(id)
		h.UpdateChecksum()
		return f
	}
	big := bigFrame(1600, false) // fragmented on eth1 (MTU 1500)
	_, fwd := burst(t, r, in, out, pool, withID(udpFrame(64), 1), withID(udpFrame(64), 2), withID(big, 3), withID(udpFrame(64), 4))
	var ids []uint16
	for _, f := range fwd {
		ids = append(ids, wire.IPv4(f[14:]).ID())
	}
	if want := []uint16{1, 2, 3, 3, 4}; !equalIDs(ids, want) {
		t.Errorf("order of IDs %v, want %v", ids, want)
	}
}

func equalIDs(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

type countTap struct{ n atomic.Int64 }

func (c *countTap) Tap(*mbuf.Buf) { c.n.Add(1) }

// TestFastForwardTaps: a tap on the egress sees fast-forwarded frames; a
// tap on the receiving interface sends its frames to the full path, which
// shows them to it.
func TestFastForwardTaps(t *testing.T) {
	pool := stacktest.NewPool(t, 256)
	r, in, out := router(t, pool)
	warm(t, r, in, out, pool)
	eth0, eth1 := r.S.InterfaceByName("eth0"), r.S.InterfaceByName("eth1")
	var o, i countTap
	eth1.AddTap(&o)
	hits := r.IP.Stats().FastHits
	if _, fwd := burst(t, r, in, out, pool, udpFrame(64), udpFrame(64)); len(fwd) != 2 || o.n.Load() != 2 || r.IP.Stats().FastHits != hits+2 {
		t.Errorf("egress tap: forwarded %d, tapped %d, hits %d", len(fwd), o.n.Load(), r.IP.Stats().FastHits-hits)
	}
	eth0.AddTap(&i)
	hits = r.IP.Stats().FastHits
	if _, fwd := burst(t, r, in, out, pool, udpFrame(64)); len(fwd) != 1 || i.n.Load() != 1 || o.n.Load() != 3 || r.IP.Stats().FastHits != hits {
		t.Errorf("ingress tap: forwarded %d, tapped %d in %d out, hits %d", len(fwd), i.n.Load(), o.n.Load(), r.IP.Stats().FastHits-hits)
	}
	eth0.RemoveTap(&i)
	eth1.RemoveTap(&o)
}

// TestFastForwardConcurrent forwards from two interfaces at once while
// another goroutine moves the next hop between MACs and routes (run with
// -race): every frame leaves with a MAC that was valid at some point, and
// every buffer comes home.
func TestFastForwardConcurrent(t *testing.T) {
	pool := stacktest.NewPool(t, 1024)
	r, in, out := router(t, pool)
	in2, rin2 := link.Pair(link.Options{A: [6]byte{2, 0, 0, 0, 3, 0xa}, B: [6]byte{2, 0, 0, 0, 3, 0xfe}})
	t.Cleanup(func() { in2.Close(); rin2.Close() })
	eth2 := r.AttachAddr(t, "eth2", rin2, "198.18.3.254/24", true)
	eth0, eth1 := r.S.InterfaceByName("eth0"), r.S.InterfaceByName("eth1")
	macs := map[wire.MAC]bool{ffNextHop: true, ffOther: true, {2, 0, 0, 0, 0, 0x1b}: true}
	if err := r.IP.AddStaticNeighbour(eth1, netip.MustParseAddr("198.18.1.3"), ffOther); err != nil {
		t.Fatal(err)
	}
	tmpl2 := udpFrame(64)
	wire.Ethernet(tmpl2).SetDst(eth2.MAC())
	h2 := wire.IPv4(tmpl2[14:])
	h2.SetSrc(wire.Addr4{198, 18, 3, 1})
	h2.UpdateChecksum()
	var stop atomic.Bool
	var wg sync.WaitGroup
	send := func(ifc *stack.Interface, tmpl []byte) {
		defer wg.Done()
		bufs := make([]*mbuf.Buf, 16)
		for !stop.Load() {
			n := pool.Alloc(bufs)
			for _, b := range bufs[:n] {
				d, _ := b.Append(len(tmpl))
				copy(d, tmpl)
			}
			ifc.Input(bufs[:n])
		}
	}
	var got, bad atomic.Int64
	wg.Add(4)
	go send(eth0, udpFrame(64))
	go send(eth2, tmpl2)
	go func() { // the wire
		defer wg.Done()
		bufs := make([]*mbuf.Buf, 64)
		for !stop.Load() {
			n := out.RxBurst(bufs)
			for _, b := range bufs[:n] {
				if e := wire.Ethernet(b.Bytes()); e.Type() == wire.EtherTypeIPv4 {
					got.Add(1)
					if !macs[e.Dst()] || !wire.IPv4(b.Bytes()[14:]).ChecksumValid() {
						bad.Add(1)
					}
				}
			}
			pool.Free(bufs[:n])
			for _, p := range []*link.Port{in, in2} { // ICMP errors, if any
				pool.Free(bufs[:p.RxBurst(bufs)])
			}
		}
	}()
	go func() { // the control plane
		defer wg.Done()
		rt := route.Route{Prefix: netip.MustParsePrefix("198.18.1.2/32"), Gateway: netip.MustParseAddr("198.18.1.3"), IfIndex: eth1.Index()}
		for i := 0; !stop.Load(); i++ {
			switch i % 3 {
			case 0:
				_ = r.S.Routes().Add(rt)
			case 1:
				_ = r.S.Routes().Delete(rt)
			case 2:
				mac := ffNextHop
				if i%2 == 0 {
					mac = wire.MAC{2, 0, 0, 0, 0, 0x1b}
				}
				_ = r.IP.AddStaticNeighbour(eth1, netip.MustParseAddr("198.18.1.2"), mac)
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()
	time.Sleep(300 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	bufs := make([]*mbuf.Buf, 64)
	for _, p := range []*link.Port{in, in2, out} {
		for n := p.RxBurst(bufs); n > 0; n = p.RxBurst(bufs) {
			pool.Free(bufs[:n])
		}
	}
	s := r.IP.Stats()
	t.Logf("%d frames out; hits %d misses %d stale %d installs %d invalidations %d", got.Load(), s.FastHits, s.FastMisses, s.FastStale, s.FastInstalls, s.FastInvalidations)
	if bad.Load() != 0 {
		t.Errorf("%d of %d frames with a wrong MAC or checksum", bad.Load(), got.Load())
	}
	if s.FastHits == 0 || got.Load() == 0 {
		t.Errorf("nothing fast-forwarded (%d frames out)", got.Load())
	}
}

// FuzzFastForward is differential: the same datagram goes into a router
// with the flow cache and one without, both warmed the same way and fed
// the same inputs in the same order, and everything must come out the
// same — forwarded frames, frames sent back, every IPv4 counter but the
// cache's own, the interfaces' counters. A cached flow's datagram the fast
// path mishandles (a header it should have left to the full path, a
// rewrite that differs) shows as a difference. The clock is manual, so no
// timer (ARP retries) fires between the two routers' turns.
func FuzzFastForward(f *testing.F) {
	src, dst := wire.Addr4{198, 18, 0, 1}, wire.Addr4{198, 18, 1, 2}
	udp := func(fl wire.IPv4Fields, n int) []byte {
		fl.Protocol, fl.Src, fl.Dst = wire.IPProtocolUDP, src, dst
		return ipPacket(fl, udpDatagram(src, dst, 1000, 9, make([]byte, n)))
	}
	f.Add(udpFrame(64)[14:])
	f.Add(udpFrame(1)[14:])
	f.Add(udpFrame(2)[14:])
	f.Add(udp(wire.IPv4Fields{TTL: 9, Options: wire.IPv4Options{7, 7, 4, 0, 0, 0, 0}}, 8))
	f.Add(udp(wire.IPv4Fields{Flags: wire.IPv4FlagMF, ID: 7}, 16))
	f.Add(udp(wire.IPv4Fields{FragmentOffset: 8, ID: 7}, 16))
	f.Add(udp(wire.IPv4Fields{Flags: wire.IPv4FlagDF}, 1600))
	f.Add(udp(wire.IPv4Fields{}, 1600))
	f.Add(append(udpFrame(64)[14:], 0, 0, 0, 0, 0, 0))
	bad := udpFrame(64)[14:]
	bad[10] ^= 1
	f.Add(bad)
	short := udpFrame(64)[14:]
	short[3] = 200 // total length past the frame
	f.Add(short)

	type side struct {
		r       *stacktest.Host
		in, out *link.Port
		pool    *mbuf.Pool
	}
	var sides [2]side
	for i := range sides {
		pool := stacktest.NewPool(f, 1024)
		o := ipv4.Options{NoFastForward: i == 1, Clock: clocktest.New(time.Unix(1e9, 0)), ICMPRate: 1 << 30, ICMPBurst: 1 << 30}
		r, in, out := routerOpts(f, pool, o)
		r.IP.AddStaticNeighbour(r.S.InterfaceByName("eth0"), netip.MustParseAddr("198.18.0.1"), wire.MAC{2, 0, 0, 0, 0, 0xa})
		sides[i] = side{r, in, out, pool}
	}
	// What one side sends back and forwards for frames, and its counters.
	type result struct {
		back, fwd  [][]byte
		st         ipv4.Stats
		eth0, eth1 stack.Counters
	}
	run := func(t *testing.T, s side, frames ...[]byte) result {
		var res result
		res.back, res.fwd = burst(t, s.r, s.in, s.out, s.pool, frames...)
		res.st = s.r.IP.Stats()
		res.st.FastHits, res.st.FastMisses, res.st.FastStale, res.st.FastInstalls, res.st.FastInvalidations, res.st.FastPauses = 0, 0, 0, 0, 0, 0
		res.eth0, res.eth1 = s.r.S.InterfaceByName("eth0").Counters(), s.r.S.InterfaceByName("eth1").Counters()
		return res
	}
	warmed := false
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if len(pkt) > 1500 {
			return
		}
		frames := [][]byte{eth(wire.MAC{2, 0, 0, 0, 1, 0xfe}, wire.MAC{2, 0, 0, 0, 0, 0xa}, wire.EtherTypeIPv4, pkt)}
		if !warmed {
			frames = append([][]byte{udpFrame(64), udpFrame(64)}, frames...)
			warmed = true
		}
		fast, full := run(t, sides[0], frames...), run(t, sides[1], frames...)
		if len(fast.back) != len(full.back) || len(fast.fwd) != len(full.fwd) {
			t.Fatalf("fast: %d back %d forwarded; full: %d back %d forwarded", len(fast.back), len(fast.fwd), len(full.back), len(full.fwd))
		}
		for i := range fast.back {
			if !bytes.Equal(fast.back[i], full.back[i]) {
				t.Errorf("frame back %d\nfast % x\nfull % x", i, fast.back[i], full.back[i])
			}
		}
		for i := range fast.fwd {
			if !bytes.Equal(fast.fwd[i], full.fwd[i]) {
				t.Errorf("forwarded frame %d\nfast % x\nfull % x", i, fast.fwd[i], full.fwd[i])
			}
		}
		if fast.st != full.st {
			t.Errorf("counters\nfast %+v\nfull %+v", fast.st, full.st)
		}
		if fast.eth0 != full.eth0 || fast.eth1 != full.eth1 {
			t.Errorf("interface counters\nfast %+v %+v\nfull %+v %+v", fast.eth0, fast.eth1, full.eth0, full.eth1)
		}
	})
}
