package ipv4

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/internal/flow"
	"github.com/gopkt/gopkt/stack/wire"
)

// Routed fast forwarding, NetBSD's ipflow (netinet/ip_flow.c) in gopkt's
// shape. The full forwarding path (forward.go), after it forwarded a
// datagram, enters the flow (receiving interface, source, destination) in a
// flow cache (stack/internal/flow) with what it found: the egress
// interface and the next hop's MAC. The stack offers every frame unicast to
// an interface's MAC to fastForward before the Ethernet input
// (stack/fastfwd.go); a datagram of a cached flow with a plain header is
// forwarded at once: TTL decremented with the RFC 1624 checksum update, the
// Ethernet header rewritten, staged for one TransmitBurst per egress and
// burst. Everything else takes the full path.
//
// What a datagram must be for the fast path: a 20-byte header (options
// take the full path, RFC 1812 §5.2.2 processing), total length within
// the frame, a valid checksum (or the NIC's verdict), TTL > 1 (TTL 1 gets
// its time exceeded from the full path), not a fragment, no larger than
// the egress MTU (fragmentation and "fragmentation needed" are the full
// path's), a writable single buffer. The source is part of the key, so the
// full path's martian checks (RFC 1812 §5.3.7) ran for every cached flow,
// and an address change invalidates them.
//
// Invalidation is by generation (flow doc.go), never a walk: the key's
// generation is IPv4's own counter (neighbour MAC changed or entry gone,
// address added or removed, interface removed, forwarding or fast
// forwarding switched) plus the route table's (route.Table.Gen). IP input
// reads the generation before its address checks and the route and
// neighbour lookups, so an entry installed from a decision a change
// overtook is stale at once. The egress MTU and
// state are read per packet instead: a smaller MTU sends the packet to the
// full path, a down egress drops and counts it as Transmit does.
//
// Filters: while any hook is on IPv4's In or Forward head (pf, the
// daemon's --filter), or on the stack's Ethernet-in head, nothing is
// fast-forwarded and nothing is installed: every packet meets the hooks, so
// a rule loaded at runtime acts on the next packet, and pf's states see
// every packet of their connections. NetBSD does the same by another road:
// ip_input marks a packet M_CANFASTFWD before the pfil hooks, IPFilter and
// NPF clear the mark on every packet they pass ("IP Filter and
// fast-forwarding of cached flows are mutually exclusive"), and ip_forward
// creates a flow only for marked packets. Running the hooks inside the fast
// path instead would leave it the route and neighbour lookups to save,
// and a stateful filter with NAT rewrites would make the cached flow's key
// a lie. Ethernet-out hooks and taps on the egress still see every frame
// (TransmitBurst takes Transmit per frame then); a tap on the receiving
// interface sends its frames to the full path, which shows them.
//
// Counters: fast-forwarded datagrams count in InReceives and ForwDatagrams
// as the full path's do, and in FastHits; FastMisses counts datagrams the
// full path forwarded while fast forwarding was on (a flow's first packet,
// a stale or evicted entry, a datagram the fast path would not take),
// FastStale lookups that found their flow of an older generation,
// FastInstalls entries written, FastInvalidations IPv4's own generation
// changes (route changes show in FastStale), FastPauses the times the
// cache turned itself off for thrashing.
//
// Thrashing: with more flows than entries (a scan, destinations spread
// wider than the table) nearly every datagram misses, installs and evicts,
// and the cache costs more than it saves. flow.Admission watches hits per
// miss and pauses the cache (no lookups, no installs) while it is below
// three, trying again every 16 windows of 1024 misses.

// defaultFlows is the flow cache's size when Options.FastForwardFlows is 0.
const defaultFlows = flow.DefaultFlows

// fastHandler is the stack.FastForwarder for EtherType 0x0800.
type fastHandler struct{ ip *IPv4 }

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
// (Options.NoFastForward is the initial state). Either way every cached
// flow is dropped.
func (ip *IPv4) SetFastForward(on bool) { ip.ff.SetOn(on) }

// FastForward reports whether routed fast forwarding is on.
func (ip *IPv4) FastForward() bool { return ip.ff.On() }

// invalidateFlows makes every cached flow stale.
func (ip *IPv4) invalidateFlows() { ip.ff.Invalidate() }

// flowGen is the generation an entry must carry to be used.
func (ip *IPv4) flowGen() uint64 { return ip.ff.Gen().Load() + ip.s.Routes().Gen() }

func flowKey(in int, src, dst wire.Addr4) flow.Key {
	return flow.Key{uint64(uint32(in))<<32 | uint64(binary.BigEndian.Uint32(src[:])), uint64(binary.BigEndian.Uint32(dst[:]))}
}

// fastForward forwards b (from the Ethernet header) if its flow is cached
// and the datagram needs nothing of the full path; it returns the egress,
// or nil with b untouched.
func (ip *IPv4) fastForward(in *stack.Interface, b *mbuf.Buf) *stack.Interface {
	if !ip.ff.Usable() || !ip.st.forwarding.Load() || ip.in.Active() || ip.fwd.Active() {
		return nil
	}
	d := b.Bytes()
	const eh = wire.EthernetHeaderLen
	if len(d) < eh+wire.IPv4MinHeaderLen || d[eh] != 0x45 {
		return nil // not version 4 with a 20-byte header
	}
	h := wire.IPv4(d[eh:])
	total := int(h.TotalLen())
	if total < wire.IPv4MinHeaderLen || total > len(h) || h.TTL() <= 1 || h.IsFragment() {
		return nil
	}
	k := flowKey(in.Index(), h.Src(), h.Dst())
	hop, ok := ip.ff.Lookup(&k, ip.flowGen())
	if !ok {
		return nil
	}
	out := hop.Out
	if total > out.MTU() || !b.Writable() {
		return nil
	}
	// The checksum last: a datagram for this host, which misses, is
	// verified once, by the full path.
	if b.Meta.Flags&mbuf.FlagIPCsumOK == 0 && (b.Meta.Flags&mbuf.FlagIPCsumBad != 0 || !h.ChecksumValid()) {
		return nil // the full path counts it
	}
	if total < len(h) {
		_ = b.Trim(len(h) - total) // Ethernet padding
	}
	h.DecTTL() // RFC 1812 §5.3.1, RFC 1624 incremental checksum
	e := wire.Ethernet(d)
	e.SetDst(hop.MAC)
	e.SetSrc(out.MAC())
	if hop.Ref != nil && hop.Ref.Load() == 0 {
		hop.Ref.Store(1) // the neighbour is in use (neighfast.go CLOCK)
	}
	return out
}

// installFlow enters the flow of a datagram the full path is forwarding
// (h, before the TTL decrement or after: only the addresses are read) from
// in through out to the next hop nh, under gen, the generation read when
// input began. Flows whose next hop is not a resolved unicast
// neighbour (ARP still running, broadcast, multicast) are not entered;
// their next datagram tries again.
func (ip *IPv4) installFlow(in, out *stack.Interface, nh wire.Addr4, h wire.IPv4, gen uint64) {
	if in == nil || in.Flags()&stack.FlagLoopback != 0 || nh[0] >= 224 || ip.isBroadcast(out, nh) {
		return
	}
	ns, mac := ip.neigh.fast.slot(fastKey(out.Index(), nh))
	if ns == nil {
		return
	}
	k := flowKey(in.Index(), h.Src(), h.Dst())
	ip.ff.Install(&k, gen, flow.Hop{Out: out, MAC: mac, MTU: out.MTU(), Ref: &ns.ref})
}
