package ipv4

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// ipHandler is the EtherType 0x0800 entry.
type ipHandler struct{ ip *IPv4 }

func (h ipHandler) HandleEther(ifc *stack.Interface, b *mbuf.Buf) { h.ip.input(ifc, b) }

// header validates the IPv4 header at the start of b (RFC 791 §3.1,
// RFC 1122 §3.2.1.1-2) and trims link padding so that PktLen equals Total
// Length. The header must sit in the first segment.
func (ip *IPv4) header(b *mbuf.Buf) (wire.IPv4, bool) {
	d := b.Bytes()
	if b.Next() != nil {
		// A chain: check the header in the first segment, the total over
		// the whole chain.
		if len(d) < wire.IPv4MinHeaderLen || d[0]>>4 != 4 {
			ip.st.inHdrErrors.Add(1)
			return nil, false
		}
		hl := int(d[0]&0xf) * 4
		total := int(binary.BigEndian.Uint16(d[2:4]))
		if hl < wire.IPv4MinHeaderLen || hl > len(d) || total < hl || total > b.PktLen() {
			ip.st.inHdrErrors.Add(1)
			return nil, false
		}
		if b.PktLen() > total {
			b.Truncate(total)
		}
		return wire.IPv4(b.Bytes()), true
	}
	h, err := wire.NewIPv4(d)
	if err != nil {
		if len(d) >= 4 && len(d) < int(binary.BigEndian.Uint16(d[2:4])) {
			ip.st.inTruncated.Add(1)
		} else {
			ip.st.inHdrErrors.Add(1)
		}
		return nil, false
	}
	if len(h) < len(d) {
		_ = b.Trim(len(d) - len(h)) // Ethernet padding (IEEE 802.3 minimum frame)
	}
	return h, true
}

// martian reports addresses that must never appear as a source
// (RFC 1122 §3.2.1.3, RFC 1812 §5.3.7).
func martianSrc(a wire.Addr4) bool {
	return a[0] >= 224 // class D multicast, class E and the limited broadcast
}

func (ip *IPv4) input(ifc *stack.Interface, b *mbuf.Buf) {
	st := &ip.st
	st.inReceives.Add(1)
	h, ok := ip.header(b)
	if !ok {
		b.Free()
		return
	}
	if b.Meta.Flags&mbuf.FlagIPCsumOK == 0 && (b.Meta.Flags&mbuf.FlagIPCsumBad != 0 || !h.ChecksumValid()) {
		st.inHdrErrors.Add(1)
		b.Free()
		return
	}
	loop := ifc.Flags()&stack.FlagLoopback != 0
	src, dst := h.Src(), h.Dst()
	// From the wire, a source that is one of our own addresses is forged
	// or looped back (RFC 1812 §5.3.7: a router does not forward such a
	// datagram; Linux counts it a martian, "local source").
	if martianSrc(src) || !loop && (src[0] == 127 || dst[0] == 127 || ip.s.LocalInterface(src) != 0) {
		st.inAddrErrors.Add(1)
		b.Free()
		return
	}
	if ip.in.Active() {
		switch ip.in.Run(pfil.In, ifc.Index(), b) {
		case pfil.Drop:
			st.inFiltered.Add(1)
			b.Free()
			return
		case pfil.Consumed:
			return
		case pfil.Modified:
			if h, ok = ip.header(b); !ok {
				b.Free()
				return
			}
			dst = h.Dst()
		}
	}
	local, bcast := ip.isLocal(ifc, dst)
	if !local {
		if !st.forwarding.Load() || b.Meta.Flags&(mbuf.FlagBroadcast|mbuf.FlagMulticast) != 0 {
			// RFC 1122 §3.3.1.1: a host silently discards datagrams
			// not addressed to it; RFC 1812 §5.3.4: never forward
			// link-layer broadcasts.
			st.inAddrErrors.Add(1)
			b.Free()
			return
		}
		ip.forward(ifc, b, h)
		return
	}
	if h.IsFragment() {
		if b = ip.reass.add(b, h); b == nil {
			return
		}
		h = wire.IPv4(b.Bytes())
	}
	ip.deliver(ifc, b, h, bcast)
}

// isLocal reports whether dst is ours: one of our addresses (the weak host
// model, RFC 1122 §3.3.4.2), the limited broadcast, a directed broadcast of
// the receiving interface's subnets, or multicast.
func (ip *IPv4) isLocal(ifc *stack.Interface, dst wire.Addr4) (local, bcast bool) {
	if ifc.HasAddress(dst) || ip.s.LocalInterface(dst) != 0 {
		return true, false
	}
	if dst[0] == 127 && ifc.Flags()&stack.FlagLoopback != 0 {
		return true, false // all of 127/8 is this host (RFC 1122 §3.2.1.3 (g))
	}
	if dst == (wire.Addr4{255, 255, 255, 255}) || dst[0] >= 224 && dst[0] < 240 {
		return true, true
	}
	return ip.isBroadcast(ifc, dst), true
}

// isBroadcast reports whether dst is the directed broadcast address of one
// of ifc's subnets (RFC 919, RFC 922).
func (ip *IPv4) isBroadcast(ifc *stack.Interface, dst wire.Addr4) bool {
	if dst == (wire.Addr4{255, 255, 255, 255}) {
		return true
	}
	d := binary.BigEndian.Uint32(dst[:])
	for _, p := range ifc.Addresses() {
		if p.Bits() >= 31 {
			continue
		}
		a := p.Addr().As4()
		host := uint32(1)<<(32-p.Bits()) - 1
		if binary.BigEndian.Uint32(a[:])|host == d {
			return true
		}
	}
	return false
}

// deliver hands a complete datagram (b starts at the IPv4 header) to its
// transport.
func (ip *IPv4) deliver(ifc *stack.Interface, b *mbuf.Buf, h wire.IPv4, bcast bool) {
	st := &ip.st
	t := ip.transport(h.Protocol())
	if t == nil {
		st.inUnknownProtos.Add(1)
		if !bcast {
			ip.icmpError(b, wire.ICMPv4DestUnreach, wire.ICMPv4ProtoUnreachable, 0)
		}
		b.Free()
		return
	}
	m := Meta{Src: h.Src(), Dst: h.Dst(), IfIndex: ifc.Index(), TTL: h.TTL(), TOS: h.TOS(), Broadcast: bcast}
	hl := h.HeaderLen()
	_, _ = b.Pull(hl)
	st.inDelivers.Add(1)
	if t.Input(b, m) {
		return
	}
	// The header is still there, in the headroom (unless b is a shared
	// clone, which may not be written).
	if _, err := b.Push(hl); err == nil && !bcast {
		ip.icmpError(b, wire.ICMPv4DestUnreach, wire.ICMPv4PortUnreachable, 0)
	}
	b.Free()
}
