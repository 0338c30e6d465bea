package ipv6

import (
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// forward routes a packet not addressed to us (RFC 8200 §3, §5; RFC 4443
// errors): hop limit exhausted → time exceeded; no route → destination
// unreachable, no route; larger than the next link's path MTU → packet
// too big (routers never fragment). Link-local sources and destinations
// never leave their link (RFC 4291 §2.5.6). b starts at the IPv6 header;
// gen is the fast forwarding generation input read first (fastfwd.go).
func (ip *IPv6) forward(in *stack.Interface, b *mbuf.Buf, gen uint64) {
	st := &ip.st
	h := wire.IPv6(b.Bytes())
	src, dst := h.Src(), h.Dst()
	if scope(src) <= 2 || scope(dst) <= 2 || src == [16]byte{} {
		st.inAddrErrors.Add(1)
		b.Free()
		return
	}
	if h.HopLimit() <= 1 {
		st.forwHopLimitExceeded.Add(1)
		ip.icmpError(b, wire.ICMPv6TimeExceeded, wire.ICMPv6HopLimitExceeded, 0)
		b.Free()
		return
	}
	out, nh, err := ip.Route(dst, 0)
	if err != nil || out.Flags()&stack.FlagLoopback != 0 {
		st.forwNoRoutes.Add(1)
		ip.icmpError(b, wire.ICMPv6DestUnreach, wire.ICMPv6NoRoute, 0)
		b.Free()
		return
	}
	if out == in {
		ip.maybeRedirect(in, b, nh) // RFC 4861 §8.2; the packet is still forwarded
	}
	mtu := ip.pathMTU(out, dst)
	if b.PktLen() > mtu {
		st.forwPktTooBigs.Add(1)
		ip.icmpError(b, wire.ICMPv6PacketTooBig, 0, uint32(mtu))
		b.Free()
		return
	}
	if !b.Writable() {
		nb := stack.Writable(b)
		if nb == nil {
			st.outNoBuffers.Add(1)
			return
		}
		b = nb
		h = wire.IPv6(b.Bytes())
	}
	h.SetHopLimit(h.HopLimit() - 1)
	b.Meta.Flags &^= mbuf.FlagBroadcast | mbuf.FlagMulticast
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
	if ip.ff.On() {
		if ip.ff.Missed() && !ip.in.Active() && !ip.fwd.Active() {
			ip.installFlow(in, out, nh, mtu, h, gen)
		}
	}
	ip.resolve(out, nh, b)
}
