package ipv6_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// rawPeer is our stack (timers running, DAD on) on one end of a link whose
// other end the test drives: it sends frames and collects what the host
// sends.
type rawPeer struct {
	pool *mbuf.Pool
	ip   *ipv6.IPv6
	ifc  *stack.Interface
	peer *link.Port
}

func newRawPeer(t *testing.T, o ipv6.Options) *rawPeer {
	t.Helper()
	pool := stacktest.NewPool(t, 1024)
	o.Tick = 20 * time.Millisecond
	o.StableSecret = []byte("0123456789abcdef0123456789abcdef")
	ip6 := ipv6.New(o)
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{ip6}})
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := link.Pair(link.Options{B: peerMAC})
	ifc, err := s.Attach("eth0", pa, stack.IfOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Close()
		_ = pa.Close()
		drain(pb)
		_ = pb.Close()
	})
	return &rawPeer{pool: pool, ip: ip6, ifc: ifc, peer: pb}
}

func drain(p *link.Port) {
	bufs := make([]*mbuf.Buf, 32)
	for k := p.RxBurst(bufs); k > 0; k = p.RxBurst(bufs) {
		for _, b := range bufs[:k] {
			b.Free()
		}
	}
}

// send puts one IPv6 packet on the wire towards the host.
func (r *rawPeer) send(t *testing.T, dst wire.MAC, ipPkt []byte) {
	t.Helper()
	b, err := r.pool.Get()
	if err != nil {
		t.Fatal(err)
	}
	d, err := b.Append(wire.EthernetHeaderLen + len(ipPkt))
	if err != nil {
		t.Fatal(err)
	}
	e := wire.Ethernet(d)
	e.SetDst(dst)
	e.SetSrc(peerMAC)
	e.SetType(wire.EtherTypeIPv6)
	copy(d[wire.EthernetHeaderLen:], ipPkt)
	_ = r.peer.TxBurst([]*mbuf.Buf{b})
}

// await collects the host's ICMPv6 messages until one satisfies want, or
// fails after timeout. It returns that packet (IPv6 header first).
func (r *rawPeer) await(t *testing.T, timeout time.Duration, what string, want func(h wire.IPv6, m []byte) bool) wire.IPv6 {
	t.Helper()
	bufs := make([]*mbuf.Buf, 32)
	for end := time.Now().Add(timeout); time.Now().Before(end); {
		k := r.peer.RxBurst(bufs)
		if k == 0 {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		var found wire.IPv6
		for _, b := range bufs[:k] {
			fr := make([]byte, b.PktLen())
			b.CopyTo(fr)
			b.Free()
			if found != nil || len(fr) < wire.EthernetHeaderLen+wire.IPv6HeaderLen {
				continue
			}
			h := wire.IPv6(fr[wire.EthernetHeaderLen:])
			m := []byte(h[wire.IPv6HeaderLen:])
			if h.NextHeader() == wire.IPv6HopByHop && len(m) >= 8 { // MLD: Router Alert first
				m = m[8:]
			}
			if want(h, m) {
				found = h
			}
		}
		if found != nil {
			return found
		}
	}
	t.Fatalf("no %s from the host within %v", what, timeout)
	return nil
}

func isType(typ wire.ICMPv6Type) func(wire.IPv6, []byte) bool {
	return func(_ wire.IPv6, m []byte) bool { return len(m) > 0 && m[0] == uint8(typ) }
}

// dadFor matches a DAD solicitation (from ::) for target.
func dadFor(target netip.Addr) func(wire.IPv6, []byte) bool {
	return func(h wire.IPv6, m []byte) bool {
		return len(m) >= 24 && m[0] == uint8(wire.ICMPv6NeighborSolicit) && h.Src() == [16]byte{} && [16]byte(m[8:24]) == target.As16()
	}
}

// na is a neighbour advertisement for target with a target link-layer
// address option: what the owner of a duplicate answers (RFC 4861 §7.2.4).
func na(target [16]byte, mac wire.MAC) []byte {
	m := make([]byte, 32)
	m[0] = uint8(wire.ICMPv6NeighborAdvert)
	m[4] = 0x20 // override
	copy(m[8:24], target[:])
	m[24], m[25] = 2, 1
	copy(m[26:32], mac[:])
	return m
}

func stateOf(ip *ipv6.IPv6, ifc *stack.Interface, a netip.Addr) (ipv6.AddrInfo, bool) {
	for _, in := range ip.AddressInfo(ifc) {
		if in.Prefix.Addr() == a {
			return in, true
		}
	}
	return ipv6.AddrInfo{}, false
}

func waitState(t *testing.T, ip *ipv6.IPv6, ifc *stack.Interface, a netip.Addr, s ipv6.AddrState) ipv6.AddrInfo {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if in, ok := stateOf(ip, ifc, a); ok && in.State == s {
			return in
		}
	}
	in, _ := stateOf(ip, ifc, a)
	t.Fatalf("%v: state %v after 5 s, want %v (%+v)", a, in.State, s, ip.AddressInfo(ifc))
	return in
}

var (
	allNodes6 = netip.MustParseAddr("ff02::1").As16()
	routerLL6 = netip.MustParseAddr("fe80::2").As16()
)

// TestLinkUpRedoesDAD: after LinkUp every address is tentative again, a
// DAD solicitation goes out for each within MAX_RTR_SOLICITATION_DELAY +
// RetransTimer and the groups are reported; the addresses come back, and
// a neighbour resolved before is STALE (confirmed again on use) rather
// than trusted.
func TestLinkUpRedoesDAD(t *testing.T) {
	a, b := pair(t, link.Options{}, ipv6.Options{RetransTimer: 200 * time.Millisecond})
	ping(t, a, "2001:db8::2", 56)
	ll := ipv6.LinkLocal(a.ifc.MAC())
	global := netip.MustParseAddr("2001:db8::1")
	before := a.ip6.Stats()
	a.ip6.LinkUp(a.ifc)
	if got := a.ip6.Addresses(a.ifc); len(got) != 0 {
		t.Fatalf("usable right after LinkUp: %v", got)
	}
	for _, x := range []netip.Addr{ll, global} {
		if in, ok := stateOf(a.ip6, a.ifc, x); !ok || in.State != ipv6.AddrTentative {
			t.Fatalf("%v after LinkUp: %+v, want tentative", x, in)
		}
	}
	for _, n := range a.ip6.Neighbours() {
		if n.Addr == netip.MustParseAddr("2001:db8::2") && n.State != ipv6.Stale {
			t.Fatalf("neighbour %v %v after LinkUp, want STALE", n.Addr, n.State)
		}
	}
	waitDAD(t, a, ll, global)
	for _, x := range []netip.Addr{ll, global} {
		if in, _ := stateOf(a.ip6, a.ifc, x); in.State != ipv6.AddrPreferred {
			t.Fatalf("%v after DAD: %+v", x, in)
		}
	}
	after := a.ip6.Stats()
	if d := after.NDOutSolicits - before.NDOutSolicits; d < 2 {
		t.Errorf("%d solicitations after LinkUp, want a DAD probe for each of 2 addresses", d)
	}
	if after.MLDOutReports == before.MLDOutReports {
		t.Error("no MLD report after LinkUp")
	}
	ping(t, a, "2001:db8::2", 56)
	ping(t, b, "2001:db8::1", 56)
}

// TestLinkUpDuplicate: while A was away, B took A's address; on A's
// return DAD finds it (B answers the probe, RFC 4861 §7.2.4) and A does
// not use it.
func TestLinkUpDuplicate(t *testing.T) {
	pool := stacktest.NewPool(t, 2048)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pa, pb := link.Pair(link.Options{})
	t.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
	a := newHost(t, pool, bg, ipv6.Options{RetransTimer: 200 * time.Millisecond})
	b := newHost(t, pool, bg, ipv6.Options{DADTransmits: -1})
	x := netip.MustParsePrefix("2001:db8::1/64")
	for _, h := range []struct {
		h *host
		p *link.Port
	}{{a, pa}, {b, pb}} {
		if h.h.ifc, err = h.h.s.Attach("eth0", h.p, stack.IfOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.ip6.AddAddress(a.ifc, x); err != nil {
		t.Fatal(err)
	}
	waitDAD(t, a, x.Addr())
	// B (no DAD of its own) takes the address "while A is away"; A
	// hears nothing of it until it probes.
	if err := b.ip6.AddAddress(b.ifc, x); err != nil {
		t.Fatal(err)
	}
	a.ip6.LinkUp(a.ifc)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.ip6.WaitDAD(ctx, a.ifc, x.Addr()); !errors.Is(err, ipv6.ErrDuplicate) {
		t.Fatalf("DAD after LinkUp: %v, want ErrDuplicate", err)
	}
	if in, _ := stateOf(a.ip6, a.ifc, x.Addr()); in.State != ipv6.AddrDuplicate {
		t.Fatalf("state %+v, want duplicate", in)
	}
	if a.ip6.Stats().NDDADFailed != 1 {
		t.Fatalf("dad failed %d, want 1", a.ip6.Stats().NDDADFailed)
	}
	waitDAD(t, a, ipv6.LinkLocal(a.ifc.MAC())) // the link-local is nobody else's
}

// TestLinkUpSLAAC: an RFC 7217 address from an advertisement; after
// LinkUp the host solicits a router again although it knows one (RFC 4861
// §6.3.7), probes its SLAAC address again, and when another node answers
// for it forms the next identifier (RFC 7217 §6: DAD_Counter 1), which
// passes.
func TestLinkUpSLAAC(t *testing.T) {
	r := newRawPeer(t, ipv6.Options{RetransTimer: 200 * time.Millisecond, DADTransmits: 2})
	r.ip.SetAutoconf(r.ifc, true)
	r.await(t, 2*time.Second, "router solicitation", isType(wire.ICMPv6RouterSolicit))
	prefix := netip.MustParseAddr("2001:db8:77::").As16()
	r.send(t, wire.MulticastMAC6(allNodes6), pkt(routerLL6, allNodes6, wire.IPProtocolICMPv6, 255, ra(1800, prefix, 64, 0xc0, 86400, 14400)))
	var first ipv6.AddrInfo
	for end := time.Now().Add(5 * time.Second); !first.Prefix.IsValid() && time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		for _, in := range r.ip.AddressInfo(r.ifc) {
			if in.Origin == ipv6.OriginSLAAC && in.State == ipv6.AddrPreferred {
				first = in
			}
		}
	}
	if !first.Prefix.IsValid() || first.DADCounter != 0 || first.Valid <= 86000*time.Second || first.Preferred <= 14000*time.Second {
		t.Fatalf("SLAAC address %+v (all: %+v)", first, r.ip.AddressInfo(r.ifc))
	}
	if rs := r.ip.Routers(); len(rs) != 1 {
		t.Fatalf("routers %v", rs)
	}

	r.ip.LinkUp(r.ifc)
	// An unsolicited advertisement heard during DAD does not stand in for
	// the solicitation (checked below).
	r.send(t, wire.MulticastMAC6(allNodes6), pkt(routerLL6, allNodes6, wire.IPProtocolICMPv6, 255, ra(1800, prefix, 64, 0xc0, 86400, 14400)))
	// The probe within MAX_RTR_SOLICITATION_DELAY; another node has the
	// address on this link and defends it.
	r.await(t, 2*time.Second, "DAD probe of the SLAAC address after LinkUp", dadFor(first.Prefix.Addr()))
	tgt := first.Prefix.Addr().As16()
	r.send(t, wire.MulticastMAC6(allNodes6), pkt(netip.MustParseAddr("fe80::99").As16(), allNodes6, wire.IPProtocolICMPv6, 255, na(tgt, peerMAC)))
	waitState(t, r.ip, r.ifc, first.Prefix.Addr(), ipv6.AddrDuplicate)
	// The solicitation, though a router is known, once the link-local
	// address passed DAD again: from that address.
	ll := ipv6.LinkLocal(r.ifc.MAC()).As16()
	isRS := isType(wire.ICMPv6RouterSolicit)
	r.await(t, 3*time.Second, "router solicitation from the link-local address after LinkUp", func(h wire.IPv6, m []byte) bool {
		return isRS(h, m) && h.Src() == ll
	})
	var next ipv6.AddrInfo
	for end := time.Now().Add(5 * time.Second); !next.Prefix.IsValid() && time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		for _, in := range r.ip.AddressInfo(r.ifc) {
			if in.Origin == ipv6.OriginSLAAC && in.State == ipv6.AddrPreferred {
				next = in
			}
		}
	}
	if !next.Prefix.IsValid() || next.DADCounter != 1 || next.Prefix == first.Prefix || next.Prefix.Masked() != first.Prefix.Masked() {
		t.Fatalf("after the duplicate: %+v, want the next identifier on the same prefix (all: %+v)", next, r.ip.AddressInfo(r.ifc))
	}
	if got := r.ip.Stats().NDDADFailed; got != 1 {
		t.Fatalf("dad failed %d", got)
	}
	// The router solicitation stops once an advertisement answers.
	r.send(t, wire.MulticastMAC6(allNodes6), pkt(routerLL6, allNodes6, wire.IPProtocolICMPv6, 255, ra(1800, prefix, 64, 0xc0, 86400, 14400)))
	time.Sleep(100 * time.Millisecond)
	n := r.ip.Stats().NDOutRouterSolicits
	time.Sleep(5 * time.Second)
	if got := r.ip.Stats().NDOutRouterSolicits; got != n {
		t.Errorf("%d more router solicitations after the advertisement", got-n)
	}
}

// TestDeprecatedAddress: an advertisement with preferred lifetime 0 gives
// a deprecated address (RFC 4862 §5.5.4), which source selection avoids
// while another of the same scope exists (RFC 6724 rule 3), however long
// its match with the destination; a new preferred lifetime makes it
// preferred again (§5.5.3 (e)).
func TestDeprecatedAddress(t *testing.T) {
	r := newRawPeer(t, ipv6.Options{DADTransmits: -1})
	manual := netip.MustParsePrefix("2001:db8:5::1/64")
	if err := r.ip.AddAddress(r.ifc, manual); err != nil {
		t.Fatal(err)
	}
	r.ip.SetAutoconf(r.ifc, true)
	prefix := netip.MustParseAddr("2001:db8:77::").As16()
	r.send(t, wire.MulticastMAC6(allNodes6), pkt(routerLL6, allNodes6, wire.IPProtocolICMPv6, 255, ra(1800, prefix, 64, 0xc0, 86400, 0)))
	var slaac ipv6.AddrInfo
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		for _, in := range r.ip.AddressInfo(r.ifc) {
			if in.Origin == ipv6.OriginSLAAC {
				slaac = in
			}
		}
		if slaac.State == ipv6.AddrDeprecated {
			break
		}
	}
	if slaac.State != ipv6.AddrDeprecated || slaac.Preferred != 0 {
		t.Fatalf("SLAAC address %+v, want deprecated", slaac)
	}
	dst := netip.MustParseAddr("2001:db8:77:1::1").As16() // off-link, closer to the SLAAC prefix
	src, err := r.ip.SourceAddr(dst, 0)
	if err != nil || netip.AddrFrom16(src) != manual.Addr() {
		t.Fatalf("source for %v: %v %v, want %v (the SLAAC one is deprecated)", netip.AddrFrom16(dst), netip.AddrFrom16(src), err, manual.Addr())
	}
	r.send(t, wire.MulticastMAC6(allNodes6), pkt(routerLL6, allNodes6, wire.IPProtocolICMPv6, 255, ra(1800, prefix, 64, 0xc0, 86400, 3600)))
	waitState(t, r.ip, r.ifc, slaac.Prefix.Addr(), ipv6.AddrPreferred)
	if src, err = r.ip.SourceAddr(dst, 0); err != nil || netip.AddrFrom16(src) != slaac.Prefix.Addr() {
		t.Fatalf("source for %v: %v %v, want the SLAAC %v", netip.AddrFrom16(dst), netip.AddrFrom16(src), err, slaac.Prefix.Addr())
	}
	if in, _ := stateOf(r.ip, r.ifc, manual.Addr()); in.Origin != ipv6.OriginManual || in.Valid != ipv6.Forever {
		t.Fatalf("manual address %+v", in)
	}
	if in, _ := stateOf(r.ip, r.ifc, ipv6.LinkLocal(r.ifc.MAC())); in.Origin != ipv6.OriginLinkLocal || in.State != ipv6.AddrPreferred {
		t.Fatalf("link-local address %+v", in)
	}
}
