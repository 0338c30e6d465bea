package ipv6_test

import (
	"bytes"
	"net/netip"
	"testing"

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
	t          *testing.T
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

func newRouter6(t *testing.T, o ipv6.Options) *router6 {
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
