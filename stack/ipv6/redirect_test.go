package ipv6_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// redirectMsg is an ICMPv6 redirect (RFC 4861 §4.5) with the options
// given (already encoded).
func redirectMsg(target, dst [16]byte, opts ...byte) []byte {
	m := make([]byte, 40, 40+len(opts))
	m[0] = uint8(wire.ICMPv6Redirect)
	copy(m[8:], target[:])
	copy(m[24:], dst[:])
	return append(m, opts...)
}

// rawFrames returns the Ethernet frames the host sent (copies).
func (w *wireHost) rawFrames() [][]byte {
	var out [][]byte
	bufs := make([]*mbuf.Buf, 32)
	for k := w.peer.RxBurst(bufs); k > 0; k = w.peer.RxBurst(bufs) {
		for _, f := range bufs[:k] {
			fr := make([]byte, f.PktLen())
			f.CopyTo(fr)
			f.Free()
			out = append(out, fr)
		}
	}
	return out
}

// TestRedirectFollowed: a host follows a redirect from the first-hop
// router of the destination (RFC 4861 §8.3): the destination's next hop
// becomes the target, whose neighbour entry takes the target link-layer
// address (STALE, a router); malformed redirects and valid ones from
// anyone else change nothing (§8.1); a redirect to the destination itself
// makes it on-link; entries expire; a router ignores redirects.
func TestRedirectFollowed(t *testing.T) {
	w := newWireHost(t)
	ifi := w.ifc.Index()
	r1 := netip.MustParseAddr("fe80::2").As16()
	r2 := netip.MustParseAddr("fe80::3").As16()
	mac2 := wire.MAC{0x02, 0, 0, 0, 0, 0x03}
	dst := netip.MustParseAddr("2001:db8:99::5").As16()
	ours := ipv6.LinkLocal(w.ifc.MAC()).As16()
	if err := w.ip.Routes().Add(route.Route{Prefix: netip.MustParsePrefix("2001:db8:99::/64"), Gateway: netip.AddrFrom16(r1), IfIndex: ifi}); err != nil {
		t.Fatal(err)
	}
	nextHop := func() [16]byte {
		t.Helper()
		_, nh, err := w.ip.Route(dst, 0)
		if err != nil {
			t.Fatal(err)
		}
		return nh
	}
	tll := []byte{2, 1, 2, 0, 0, 0, 0, 3}
	for _, c := range []struct {
		name  string
		pkt   []byte
		count func(ipv6.Stats) uint64
	}{
		{"hop limit 64", pkt(r1, ours, wire.IPProtocolICMPv6, 64, redirectMsg(r2, dst, tll...)), func(s ipv6.Stats) uint64 { return s.NDBadHopLimit }},
		{"global source", pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 255, redirectMsg(r2, dst, tll...)), func(s ipv6.Stats) uint64 { return s.NDInvalid }},
		{"not the first hop", pkt(netip.MustParseAddr("fe80::9").As16(), ours, wire.IPProtocolICMPv6, 255, redirectMsg(r2, dst, tll...)), func(s ipv6.Stats) uint64 { return s.NDRedirectsRejected }},
		{"multicast destination", pkt(r1, ours, wire.IPProtocolICMPv6, 255, redirectMsg(r2, [16]byte{0: 0xff, 1: 2, 15: 1}, tll...)), func(s ipv6.Stats) uint64 { return s.NDInvalid }},
		{"global target not the destination", pkt(r1, ours, wire.IPProtocolICMPv6, 255, redirectMsg(peerAddr, dst, tll...)), func(s ipv6.Stats) uint64 { return s.NDInvalid }},
		{"option length 0", pkt(r1, ours, wire.IPProtocolICMPv6, 255, redirectMsg(r2, dst, 2, 0, 2, 0, 0, 0, 0, 3)), func(s ipv6.Stats) uint64 { return s.NDBadOptions }},
		{"short", pkt(r1, ours, wire.IPProtocolICMPv6, 255, redirectMsg(r2, dst)[:32]), func(s ipv6.Stats) uint64 { return s.NDInvalid }},
		{"code 1", func() []byte {
			m := redirectMsg(r2, dst, tll...)
			m[1] = 1
			return pkt(r1, ours, wire.IPProtocolICMPv6, 255, m)
		}(), func(s ipv6.Stats) uint64 { return s.NDInvalid }},
	} {
		before := c.count(w.ip.Stats())
		if out := w.inject(t, w.ifc.MAC(), c.pkt); len(out) != 0 {
			t.Errorf("%s: sent %d packets", c.name, len(out))
		}
		if got := c.count(w.ip.Stats()) - before; got != 1 {
			t.Errorf("%s: counter moved by %d, want 1", c.name, got)
		}
		if nextHop() != r1 || len(w.ip.Redirects()) != 0 {
			t.Fatalf("%s: next hop %v, redirects %v", c.name, netip.AddrFrom16(nextHop()), w.ip.Redirects())
		}
	}

	// Valid, from the first hop, to the router fe80::3, with its address.
	w.inject(t, w.ifc.MAC(), pkt(r1, ours, wire.IPProtocolICMPv6, 255, redirectMsg(r2, dst, tll...)))
	if nextHop() != r2 || w.ip.Stats().NDRedirectsApplied != 1 {
		t.Fatalf("next hop %v after the redirect, applied %d", netip.AddrFrom16(nextHop()), w.ip.Stats().NDRedirectsApplied)
	}
	var found bool
	for _, n := range w.ip.Neighbours() {
		if n.Addr == netip.AddrFrom16(r2) {
			found = n.MAC == mac2 && n.State == ipv6.Stale && n.Router
		}
	}
	if !found {
		t.Fatalf("target's neighbour entry: %+v", w.ip.Neighbours())
	}
	// What we send to the destination goes to the target's MAC.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	_, _ = w.ip.Ping(ctx, netip.AddrFrom16(dst), ipv6.PingOptions{})
	cancel()
	fr := w.rawFrames()
	if len(fr) == 0 || wire.MAC(fr[len(fr)-1][:6]) != mac2 {
		t.Fatalf("the ping to the redirected destination went to %x, want %v", fr, mac2)
	}
	// The old router is no longer the first hop; the new one may send the
	// destination on-link.
	w.inject(t, w.ifc.MAC(), pkt(r1, ours, wire.IPProtocolICMPv6, 255, redirectMsg(r1, dst)))
	if nextHop() != r2 || w.ip.Stats().NDRedirectsRejected != 2 {
		t.Fatalf("redirect from the former first hop: next hop %v", netip.AddrFrom16(nextHop()))
	}
	w.inject(t, w.ifc.MAC(), pkt(r2, ours, wire.IPProtocolICMPv6, 255, redirectMsg(dst, dst)))
	if nextHop() != dst {
		t.Fatalf("on-link redirect: next hop %v", netip.AddrFrom16(nextHop()))
	}
	// RedirectTimeout (10 min) later the timer has taken it away.
	w.clk.Advance(11 * time.Minute)
	if !stacktest.Eventually(5*time.Second, func() bool { return nextHop() == r1 && len(w.ip.Redirects()) == 0 }) {
		t.Fatalf("after the timeout: next hop %v", netip.AddrFrom16(nextHop()))
	}
	// A router does not follow redirects (§8.3).
	w.ip.SetForwarding(true)
	w.inject(t, w.ifc.MAC(), pkt(r1, ours, wire.IPProtocolICMPv6, 255, redirectMsg(r2, dst, tll...)))
	if nextHop() != r1 || w.ip.Stats().NDRedirectsRejected != 3 {
		t.Fatalf("router followed a redirect: next hop %v", netip.AddrFrom16(nextHop()))
	}
	w.clean(t)
}

// TestRedirectSent: forwarding a packet back out the interface it came in
// on, from a neighbour, we send the sender a redirect (RFC 4861 §8.2) —
// from our link-local address, hop limit 255, naming the better first
// hop with its link-layer address and quoting the packet — and still
// forward the packet; a destination on the link is its own target; an
// off-link sender gets none; the rate limit holds.
func TestRedirectSent(t *testing.T) {
	w := newWireHost(t)
	w.ip.SetForwarding(true)
	ifi := w.ifc.Index()
	r2 := netip.MustParseAddr("fe80::3")
	mac2 := wire.MAC{0x02, 0, 0, 0, 0, 0x03}
	ours := ipv6.LinkLocal(w.ifc.MAC()).As16()
	for _, r := range []route.Route{
		{Prefix: netip.MustParsePrefix("2001:db8:99::/64"), Gateway: r2, IfIndex: ifi},
		{Prefix: netip.MustParsePrefix("2001:db8:98::/64"), IfIndex: ifi, Kind: route.Connected},
		{Prefix: netip.MustParsePrefix("2001:db8:5::/64"), Gateway: netip.AddrFrom16(peerAddr), IfIndex: ifi},
	} {
		if err := w.ip.Routes().Add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.ip.AddStaticNeighbour(w.ifc, r2, mac2); err != nil {
		t.Fatal(err)
	}
	dst := netip.MustParseAddr("2001:db8:99::5").As16()
	in := pkt(peerAddr, dst, wire.IPProtocolICMPv6, 64, echo(5, 1, 100))
	out := w.inject(t, w.ifc.MAC(), in)
	if len(out) != 2 {
		t.Fatalf("sent %d packets, want a redirect and the forwarded packet", len(out))
	}
	rd, fw := wire.IPv6(out[0]), wire.IPv6(out[1])
	if fw.HopLimit() != 63 || fw.Dst() != dst {
		t.Fatalf("forwarded packet %x", out[1])
	}
	m := wire.ICMPv6(rd.Payload())
	if rd.Src() != ours || rd.Dst() != peerAddr || rd.HopLimit() != 255 || m.Type() != wire.ICMPv6Redirect || m.Code() != 0 {
		t.Fatalf("redirect header %x", out[0])
	}
	if wire.Checksum(m, wire.PseudoHeaderChecksum6(wire.IPProtocolICMPv6, rd.Src(), rd.Dst(), uint32(len(m)))) != 0xffff {
		t.Fatal("bad redirect checksum")
	}
	if [16]byte(m[8:24]) != r2.As16() || [16]byte(m[24:40]) != dst {
		t.Fatalf("target %x destination %x", m[8:24], m[24:40])
	}
	// Options: target link-layer address, then the redirected header
	// quoting the packet as it arrived (hop limit 64), in 8-byte units.
	if m[40] != 2 || m[41] != 1 || wire.MAC(m[42:48]) != mac2 || m[48] != 4 || int(m[49])*8 != len(m)-48 {
		t.Fatalf("options %x", m[40:])
	}
	if q := m[56:]; len(q) != len(in)&^7 || string(q) != string(in[:len(q)]) {
		t.Fatalf("redirected header quotes %d bytes, want the first %d of the packet", len(q), len(in)&^7)
	}
	// A destination on the link: the target is the destination.
	out = w.inject(t, w.ifc.MAC(), pkt(peerAddr, netip.MustParseAddr("2001:db8:98::7").As16(), wire.IPProtocolICMPv6, 64, echo(5, 2, 8)))
	if len(out) < 1 || wire.ICMPv6(wire.IPv6(out[0]).Payload()).Type() != wire.ICMPv6Redirect ||
		[16]byte(out[0][48:64]) != [16]byte(out[0][64:80]) {
		t.Fatalf("on-link destination: sent %x", out)
	}
	// From a sender that is not on the link: forwarded, no redirect.
	before := w.ip.Stats().NDOutRedirects
	out = w.inject(t, w.ifc.MAC(), pkt(netip.MustParseAddr("2001:db8:5::9").As16(), dst, wire.IPProtocolICMPv6, 64, echo(5, 3, 8)))
	if len(out) != 1 || w.ip.Stats().NDOutRedirects != before {
		t.Fatalf("off-link sender: sent %d packets, redirects %d -> %d", len(out), before, w.ip.Stats().NDOutRedirects)
	}
	// The rate limit (10 a second, a burst of 10): 30 packets at once
	// give at most 10 redirects in all, every packet is forwarded.
	fwdBefore := w.ip.Stats().ForwDatagrams
	for i := range 30 {
		w.inject(t, w.ifc.MAC(), pkt(peerAddr, dst, wire.IPProtocolICMPv6, 64, echo(5, uint16(10+i), 8)))
	}
	st := w.ip.Stats()
	if st.NDOutRedirects > 11 || st.NDOutRedirectsLimited == 0 || st.ForwDatagrams-fwdBefore != 30 {
		t.Fatalf("redirects %d limited %d forwarded %d", st.NDOutRedirects, st.NDOutRedirectsLimited, st.ForwDatagrams-fwdBefore)
	}
	w.clean(t)
}
