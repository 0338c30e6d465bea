package ipv6_test

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock/clocktest"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// mldHost is our stack on a manual clock, DAD off (no solicitations in
// the way), with the test at the link's other end.
type mldHost struct {
	pool *mbuf.Pool
	clk  *clocktest.Clock
	ip   *ipv6.IPv6
	ifc  *stack.Interface
	peer *link.Port
}

const mldTick = 100 * time.Millisecond

func newMLDHost(t *testing.T) *mldHost {
	t.Helper()
	pool := stacktest.NewPool(t, 256)
	clk := clocktest.New(time.Unix(1_000_000, 0))
	ip6 := ipv6.New(ipv6.Options{Clock: clk, Tick: mldTick, DADTransmits: -1})
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
		if n := pool.InUse(); n != 0 {
			t.Errorf("%d buffers not returned", n)
		}
	})
	h := &mldHost{pool: pool, clk: clk, ip: ip6, ifc: ifc, peer: pb}
	h.run(t, 3*time.Second) // what attaching sent, with its retransmissions
	h.reports(t)
	return h
}

// step advances the clock one tick and waits until the timer goroutine
// ran it (it re-arms the tick timer last).
func (h *mldHost) step(t *testing.T) {
	t.Helper()
	h.clk.Advance(mldTick)
	want := h.clk.Now().Add(mldTick)
	if !stacktest.Eventually(5*time.Second, func() bool { n, ok := h.clk.Next(); return ok && n.Equal(want) }) {
		t.Fatal("the IPv6 timer did not run its tick")
	}
}

func (h *mldHost) run(t *testing.T, d time.Duration) {
	t.Helper()
	for range d / mldTick {
		h.step(t)
	}
}

// frames returns the frames the host sent since the last call.
func (h *mldHost) frames(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	bufs := make([]*mbuf.Buf, 32)
	time.Sleep(10 * time.Millisecond) // frames sent from the timer goroutine
	for k := h.peer.RxBurst(bufs); k > 0; k = h.peer.RxBurst(bufs) {
		for _, b := range bufs[:k] {
			fr := make([]byte, b.PktLen())
			b.CopyTo(fr)
			b.Free()
			out = append(out, fr)
		}
	}
	return out
}

// send puts an IPv6 packet from the peer on the wire to dst.
func (h *mldHost) send(t *testing.T, dst wire.MAC, ipPkt []byte) {
	t.Helper()
	(&rawPeer{pool: h.pool, peer: h.peer}).send(t, dst, ipPkt)
}

// reports returns the MLDv2 records the host sent since the last call,
// one "TYPE GROUP" string per record.
func (h *mldHost) reports(t *testing.T) []string {
	t.Helper()
	var recs []string
	for _, fr := range h.frames(t) {
		ip := wire.IPv6(fr[wire.EthernetHeaderLen:])
		if ip.NextHeader() != wire.IPv6HopByHop {
			continue
		}
		m := []byte(ip[wire.IPv6HeaderLen+8:])
		if m[0] != uint8(wire.ICMPv6MLDv2Report) {
			continue
		}
		n := int(m[6])<<8 | int(m[7])
		for i := range n {
			r := m[8+20*i:]
			recs = append(recs, fmt.Sprintf("%d %v", r[0], netip.AddrFrom16([16]byte(r[4:20]))))
		}
	}
	return recs
}

// TestMLDRetransmitsStateChanges: a join's state-change report
// (CHANGE_TO_EXCLUDE, record type 4) goes at once and [Robustness
// Variable] - 1 = 1 more time within [Unsolicited Report Interval] = 1 s,
// then never again (RFC 3810 §6.1); so does a leave's (CHANGE_TO_INCLUDE,
// type 3). A leave before the join's retransmission replaces it: only the
// newest state is sent again.
func TestMLDRetransmitsStateChanges(t *testing.T) {
	h := newMLDHost(t)
	const join, leave = "4 ff02::1:ff00:1234", "3 ff02::1:ff00:1234"
	addr := netip.MustParsePrefix("fd00::1234/64")

	// now: the records sent at once; again: exactly one retransmission
	// of each within 1 s, then nothing for 5 s.
	now := func(what string, want ...string) {
		t.Helper()
		if got := h.reports(t); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s: sent %q at once, want %q", what, got, want)
		}
	}
	again := func(what string, want ...string) {
		t.Helper()
		var again []string
		var at []time.Duration
		for i := range 10 {
			h.step(t)
			for _, r := range h.reports(t) {
				again = append(again, r)
				at = append(at, time.Duration(i+1)*mldTick)
			}
		}
		if fmt.Sprint(again) != fmt.Sprint(want) {
			t.Fatalf("%s: retransmitted %q (at %v) within 1 s, want %q once", what, again, at, want)
		}
		h.run(t, 5*time.Second)
		if got := h.reports(t); len(got) != 0 {
			t.Fatalf("%s: %q sent again after the retransmission", what, got)
		}
	}
	if err := h.ip.AddAddress(h.ifc, addr); err != nil {
		t.Fatal(err)
	}
	now("join", join)
	again("join", join)
	if err := h.ip.RemoveAddress(h.ifc, addr); err != nil {
		t.Fatal(err)
	}
	now("leave", leave)
	again("leave", leave)

	// Join, then leave at once: both reports go, and what is sent again
	// is the leave only.
	if err := h.ip.AddAddress(h.ifc, addr); err != nil {
		t.Fatal(err)
	}
	if err := h.ip.RemoveAddress(h.ifc, addr); err != nil {
		t.Fatal(err)
	}
	now("join then leave", join, leave)
	again("join then leave", leave)
}
