package ipv6_test

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// paramProblem checks that out holds exactly one ICMPv6 parameter problem
// with code and pointer.
func paramProblem(t *testing.T, out [][]byte, code uint8, ptr uint32) {
	t.Helper()
	if len(out) != 1 {
		t.Fatalf("sent %d packets, want one parameter problem", len(out))
	}
	h, err := wire.NewIPv6(out[0])
	if err != nil || h.NextHeader() != wire.IPProtocolICMPv6 {
		t.Fatalf("sent %x", out[0])
	}
	m := wire.ICMPv6(h.Payload())
	if m.Type() != wire.ICMPv6ParamProblem || m.Code() != code || m.Rest() != ptr {
		t.Fatalf("sent type %d code %d param %d, want parameter problem code %d pointer %d", m.Type(), m.Code(), m.Rest(), code, ptr)
	}
	if wire.Checksum(h.Payload(), wire.PseudoHeaderChecksum6(wire.IPProtocolICMPv6, h.Src(), h.Dst(), uint32(len(h.Payload())))) != 0xffff {
		t.Fatal("bad ICMPv6 checksum")
	}
}

func TestMalformed(t *testing.T) {
	w := newWireHost(t)
	e := echo(3, 4, 8)
	icmpSum(e, peerAddr, hostAddr)
	slla := []byte{1, 1, 2, 0, 0, 0, 0, 2}
	for _, c := range []struct {
		name  string
		pkt   []byte
		count func(ipv6.Stats) uint64
		check func(t *testing.T, out [][]byte)
	}{
		{"echo answered", pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 64, echo(1, 1, 16)),
			func(s ipv6.Stats) uint64 { return s.ICMPOutEchoReplies },
			func(t *testing.T, out [][]byte) {
				if len(out) != 1 || wire.ICMPv6(out[0][40:]).Type() != wire.ICMPv6EchoReply {
					t.Fatalf("got %x", out)
				}
			}},
		{"bad checksum", func() []byte {
			p := pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 64, echo(1, 1, 16))
			p[45]++
			return p
		}(),
			func(s ipv6.Stats) uint64 { return s.ICMPInCsumErrors }, nil},
		{"NS hop limit 64", pkt(peerAddr, wire.SolicitedNode(hostAddr), wire.IPProtocolICMPv6, 64, ns(hostAddr, slla)),
			func(s ipv6.Stats) uint64 { return s.NDBadHopLimit }, nil},
		{"NS option length 0", pkt(peerAddr, wire.SolicitedNode(hostAddr), wire.IPProtocolICMPv6, 255, ns(hostAddr, []byte{1, 0, 2, 0, 0, 0, 0, 2})),
			func(s ipv6.Stats) uint64 { return s.NDBadOptions }, nil},
		{"DAD NS with source option", pkt([16]byte{}, wire.SolicitedNode(hostAddr), wire.IPProtocolICMPv6, 255, ns(hostAddr, slla)),
			func(s ipv6.Stats) uint64 { return s.NDInvalid }, nil},
		{"NS answered", pkt(peerAddr, wire.SolicitedNode(hostAddr), wire.IPProtocolICMPv6, 255, ns(hostAddr, slla)),
			func(s ipv6.Stats) uint64 { return s.NDOutAdverts },
			func(t *testing.T, out [][]byte) {
				if len(out) != 1 || wire.ICMPv6(out[0][40:]).Type() != wire.ICMPv6NeighborAdvert || out[0][44] != 0x60 {
					t.Fatalf("got %x", out)
				}
			}},
		{"routing type 0", pkt(peerAddr, hostAddr, wire.IPv6Routing, 64, withExt([]byte{0, 0, 0, 1, 0, 0, 0, 0}, wire.IPv6NoNext, nil)),
			func(s ipv6.Stats) uint64 { return s.InRH0 },
			func(t *testing.T, out [][]byte) { paramProblem(t, out, wire.ICMPv6ErroneousHeader, 42) }},
		{"routing, segments left 0, skipped", pkt(peerAddr, hostAddr, wire.IPv6Routing, 64, withExt([]byte{0, 0, 0, 0, 0, 0, 0, 0}, wire.IPProtocolICMPv6, e)),
			func(s ipv6.Stats) uint64 { return s.ICMPOutEchoReplies }, nil},
		{"unknown option, action 10", pkt(peerAddr, hostAddr, wire.IPv6DestOpts, 64, withExt([]byte{0, 0, 0x80, 1, 0, 0, 0, 0}, wire.IPProtocolICMPv6, e)),
			func(s ipv6.Stats) uint64 { return s.InOptionErrors },
			func(t *testing.T, out [][]byte) { paramProblem(t, out, wire.ICMPv6UnknownOption, 42) }},
		{"unknown option, action 00, skipped", pkt(peerAddr, hostAddr, wire.IPv6DestOpts, 64, withExt([]byte{0, 0, 0x1e, 1, 0, 0, 0, 0}, wire.IPProtocolICMPv6, e)),
			func(s ipv6.Stats) uint64 { return s.ICMPOutEchoReplies }, nil},
		{"option past the header", pkt(peerAddr, hostAddr, wire.IPv6DestOpts, 64, withExt([]byte{0, 0, 1, 9, 0, 0, 0, 0}, wire.IPProtocolICMPv6, e)),
			func(s ipv6.Stats) uint64 { return s.InOptionErrors },
			func(t *testing.T, out [][]byte) { paramProblem(t, out, wire.ICMPv6ErroneousHeader, 42) }},
		{"hop-by-hop not first", pkt(peerAddr, hostAddr, wire.IPv6DestOpts, 64, withExt([]byte{0, 0, 1, 4, 0, 0, 0, 0}, wire.IPv6HopByHop, withExt([]byte{0, 0, 1, 4, 0, 0, 0, 0}, wire.IPProtocolICMPv6, e))),
			func(s ipv6.Stats) uint64 { return s.InExtErrors },
			func(t *testing.T, out [][]byte) { paramProblem(t, out, wire.ICMPv6UnknownNextHdr, 40) }},
		{"unknown next header", pkt(peerAddr, hostAddr, 200, 64, []byte{1, 2, 3, 4}),
			func(s ipv6.Stats) uint64 { return s.InUnknownProtos },
			func(t *testing.T, out [][]byte) { paramProblem(t, out, wire.ICMPv6UnknownNextHdr, 6) }},
		{"fragment not a multiple of 8", pkt(peerAddr, hostAddr, wire.IPv6Fragment, 64, withExt([]byte{0, 0, 0, 1, 0, 0, 0, 9}, wire.IPProtocolICMPv6, e[:13])),
			func(s ipv6.Stats) uint64 { return s.ReasmFails },
			func(t *testing.T, out [][]byte) { paramProblem(t, out, wire.ICMPv6ErroneousHeader, 4) }},
		{"atomic fragment", pkt(peerAddr, hostAddr, wire.IPv6Fragment, 64, withExt([]byte{0, 0, 0, 0, 0, 0, 0, 9}, wire.IPProtocolICMPv6, e)),
			func(s ipv6.Stats) uint64 { return s.ReasmAtomic }, nil},
		{"multicast source", pkt([16]byte{0: 0xff, 1: 2, 15: 1}, hostAddr, wire.IPProtocolICMPv6, 64, echo(1, 1, 16)),
			func(s ipv6.Stats) uint64 { return s.InAddrErrors }, nil},
		{"group not joined", pkt(peerAddr, [16]byte{0: 0xff, 1: 2, 15: 7}, wire.IPProtocolICMPv6, 64, echo(1, 1, 16)),
			func(s ipv6.Stats) uint64 { return s.InNotJoined }, nil},
		{"truncated", pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 64, echo(1, 1, 16))[:50],
			func(s ipv6.Stats) uint64 { return s.InTruncated }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := c.count(w.ip.Stats())
			out := w.inject(t, w.ifc.MAC(), c.pkt)
			if got := c.count(w.ip.Stats()) - before; got != 1 {
				t.Errorf("counter moved by %d, want 1 (stats %+v)", got, w.ip.Stats())
			}
			if c.check != nil {
				c.check(t, out)
			} else if len(out) != 0 && c.name != "atomic fragment" && c.name != "routing, segments left 0, skipped" && c.name != "unknown option, action 00, skipped" {
				t.Errorf("sent %d packets, want none", len(out))
			}
			w.clean(t)
		})
	}
}

// TestOverlap: overlapping fragments abandon the packet (RFC 5722);
// an exact duplicate is dropped alone and the packet completes.
func TestOverlap(t *testing.T) {
	w := newWireHost(t)
	body := echo(9, 9, 40) // 48 bytes of ICMPv6
	icmpSum(body, peerAddr, hostAddr)
	frag := func(off int, more bool, data []byte) []byte {
		h := make([]byte, 8)
		h[0] = uint8(wire.IPProtocolICMPv6)
		v := uint16(off)
		if more {
			v |= 1
		}
		binary.BigEndian.PutUint16(h[2:], v)
		binary.BigEndian.PutUint32(h[4:], 77)
		return pkt(peerAddr, hostAddr, wire.IPv6Fragment, 64, append(h, data...))
	}
	w.inject(t, w.ifc.MAC(), frag(0, true, body[:24]))
	w.inject(t, w.ifc.MAC(), frag(16, true, body[16:32])) // overlaps [16,24)
	if s := w.ip.Stats(); s.ReasmOverlaps != 1 || w.ip.Pending() != 0 {
		t.Fatalf("overlap: %+v pending %d", s, w.ip.Pending())
	}
	w.inject(t, w.ifc.MAC(), frag(0, true, body[:24]))
	w.inject(t, w.ifc.MAC(), frag(0, true, body[:24])) // exact duplicate
	out := w.inject(t, w.ifc.MAC(), frag(24, false, body[24:]))
	if s := w.ip.Stats(); s.ReasmDuplicates != 1 || s.ReasmOKs != 1 || len(out) != 1 {
		t.Fatalf("duplicate then completion: %+v, %d replies", s, len(out))
	}
	w.clean(t)
}

// TestPacketTooBig: a packet too big quoting one of our packets lowers
// the path MTU to the peer (RFC 8201 §4), never below 1280, and later
// packets are fragmented to it; one quoting a packet not from us is
// ignored.
func TestPacketTooBig(t *testing.T) {
	w := newWireHost(t)
	ptb := func(mtu uint32, from [16]byte) []byte {
		quoted := pkt(from, peerAddr, wire.IPProtocolUDP, 64, make([]byte, 1400))
		m := make([]byte, 8, 8+len(quoted))
		m[0] = uint8(wire.ICMPv6PacketTooBig)
		binary.BigEndian.PutUint32(m[4:], mtu)
		return pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 64, append(m, quoted...))
	}
	peer := netip.AddrFrom16(peerAddr)
	if got := w.ip.PathMTU(peer); got != 1500 {
		t.Fatalf("path MTU before: %d", got)
	}
	w.inject(t, w.ifc.MAC(), ptb(1300, peerAddr)) // not from us
	if got := w.ip.PathMTU(peer); got != 1500 || w.ip.Stats().PMTUIgnored != 1 {
		t.Fatalf("a message quoting someone else's packet changed the path MTU to %d", got)
	}
	w.inject(t, w.ifc.MAC(), ptb(1000, hostAddr))
	if got := w.ip.PathMTU(peer); got != ipv6.MinMTU {
		t.Fatalf("path MTU after packet too big 1000: %d, want 1280", got)
	}
	// A 1400-byte echo reply now leaves in fragments of at most 1280 bytes.
	e := echo(5, 5, 1400)
	icmpSum(e, peerAddr, hostAddr)
	out := w.inject(t, w.ifc.MAC(), pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 64, e))
	if len(out) != 2 {
		t.Fatalf("echo reply left in %d packets, want 2 fragments", len(out))
	}
	for _, p := range out {
		if len(p) > ipv6.MinMTU || wire.IPProtocol(p[6]) != wire.IPv6Fragment {
			t.Errorf("packet of %d bytes, next header %d", len(p), p[6])
		}
	}
	// PMTUTimeout (10 min) later the learned value is forgotten and the
	// link MTU tried again (RFC 8201 §4).
	w.clk.Advance(11 * time.Minute)
	if !stacktest.Eventually(5*time.Second, func() bool { return w.ip.PathMTU(peer) == 1500 }) {
		t.Fatalf("path MTU after the timeout: %d, want 1500", w.ip.PathMTU(peer))
	}
	w.frames() // whatever the timer sent
	w.clean(t)
}

// ra builds a router advertisement with router lifetime life (seconds)
// and one prefix information option.
func ra(life uint16, prefix [16]byte, plen, flags uint8, valid, preferred uint32) []byte {
	m := make([]byte, 16, 56)
	m[0] = uint8(wire.ICMPv6RouterAdvert)
	m[4] = 64
	binary.BigEndian.PutUint16(m[6:], life)
	m = append(m, 1, 1, 2, 0, 0, 0, 0, 2) // source link-layer address
	o := make([]byte, 32)
	o[0], o[1], o[2], o[3] = 3, 4, plen, flags
	binary.BigEndian.PutUint32(o[4:], valid)
	binary.BigEndian.PutUint32(o[8:], preferred)
	copy(o[16:], prefix[:])
	return append(m, o...)
}

// TestRouterAdvert: with autoconfiguration on, an advertisement from a
// link-local router gives a default route and an address with an RFC 7217
// identifier on its autonomous /64; lifetime 0 takes the route away; a
// hop limit other than 255 is refused.
func TestRouterAdvert(t *testing.T) {
	w := newWireHost(t)
	router := netip.MustParseAddr("fe80::2").As16()
	prefix := netip.MustParseAddr("2001:db8:77::").As16()
	allNodes := netip.MustParseAddr("ff02::1").As16()
	mcast := wire.MulticastMAC6(allNodes)
	w.inject(t, mcast, pkt(router, allNodes, wire.IPProtocolICMPv6, 255, ra(1800, prefix, 64, 0xc0, 86400, 14400)))
	if len(w.ip.Routers()) != 0 {
		t.Fatal("acted on an advertisement with autoconfiguration off")
	}
	w.ip.SetAutoconf(w.ifc, true)
	w.frames() // router solicitations
	before := w.ip.Stats()
	w.inject(t, mcast, pkt(router, allNodes, wire.IPProtocolICMPv6, 64, ra(1800, prefix, 64, 0xc0, 86400, 14400)))
	if got := w.ip.Stats().NDBadHopLimit - before.NDBadHopLimit; got != 1 || len(w.ip.Routers()) != 0 {
		t.Fatalf("hop limit 64: counted %d, routers %v", got, w.ip.Routers())
	}
	w.inject(t, mcast, pkt(router, allNodes, wire.IPProtocolICMPv6, 255, ra(1800, prefix, 64, 0xc0, 86400, 14400)))
	if r := w.ip.Routers(); len(r) != 1 || r[0] != netip.AddrFrom16(router) {
		t.Fatalf("routers %v", r)
	}
	rt, ok := w.ip.Routes().Lookup(netip.MustParseAddr("2001:db8:1234::1").As16())
	if !ok || rt.Gateway != netip.AddrFrom16(router) || rt.IfIndex != w.ifc.Index() {
		t.Fatalf("default route %+v %v", rt, ok)
	}
	var formed netip.Prefix
	for _, p := range w.ip.Addresses(w.ifc) {
		if netip.MustParsePrefix("2001:db8:77::/64").Contains(p.Addr()) {
			formed = p
		}
	}
	if !formed.IsValid() || formed.Bits() != 64 {
		t.Fatalf("no SLAAC address: %v", w.ip.Addresses(w.ifc))
	}
	if a := formed.Addr().As16(); [8]byte(a[8:]) == [8]byte{0x00, 0x00, 0x00, 0xff, 0xfe, 0x00, 0x00, 0x01} {
		t.Errorf("the identifier is the MAC's EUI-64: %v", formed)
	}
	// Router lifetime 0: the default route goes.
	w.inject(t, mcast, pkt(router, allNodes, wire.IPProtocolICMPv6, 255, ra(0, prefix, 64, 0xc0, 86400, 14400)))
	if r := w.ip.Routers(); len(r) != 0 {
		t.Fatalf("routers after lifetime 0: %v", r)
	}
	if _, ok := w.ip.Routes().Lookup(netip.MustParseAddr("2001:db8:1234::1").As16()); ok {
		t.Error("default route still there")
	}
	w.clean(t)
}
