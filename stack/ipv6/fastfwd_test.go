package ipv6_test

import (
	"bytes"
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// router6 forwards between eth0 (2001:db8:a::1/64, the test's end in)
// and eth1 (2001:db8:b::1/64, the test's end out; 2001:db8:b::2 is a
// permanent neighbour there).
type router6 struct {
	t          testing.TB
	pool       *mbuf.Pool
	ip         *ipv6.IPv6
	s          *stack.Stack
	eth0, eth1 *stack.Interface
	in, out    *link.Port
}

var (
	r6Src   = netip.MustParseAddr("2001:db8:a::2").As16()
	r6Dst   = netip.MustParseAddr("2001:db8:b::2").As16()
	r6Next  = wire.MAC{2, 0, 0, 0, 0, 0x21}
	r6Other = wire.MAC{2, 0, 0, 0, 0, 0x22}
)

func newRouter6(t testing.TB, o ipv6.Options) *router6 {
	pool := stacktest.NewPool(t, 256)
	o.Forwarding, o.DADTransmits = true, -1
	ip6 := ipv6.New(o)
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ipv4.New(ipv4.Options{}), ip6}})
	if err != nil {
		t.Fatal(err)
	}
	in0, in1 := link.Pair(link.Options{A: [6]byte{2, 0, 0, 0, 0, 0x11}, B: [6]byte{2, 0, 0, 0, 0, 0x10}})
	out0, out1 := link.Pair(link.Options{A: [6]byte{2, 0, 0, 0, 0, 0x20}, B: r6Next})
	t.Cleanup(func() { _ = s.Close(); _ = in0.Close(); _ = in1.Close(); _ = out0.Close(); _ = out1.Close() })
	r := &router6{t: t, pool: pool, ip: ip6, s: s, in: in1, out: out1}
	if r.eth0, err = s.Attach("eth0", in0, stack.IfOptions{NoPoller: true}); err != nil {
		t.Fatal(err)
	}
	if r.eth1, err = s.Attach("eth1", out0, stack.IfOptions{NoPoller: true}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct {
		ifc *stack.Interface
		p   string
	}{{r.eth0, "2001:db8:a::1/64"}, {r.eth1, "2001:db8:b::1/64"}} {
		if err := ip6.AddAddress(a.ifc, netip.MustParsePrefix(a.p)); err != nil {
			t.Fatal(err)
		}
	}
	r.neighbour(r.eth1, "2001:db8:b::2", r6Next)
	r.neighbour(r.eth0, "2001:db8:a::2", in1.MAC())
	r.send() // what attaching sent (MLD, router solicitations)
	return r
}

func (r *router6) neighbour(ifc *stack.Interface, a string, mac wire.MAC) {
	if err := r.ip.AddStaticNeighbour(ifc, netip.MustParseAddr(a), mac); err != nil {
		r.t.Fatal(err)
	}
}

// frame is a UDP packet from 2001:db8:a::2 to dst, hop limit hop.
func (r *router6) frame(dst [16]byte, nh wire.IPProtocol, hop uint8, n int) []byte {
	f := make([]byte, 14)
	e := wire.Ethernet(f)
	e.SetDst(r.eth0.MAC())
	e.SetSrc(r.in.MAC())
	e.SetType(wire.EtherTypeIPv6)
	return append(f, pkt(r6Src, dst, nh, hop, make([]byte, n))...)
}

// send injects frames into eth0 in one burst and returns the IPv6 frames
// that came back on in and out, leaving out neighbour discovery and MLD.
func (r *router6) send(frames ...[]byte) (back, fwd [][]byte) {
	r.t.Helper()
	bufs := make([]*mbuf.Buf, len(frames))
	for i, f := range frames {
		b, err := r.pool.Get()
		if err != nil {
			r.t.Fatal(err)
		}
		d, _ := b.Append(len(f))
		copy(d, f)
		bufs[i] = b
	}
	r.in.TxBurst(bufs)
	stacktest.Drain(r.s.Interfaces()...)
	collect := func(p *link.Port) [][]byte {
		var res [][]byte
		got := make([]*mbuf.Buf, 64)
		n := p.RxBurst(got)
		for _, b := range got[:n] {
			d := b.Bytes()
			if wire.Ethernet(d).Type() == wire.EtherTypeIPv6 && len(d) >= 54 && d[14+24] != 0xff {
				res = append(res, append([]byte(nil), d...))
			}
		}
		r.pool.Free(got[:n])
		return res
	}
	return collect(r.in), collect(r.out)
}

func forwarded6(f []byte, from, to wire.MAC) []byte {
	w := append([]byte(nil), f...)
	e := wire.Ethernet(w)
	e.SetDst(to)
	e.SetSrc(from)
	w[14+7]--
	return w
}

func TestFastForward6(t *testing.T) {
	r := newRouter6(t, ipv6.Options{})
	f := r.frame(r6Dst, wire.IPProtocolUDP, 64, 72)
	want := forwarded6(f, r.eth1.MAC(), r6Next)
	_, fwd := r.send(f, f, f)
	if len(fwd) != 3 || !bytes.Equal(fwd[0], want) || !bytes.Equal(fwd[2], want) {
		t.Fatalf("forwarded %d: % x\nwant % x", len(fwd), fwd, want)
	}
	s := r.ip.Stats()
	if s.FastHits != 2 || s.FastMisses != 1 || s.FastInstalls != 1 || s.ForwDatagrams != 3 {
		t.Errorf("hits %d misses %d installs %d forwarded %d", s.FastHits, s.FastMisses, s.FastInstalls, s.ForwDatagrams)
	}
	hits := s.FastHits
	check := func(name string, f []byte, wantFwd []byte, wantBack int, hit bool) {
		t.Helper()
		back, fwd := r.send(f)
		switch {
		case wantFwd == nil && len(fwd) != 0:
			t.Errorf("%s: forwarded % x", name, fwd)
		case wantFwd != nil && (len(fwd) != 1 || !bytes.Equal(fwd[0], wantFwd)):
			t.Errorf("%s: forwarded % x\nwant % x", name, fwd, wantFwd)
		}
		if len(back) != wantBack {
			t.Errorf("%s: %d packets back, want %d", name, len(back), wantBack)
		}
		h := r.ip.Stats().FastHits
		if hit != (h == hits+1) {
			t.Errorf("%s: hits %d -> %d", name, hits, h)
		}
		hits = h
	}
	check("cached", f, want, 0, true)
	// Left to the full path: hop limit 1 (time exceeded back), a
	// hop-by-hop header, too big for eth1.
	check("hop limit 1", r.frame(r6Dst, wire.IPProtocolUDP, 1, 72), nil, 1, false)
	hbh := r.frame(r6Dst, wire.IPv6HopByHop, 64, 8+72)
	copy(hbh[54:], []byte{byte(wire.IPProtocolUDP), 0, 1, 4, 0, 0, 0, 0}) // PadN
	check("hop-by-hop", hbh, forwarded6(hbh, r.eth1.MAC(), r6Next), 0, false)
	if err := r.eth1.SetMTU(1280); err != nil {
		t.Fatal(err)
	}
	check("too big", r.frame(r6Dst, wire.IPProtocolUDP, 64, 1300), nil, 1, false)
	check("fits", f, want, 0, true)
	// Changes: the very next packet follows them.
	r.neighbour(r.eth1, "2001:db8:b::2", r6Other)
	check("neighbour MAC", f, forwarded6(f, r.eth1.MAC(), r6Other), 0, false)
	check("neighbour MAC, cached", f, forwarded6(f, r.eth1.MAC(), r6Other), 0, true)
	r.neighbour(r.eth1, "2001:db8:b::3", r6Next)
	rt := route.Route{Prefix: netip.MustParsePrefix("2001:db8:b::2/128"), Gateway: netip.MustParseAddr("2001:db8:b::3"), IfIndex: r.eth1.Index()}
	if err := r.ip.Routes().Add(rt); err != nil {
		t.Fatal(err)
	}
	check("route", f, want, 0, false)
	check("route, cached", f, want, 0, true)
	if err := r.ip.Forward().Add("drop", 0, func(pfil.Dir, int, *mbuf.Buf) pfil.Verdict { return pfil.Drop }); err != nil {
		t.Fatal(err)
	}
	check("forward hook", f, nil, 0, false)
	_ = r.ip.Forward().Remove("drop")
	check("hook gone", f, want, 0, true) // the flow itself did not change
	if err := r.ip.AddAddress(r.eth1, netip.MustParsePrefix("2001:db8:b::2/64")); err != nil {
		t.Fatal(err)
	}
	check("our address", f, nil, 1, false) // delivered: port unreachable back
	// A flow back out of the interface it came in on is never cached (the
	// full path sends redirects for it).
	r.neighbour(r.eth0, "2001:db8:a::3", r6Other)
	if err := r.ip.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("2001:db8:c::/64"), Gateway: netip.MustParseAddr("2001:db8:a::3"), IfIndex: r.eth0.Index()}); err != nil {
		t.Fatal(err)
	}
	installs := r.ip.Stats().FastInstalls
	hairpin := r.frame(netip.MustParseAddr("2001:db8:c::9").As16(), wire.IPProtocolUDP, 64, 72)
	r.send(hairpin, hairpin)
	if s := r.ip.Stats(); s.FastInstalls != installs || s.FastHits != hits {
		t.Errorf("hairpin flow cached: installs %d -> %d, hits %d -> %d", installs, s.FastInstalls, hits, s.FastHits)
	}
}

// FuzzFastForward6 is IPv4's differential fuzz target for IPv6: the same
// packet goes into a router with the flow cache and one without, both
// warmed with the same cached flow and fed the same inputs in the same
// order, and everything must come out the same: forwarded frames, frames
// sent back (ICMPv6 errors), every IPv6 counter but the cache's own, the
// interfaces' counters. The clock is manual, so no timer (NUD, router
// solicitations, MLD) fires between the two routers' turns; neighbours are
// static so no NDP state moves.
func FuzzFastForward6(f *testing.F) {
	r6Far := netip.MustParseAddr("2001:db8:c::7").As16()
	udp := func(dst [16]byte, hop uint8, n int) []byte {
		return pkt(r6Src, dst, wire.IPProtocolUDP, hop, make([]byte, n))
	}
	f.Add(udp(r6Dst, 64, 72))
	f.Add(udp(r6Dst, 2, 8))
	f.Add(udp(r6Dst, 1, 8))
	f.Add(udp(r6Dst, 64, 1400))
	f.Add(udp(r6Far, 64, 16))
	f.Add(pkt(r6Src, r6Dst, wire.IPv6HopByHop, 64, withExt([]byte{0, 0, 1, 4, 0, 0, 0, 0}, wire.IPProtocolUDP, make([]byte, 16))))
	f.Add(pkt(r6Src, r6Dst, wire.IPv6Fragment, 64, withExt([]byte{0, 0, 0, 1, 0, 0, 0, 9}, wire.IPProtocolUDP, make([]byte, 16))))
	f.Add(pkt(r6Src, r6Dst, wire.IPv6DestOpts, 64, withExt([]byte{0, 0, 0x80, 1, 0, 0, 0, 0}, wire.IPProtocolUDP, make([]byte, 16))))
	short := udp(r6Dst, 64, 72)
	short[5] = 200 // payload length past the packet
	f.Add(short)
	f.Add(append(udp(r6Dst, 64, 72), 0, 0, 0, 0)) // padding after the payload
	mcast := udp([16]byte{0: 0xff, 1: 0x0e, 15: 9}, 64, 8)
	f.Add(mcast)
	linkLocal := udp([16]byte{0: 0xfe, 1: 0x80, 15: 9}, 64, 8)
	f.Add(linkLocal)

	type result struct {
		back, fwd  [][]byte
		st         ipv6.Stats
		eth0, eth1 stack.Counters
	}
	var sides [2]*router6
	for i := range sides {
		r := newRouter6(f, ipv6.Options{NoFastForward: i == 1, Clock: clocktest.New(time.Unix(1e9, 0)), ICMPRate: 1 << 30, ICMPBurst: 1 << 30})
		if err := r.ip.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("2001:db8:c::/64"), Gateway: netip.AddrFrom16(r6Dst), IfIndex: r.eth1.Index()}); err != nil {
			f.Fatal(err)
		}
		sides[i] = r
	}
	run := func(t *testing.T, r *router6, frames ...[]byte) result {
		r.t = t
		var res result
		res.back, res.fwd = r.send(frames...)
		res.st = r.ip.Stats()
		res.st.FastHits, res.st.FastMisses, res.st.FastStale, res.st.FastInstalls, res.st.FastInvalidations, res.st.FastPauses = 0, 0, 0, 0, 0, 0
		res.eth0, res.eth1 = r.eth0.Counters(), r.eth1.Counters()
		return res
	}
	warmed := false
	f.Fuzz(func(t *testing.T, p []byte) {
		if len(p) > 1500 {
			return
		}
		var res [2]result
		for i, r := range sides {
			e := make([]byte, 14, 14+len(p))
			eh := wire.Ethernet(e)
			eh.SetDst(r.eth0.MAC())
			eh.SetSrc(r.in.MAC())
			eh.SetType(wire.EtherTypeIPv6)
			frames := [][]byte{append(e, p...)}
			if !warmed {
				w := r.frame(r6Dst, wire.IPProtocolUDP, 64, 72)
				frames = append([][]byte{w, w}, frames...)
			}
			res[i] = run(t, r, frames...)
		}
		warmed = true
		fast, full := res[0], res[1]
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
		if !reflect.DeepEqual(fast.st, full.st) {
			t.Errorf("counters\nfast %+v\nfull %+v", fast.st, full.st)
		}
		if fast.eth0 != full.eth0 || fast.eth1 != full.eth1 {
			t.Errorf("interface counters\nfast %+v %+v\nfull %+v %+v", fast.eth0, fast.eth1, full.eth0, full.eth1)
		}
		if s := sides[0].ip.Stats(); s.FastHits == 0 {
			t.Fatalf("the warmed flow was never fast-forwarded: %+v", s)
		}
	})
}
