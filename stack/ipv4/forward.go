package ipv4

import (
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/wire"
)

// forward routes a datagram that is not for us (RFC 1812 §5.2-5.3): TTL
// check and decrement with an incremental checksum update, route lookup,
// forward hooks, fragmentation or ICMP "fragmentation needed", next-hop
// resolution. b starts at the IPv4 header; forward owns it. gen is the
// fast forwarding generation input read first (fastfwd.go).
func (ip *IPv4) forward(in *stack.Interface, b *mbuf.Buf, h wire.IPv4, gen uint64) {
	st := &ip.st
	// RFC 1812 §5.3.1: a router that would decrement TTL to zero drops the
	// packet and sends ICMP time exceeded.
	if h.TTL() <= 1 {
		st.forwTTLExceeded.Add(1)
		ip.icmpError(b, wire.ICMPv4TimeExceeded, wire.ICMPv4TTLExceeded, 0)
		b.Free()
		return
	}
	// The word lookup, inlined: the destination straight from the
	// header, interface 0 for no route. The typed variable makes this
	// package import route: the compiler has route's inline bodies only
	// in packages that import it, not through stack.Stack.Routes.
	var rt *route.Table = ip.s.Routes()
	ifindex, nh := rt.NextHop4(h.DstWord())
	var out *stack.Interface
	if ifindex != 0 {
		out = ip.s.Interface(int(ifindex))
	}
	if out == nil || out.Flags()&stack.FlagLoopback != 0 {
		st.forwNoRoute.Add(1)
		ip.icmpError(b, wire.ICMPv4DestUnreach, wire.ICMPv4NetUnreachable, 0)
		b.Free()
		return
	}
	if !b.Writable() {
		st.inDiscards.Add(1)
		b.Free()
		return
	}
	if b.PktLen() > out.MTU() && h.DontFragment() {
		// RFC 1191 §4: report the next-hop MTU. Before the forward hooks,
		// as Linux's ip_forward does: the quote must show the datagram as
		// its sender sent it, not as a translating hook rewrote it (the
		// error goes to the quoted source).
		st.forwFragNeeded.Add(1)
		ip.icmpError(b, wire.ICMPv4DestUnreach, wire.ICMPv4FragNeeded, uint32(out.MTU()))
		b.Free()
		return
	}
	h.DecTTL()
	if ip.fwd.Active() {
		switch ip.fwd.Run(pfil.Forward, out.Index(), b) {
		case pfil.Drop:
			st.inFiltered.Add(1)
			b.Free()
			return
		case pfil.Consumed:
			return
		}
	}
	st.forwDatagrams.Add(1)
	b.Meta.Flags &^= mbuf.FlagBroadcast | mbuf.FlagMulticast
	nexthop := wire.Addr4FromWord(nh)
	if ip.ff.On() {
		if ip.ff.Missed() && !ip.in.Active() && !ip.fwd.Active() {
			ip.installFlow(in, out, nexthop, h, gen)
		}
	}
	_ = ip.send(out, nexthop, b)
}
