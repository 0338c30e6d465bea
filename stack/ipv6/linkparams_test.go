package ipv6_test

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/stack/wire"
)

// raParams is a router advertisement (lifetime 0: no default route) with
// the host variables of RFC 4861 §4.2 and, when mtu is not 0, an MTU
// option (§4.6.4).
func raParams(hop uint8, reachMS, retransMS, mtu uint32) []byte {
	m := make([]byte, 16, 32)
	m[0] = uint8(wire.ICMPv6RouterAdvert)
	m[4] = hop
	binary.BigEndian.PutUint32(m[8:], reachMS)
	binary.BigEndian.PutUint32(m[12:], retransMS)
	if mtu != 0 {
		m = append(m, 5, 1, 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint32(m[len(m)-4:], mtu)
	}
	return append(m, 1, 1, 2, 0, 0, 0, 0, 2) // source link-layer address
}

// TestRouterAdvertParams: an advertisement's Cur Hop Limit, Reachable
// Time, Retrans Timer and MTU option become the interface's CurHopLimit,
// BaseReachableTime (ReachableTime drawn in [0.5, 1.5) of it), RetransTimer
// and LinkMTU (RFC 4861 §6.3.4); our packets then carry that hop limit and
// are fragmented to that MTU. Zero fields leave the variables alone; an
// MTU below 1280 or above the device's is counted and ignored.
func TestRouterAdvertParams(t *testing.T) {
	w := newWireHost(t)
	router := netip.MustParseAddr("fe80::2").As16()
	allNodes := netip.MustParseAddr("ff02::1").As16()
	mcast := wire.MulticastMAC6(allNodes)
	def := w.ip.Params(w.ifc)
	if def.HopLimit != 64 || def.MTU != 1500 || def.BaseReachableTime != 30*time.Second || def.RetransTimer != time.Second ||
		def.ReachableTime < 15*time.Second || def.ReachableTime >= 45*time.Second || def.HopLimitFromRA || def.MTUFromRA {
		t.Fatalf("defaults %+v", def)
	}
	// Autoconfiguration off: the advertisement changes nothing.
	w.inject(t, mcast, pkt(router, allNodes, wire.IPProtocolICMPv6, 255, raParams(42, 12345, 1500, 1400)))
	if p := w.ip.Params(w.ifc); p != def {
		t.Fatalf("autoconfiguration off, params moved: %+v", p)
	}
	w.ip.SetAutoconf(w.ifc, true)
	w.frames() // the router solicitation
	w.inject(t, mcast, pkt(router, allNodes, wire.IPProtocolICMPv6, 255, raParams(42, 12345, 1500, 1400)))
	p := w.ip.Params(w.ifc)
	if p.HopLimit != 42 || p.MTU != 1400 || p.BaseReachableTime != 12345*time.Millisecond || p.RetransTimer != 1500*time.Millisecond ||
		!p.HopLimitFromRA || !p.MTUFromRA || !p.ReachableFromRA || !p.RetransFromRA {
		t.Fatalf("after the advertisement %+v", p)
	}
	if p.ReachableTime < 12345*time.Millisecond/2 || p.ReachableTime >= 12345*time.Millisecond*3/2 {
		t.Fatalf("ReachableTime %v not in [0.5, 1.5) × 12.345 s", p.ReachableTime)
	}
	if w.ip.PathMTU(netip.AddrFrom16(peerAddr)) != 1400 {
		t.Fatalf("path MTU %d, want the advertised 1400", w.ip.PathMTU(netip.AddrFrom16(peerAddr)))
	}
	// A 1400-byte echo: the reply (1448 bytes) leaves in fragments of at
	// most 1400, with hop limit 42.
	out := w.inject(t, w.ifc.MAC(), pkt(peerAddr, hostAddr, wire.IPProtocolICMPv6, 64, echo(1, 1, 1392)))
	if len(out) != 2 {
		t.Fatalf("reply in %d packets, want 2 fragments", len(out))
	}
	for _, f := range out {
		h := wire.IPv6(f)
		if len(f) > 1400 || h.HopLimit() != 42 || h.NextHeader() != wire.IPv6Fragment {
			t.Fatalf("fragment of %d bytes, hop limit %d, next header %d", len(f), h.HopLimit(), h.NextHeader())
		}
	}
	w.clean(t)

	// Zero fields and no MTU option: unchanged. Out-of-range MTUs:
	// counted, ignored.
	w.inject(t, mcast, pkt(router, allNodes, wire.IPProtocolICMPv6, 255, raParams(0, 0, 0, 0)))
	if q := w.ip.Params(w.ifc); q != p {
		t.Fatalf("zero fields changed %+v to %+v", p, q)
	}
	bad := w.ip.Stats().NDRABadMTU
	for _, mtu := range []uint32{1279, 1501, 9000} {
		w.inject(t, mcast, pkt(router, allNodes, wire.IPProtocolICMPv6, 255, raParams(0, 0, 0, mtu)))
	}
	if q := w.ip.Params(w.ifc); q.MTU != 1400 || w.ip.Stats().NDRABadMTU-bad != 3 {
		t.Fatalf("out-of-range MTUs: params %+v, counted %d", q, w.ip.Stats().NDRABadMTU-bad)
	}
	// The same base keeps the drawn ReachableTime; a new one draws again
	// within its range. The device's MTU shrinking below LinkMTU wins.
	w.inject(t, mcast, pkt(router, allNodes, wire.IPProtocolICMPv6, 255, raParams(0, 12345, 0, 1500)))
	if q := w.ip.Params(w.ifc); q.ReachableTime != p.ReachableTime || q.MTU != 1500 {
		t.Fatalf("same base: ReachableTime %v -> %v; MTU %d", p.ReachableTime, q.ReachableTime, q.MTU)
	}
	w.inject(t, mcast, pkt(router, allNodes, wire.IPProtocolICMPv6, 255, raParams(0, 4000000, 0, 0)))
	if q := w.ip.Params(w.ifc); q.BaseReachableTime != time.Hour || q.ReachableTime < 30*time.Minute || q.ReachableTime >= 90*time.Minute {
		t.Fatalf("over MAX_REACHABLE_TIME: %+v", q)
	}
	if err := w.ifc.SetMTU(1300); err != nil {
		t.Fatal(err)
	}
	if q := w.ip.Params(w.ifc); q.MTU != 1300 {
		t.Fatalf("device MTU 1300 under LinkMTU 1500: params MTU %d", q.MTU)
	}
	w.clean(t)
}
