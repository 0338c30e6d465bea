package ipv6

import (
	"math/rand/v2"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// Header describes a packet to send.
type Header struct {
	Src, Dst     [16]byte // a zero Src is chosen (RFC 6724)
	Protocol     wire.IPProtocol
	HopLimit     uint8 // 0 means the default
	TrafficClass uint8
	// IfIndex sends through this interface: the zone of a link-local or
	// multicast destination. 0 routes.
	IfIndex int
	// NoFragment fails with ErrTooBig instead of fragmenting at the
	// source (a transport doing its own path MTU discovery).
	NoFragment bool
}

// Reserve is the headroom a transport must leave in front of its header:
// the IPv6 and Fragment headers plus the link header (Ethernet with one
// 802.1Q tag).
const Reserve = wire.IPv6HeaderLen + wire.IPv6FragmentLen + wire.EthernetHeaderLen + wire.VLANTagLen

// MinMTU is the link MTU every IPv6 link has (RFC 8200 §5).
const MinMTU = 1280

// NewPacket returns a buffer (a chain when data exceeds one) holding data
// with room in front for an l4-byte header plus Reserve. The caller owns it.
func (ip *IPv6) NewPacket(l4 int, data []byte) (*mbuf.Buf, error) {
	if l4 < 0 || l4+Reserve > mbuf.Headroom {
		return nil, ErrNoHeadroom
	}
	b, err := ip.pool.GetChain(data)
	if err != nil {
		return nil, ErrNoBuffers
	}
	return b, nil
}

// Route returns the interface and next hop for dst, as Output would use
// them; ifindex (non-zero) names the interface of a link-local or
// multicast destination.
func (ip *IPv6) Route(dst [16]byte, ifindex int) (*stack.Interface, [16]byte, error) {
	if dst == loopback || ip.LocalInterface(dst) != 0 {
		return ip.s.Loopback(), dst, nil
	}
	if ifindex != 0 {
		ifc := ip.s.Interface(ifindex)
		st := ip.ifState(ifindex)
		if ifc == nil || st == nil {
			return nil, dst, ErrNoRoute
		}
		if st.hasAddress(dst) {
			return ip.s.Loopback(), dst, nil
		}
		if r, ok := ip.routes.Lookup(dst); ok && r.IfIndex == ifindex {
			return ifc, ip.redirected(ifindex, dst, r.NextHop6(dst)), nil
		}
		return ifc, dst, nil // link-local and multicast are on-link
	}
	r, ok := ip.routes.Lookup(dst)
	if !ok {
		return nil, dst, ErrNoRoute
	}
	ifc := ip.s.Interface(r.IfIndex)
	if ifc == nil {
		return nil, dst, ErrNoRoute
	}
	if st := ip.ifState(r.IfIndex); st != nil && st.hasAddress(dst) {
		return ip.s.Loopback(), dst, nil
	}
	return ifc, ip.redirected(r.IfIndex, dst, r.NextHop6(dst)), nil
}

// SourceAddr returns the source address Output would choose for dst.
func (ip *IPv6) SourceAddr(dst [16]byte, ifindex int) ([16]byte, error) {
	ifc, _, err := ip.Route(dst, ifindex)
	if err != nil {
		return [16]byte{}, err
	}
	return ip.source(ifc, dst)
}

func (ip *IPv6) source(ifc *stack.Interface, dst [16]byte) ([16]byte, error) {
	if ifc.Flags()&stack.FlagLoopback != 0 && dst != loopback {
		return dst, nil // to ourselves, from the same address
	}
	st := ip.ifState(ifc.Index())
	if st == nil {
		return [16]byte{}, ErrNoSource
	}
	src, ok := st.sourceFor(dst)
	if !ok {
		return [16]byte{}, ErrNoSource
	}
	return src, nil
}

// Output sends the upper-layer payload in b (b.Bytes() starts at its
// header; a chain is allowed) as an IPv6 packet described by h: it routes,
// picks the source, builds the header in the headroom, fragments to the
// MTU and resolves the next hop. Output always takes ownership of b.
func (ip *IPv6) Output(b *mbuf.Buf, h Header) error {
	st := &ip.st
	st.outRequests.Add(1)
	ifc, nh, err := ip.Route(h.Dst, h.IfIndex)
	if err != nil {
		st.outNoRoutes.Add(1)
		b.Free()
		return err
	}
	if h.Src == ([16]byte{}) {
		if h.Src, err = ip.source(ifc, h.Dst); err != nil {
			st.outNoRoutes.Add(1)
			b.Free()
			return err
		}
	}
	n := b.PktLen()
	if n > 0xffff {
		st.outDiscards.Add(1)
		b.Free()
		return ErrTooBig
	}
	d, err := b.Push(wire.IPv6HeaderLen)
	if err != nil {
		st.outDiscards.Add(1)
		b.Free()
		return ErrNoHeadroom
	}
	if h.HopLimit == 0 {
		h.HopLimit = ip.params(ifc.Index()).HopLimit // CurHopLimit (RFC 4861 §6.3.2)
	}
	f := wire.IPv6Fields{TrafficClass: h.TrafficClass, PayloadLen: uint16(n), NextHeader: h.Protocol,
		HopLimit: h.HopLimit, Src: h.Src, Dst: h.Dst}
	_, _ = f.Encode(d)
	if ip.out.Active() {
		switch ip.out.Run(pfil.Out, ifc.Index(), b) {
		case pfil.Drop:
			st.outFiltered.Add(1)
			b.Free()
			return nil
		case pfil.Consumed:
			return nil
		}
	}
	if mtu := ip.pathMTU(ifc, h.Dst); b.PktLen() > mtu {
		if h.NoFragment {
			st.fragFails.Add(1)
			b.Free()
			return ErrTooBig
		}
		return ip.fragment(ifc, nh, mtu, b)
	}
	ip.resolve(ifc, nh, b)
	return nil
}

// resolve finds the link address of nh and sends b (starting at the IPv6
// header), or queues it while neighbour discovery runs.
func (ip *IPv6) resolve(ifc *stack.Interface, nh [16]byte, b *mbuf.Buf) {
	switch {
	case ifc.Flags()&stack.FlagLoopback != 0:
		ifc.Output(b, ifc.MAC(), wire.EtherTypeIPv6)
	case nh[0] == 0xff:
		ifc.Output(b, wire.MulticastMAC6(nh), wire.EtherTypeIPv6)
	default:
		if mac, ok := ip.neigh.resolve(ifc, nh, b); ok {
			ifc.Output(b, mac, wire.EtherTypeIPv6)
		}
	}
}

// fragment splits the packet in b (starting at its IPv6 header, no
// extension headers of ours) into fragments that fit the path MTU and sends
// each (RFC 8200 §4.5): every fragment repeats the fixed header, then a
// Fragment header with an unpredictable identification (RFC 7739 §5),
// then at most (MTU - 48) &^ 7 data bytes. The data is copied once into
// fresh buffers; b is freed.
func (ip *IPv6) fragment(ifc *stack.Interface, nh [16]byte, mtu int, b *mbuf.Buf) error {
	st := &ip.st
	defer b.Free()
	orig := wire.IPv6(b.Bytes())
	next := orig.NextHeader()
	payload := b.PktLen() - wire.IPv6HeaderLen
	per := (max(mtu, MinMTU) - wire.IPv6HeaderLen - wire.IPv6FragmentLen) &^ 7
	id := rand.Uint32()
	for off := 0; off < payload; {
		n := min(payload-off, per)
		f, err := ip.pool.Get()
		if err != nil {
			st.fragFails.Add(1)
			st.outNoBuffers.Add(1)
			return ErrNoBuffers
		}
		d, err := f.Append(wire.IPv6HeaderLen + wire.IPv6FragmentLen + n)
		if err != nil {
			f.Free()
			st.fragFails.Add(1)
			return ErrTooBig
		}
		copy(d, orig[:wire.IPv6HeaderLen])
		h := wire.IPv6(d)
		d[6] = uint8(wire.IPv6Fragment)
		h.SetPayloadLen(uint16(wire.IPv6FragmentLen + n))
		wire.IPv6FragHeader(d[wire.IPv6HeaderLen:]).Encode(next, off, off+n < payload, id)
		b.CopyAt(wire.IPv6HeaderLen+off, d[wire.IPv6HeaderLen+wire.IPv6FragmentLen:])
		f.Meta.Flags = b.Meta.Flags & mbuf.FlagOutbound
		st.fragCreates.Add(1)
		ip.resolve(ifc, nh, f)
		off += n
	}
	st.fragOKs.Add(1)
	return nil
}
