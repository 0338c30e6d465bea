package ipv6

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/internal/flow"
	"github.com/gopkt/gopkt/stack/wire"
)

// Routed fast forwarding for IPv6 (NetBSD's ip6flow, netinet6/ip6_flow.c),
// the same scheme as IPv4's (stack/ipv4 fastfwd.go): the full forwarding
// path enters a flow (receiving interface, source, destination) with its
// egress, next-hop MAC and path MTU after it forwarded a packet; the stack
// offers frames unicast to an interface's MAC to fastForward first, which
// decrements the hop limit (IPv6 has no header checksum), rewrites the
// Ethernet header and hands the frame back for one TransmitBurst per
// egress and burst.
//
// A packet the fast path takes: version 6, Payload Length within the
// frame, hop limit > 1 (1 gets its time exceeded from the full path, RFC
// 4443 §3.3), no Hop-by-Hop Options header (the one extension header a
// router may have to process, RFC 8200 §4.3; the rest are the
// destination's), no larger than the flow's path MTU and the egress MTU
// (packet too big is the full path's, §5: routers never fragment), a
// writable single buffer. Source and destination are the key, so the full
// path's scope and martian checks (RFC 4291 §2.5.6, §2.7) ran for every
// cached flow. Flows leaving through the interface they came in on are
// never entered: the full path sends redirects for those (RFC 4861 §8.2).
//
// The generation that keeps entries current is IPv6's own counter
// (neighbour entries leaving the data path's table — a MAC change, STALE
// (the next packet must start NUD, RFC 4861 §7.3.3), deletion —, address
// commits and removals, redirects followed, path MTU and link MTU changes,
// interface removal, the switches) plus the route table's. Filters: while
// an In or Forward hook or an Ethernet-in hook is installed nothing is
// fast-forwarded or installed, as for IPv4 (and for the same reasons).

// defaultFlows is the flow cache's size when Options.FastForwardFlows is 0.
const defaultFlows = flow.DefaultFlows

type fastHandler struct{ ip *IPv6 }

func (h fastHandler) FastForward(in *stack.Interface, b *mbuf.Buf) *stack.Interface {
	return h.ip.fastForward(in, b)
}

func (h fastHandler) FastForwarded(n int) {
	st := &h.ip.st
	st.inReceives.Add(uint64(n))
	st.forwDatagrams.Add(uint64(n))
	h.ip.ff.Forwarded(n)
}

// SetFastForward turns routed fast forwarding on or off at runtime
// (Options.NoFastForward is the initial state); cached flows are dropped.
func (ip *IPv6) SetFastForward(on bool) { ip.ff.SetOn(on) }

// FastForward reports whether routed fast forwarding is on.
func (ip *IPv6) FastForward() bool { return ip.ff.On() }

func (ip *IPv6) invalidateFlows() { ip.ff.Invalidate() }

func (ip *IPv6) flowGen() uint64 { return ip.ff.Gen().Load() + ip.routes.Gen() }

func flowKey(in int, h wire.IPv6) flow.Key {
	return flow.Key{
		uint64(uint32(in)),
		binary.BigEndian.Uint64(h[8:16]), binary.BigEndian.Uint64(h[16:24]), // source
		binary.BigEndian.Uint64(h[24:32]), binary.BigEndian.Uint64(h[32:40]), // destination
	}
}

// fastForward forwards b (from the Ethernet header) if its flow is cached
// and the packet needs nothing of the full path; it returns the egress, or
// nil with b untouched.
func (ip *IPv6) fastForward(in *stack.Interface, b *mbuf.Buf) *stack.Interface {
	if !ip.ff.Usable() || !ip.forwarding.Load() || ip.in.Active() || ip.fwd.Active() {
		return nil
	}
	d := b.Bytes()
	const eh = wire.EthernetHeaderLen
	if len(d) < eh+wire.IPv6HeaderLen || d[eh]>>4 != 6 {
		return nil
	}
	h := wire.IPv6(d[eh:])
	total := wire.IPv6HeaderLen + int(h.PayloadLen())
	if total > len(h) || h.HopLimit() <= 1 || h.NextHeader() == wire.IPv6HopByHop {
		return nil
	}
	k := flowKey(in.Index(), h)
	hop, ok := ip.ff.Lookup(&k, ip.flowGen())
	if !ok {
		return nil
	}
	out := hop.Out
	if total > hop.MTU || total > out.MTU() || !b.Writable() {
		return nil
	}
	if total < len(h) {
		_ = b.Trim(len(h) - total) // Ethernet padding
	}
	h.SetHopLimit(h.HopLimit() - 1)
	e := wire.Ethernet(d)
	e.SetDst(hop.MAC)
	e.SetSrc(out.MAC())
	if hop.Ref != nil && hop.Ref.Load() == 0 {
		hop.Ref.Store(1) // the neighbour is in use (neighfast.go)
	}
	return out
}

// installFlow enters the flow of a packet the full path is forwarding
// from in through out to nh with path MTU mtu, under gen (read when input
// began). Only resolved unicast next hops the data path's neighbour
// table holds are entered.
func (ip *IPv6) installFlow(in, out *stack.Interface, nh [16]byte, mtu int, h wire.IPv6, gen uint64) {
	if in == out || in.Flags()&stack.FlagLoopback != 0 || nh[0] == 0xff {
		return
	}
	rec := ip.neigh.fast.rec(&neighKey{int32(out.Index()), nh})
	if rec == nil {
		return
	}
	k := flowKey(in.Index(), h)
	ip.ff.Install(&k, gen, flow.Hop{Out: out, MAC: rec.mac, MTU: mtu, Ref: &rec.ref})
}
