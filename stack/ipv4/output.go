package ipv4

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// Header describes a datagram to send.
type Header struct {
	Src, Dst wire.Addr4 // a zero Src is chosen from the outgoing interface
	Protocol wire.IPProtocol
	TTL      uint8 // 0 means the default TTL
	TOS      uint8
	DF       bool // don't fragment: fail with ErrTooBig instead
	IfIndex  int  // send through this interface (limited broadcast); 0 routes
}

// Reserve is the headroom a transport must leave in front of its header:
// the largest IPv4 header plus the link header (Ethernet with one 802.1Q
// tag).
const Reserve = wire.IPv4MaxHeaderLen + wire.EthernetHeaderLen + wire.VLANTagLen

// NewPacket is how a transport asks the layers below for a packet: a buffer
// (a chain when data exceeds one) holding data, with room in front for an
// l4-byte transport header plus Reserve, so every header is pushed in place
// and nothing is copied again. The caller owns the result.
func (ip *IPv4) NewPacket(l4 int, data []byte) (*mbuf.Buf, error) {
	if l4 < 0 || l4+Reserve > mbuf.Headroom {
		return nil, ErrNoHeadroom
	}
	b, err := ip.pool.GetChain(data)
	if err != nil {
		return nil, ErrNoBuffers
	}
	return b, nil
}

// Route returns the interface and next hop for dst, as Output would use them.
func (ip *IPv4) Route(dst wire.Addr4) (ifc *stack.Interface, nexthop wire.Addr4, err error) {
	if ip.s.LocalInterface(dst) != 0 {
		// Our own address: through the loopback, as Linux's local table does.
		return ip.s.Loopback(), dst, nil
	}
	ifindex, nh := ip.s.Routes().NextHop4(binary.BigEndian.Uint32(dst[:]))
	if ifindex == 0 {
		return nil, dst, ErrNoRoute
	}
	nexthop = wire.Addr4FromWord(nh)
	ifc = ip.s.Interface(int(ifindex))
	if ifc == nil {
		return nil, dst, ErrNoRoute
	}
	return ifc, nexthop, nil
}

// SourceFor picks the source address for packets to nexthop through ifc
// (RFC 1122 §3.3.4.3): an address on the same subnet, else the first.
func SourceFor(ifc *stack.Interface, nexthop wire.Addr4) (wire.Addr4, bool) {
	addrs := ifc.Addresses()
	if len(addrs) == 0 {
		return wire.Addr4{}, false
	}
	nh := netip.AddrFrom4(nexthop)
	for _, p := range addrs {
		if p.Contains(nh) {
			return p.Addr().As4(), true
		}
	}
	return addrs[0].Addr().As4(), true
}

// Output sends the transport payload in b (b.Bytes() starts at the
// transport header; a chain is allowed) as an IPv4 datagram described by h:
// it routes, picks the source, builds the header in the headroom, runs the
// out hooks, fragments to the MTU and resolves the next hop. Output always
// takes ownership of b, even when it returns an error.
func (ip *IPv4) Output(b *mbuf.Buf, h Header) error {
	st := &ip.st
	st.outRequests.Add(1)
	var ifc *stack.Interface
	var nh wire.Addr4
	var err error
	if h.IfIndex != 0 {
		ifc, nh = ip.s.Interface(h.IfIndex), h.Dst
		if ifc == nil {
			err = ErrNoRoute
		}
	} else {
		ifc, nh, err = ip.Route(h.Dst)
	}
	if err != nil {
		st.outNoRoutes.Add(1)
		b.Free()
		return err
	}
	if h.Src == (wire.Addr4{}) {
		var ok bool
		if ifc.Flags()&stack.FlagLoopback != 0 && ip.s.LocalInterface(h.Dst) != 0 {
			h.Src, ok = h.Dst, true
		} else {
			h.Src, ok = SourceFor(ifc, nh)
		}
		if !ok {
			st.outNoRoutes.Add(1)
			b.Free()
			return ErrNoSource
		}
	}
	total := b.PktLen() + wire.IPv4MinHeaderLen
	if total > 0xffff {
		st.outDiscards.Add(1)
		b.Free()
		return ErrTooBig
	}
	d, err := b.Push(wire.IPv4MinHeaderLen)
	if err != nil {
		st.outDiscards.Add(1)
		b.Free()
		return ErrNoHeadroom
	}
	if h.TTL == 0 {
		h.TTL = ip.o.DefaultTTL
	}
	var flags uint8
	if h.DF {
		flags = wire.IPv4FlagDF
	}
	d[0] = 0x45
	hdr := wire.IPv4(d)
	hdr.SetTOS(h.TOS)
	hdr.SetTotalLen(uint16(total))
	hdr.SetID(uint16(ip.id.Add(1)))
	hdr.SetFlagsFragmentOffset(flags, 0)
	hdr.SetTTL(h.TTL)
	hdr.SetProtocol(h.Protocol)
	hdr.SetSrc(h.Src)
	hdr.SetDst(h.Dst)
	hdr.UpdateChecksum()
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
	return ip.send(ifc, nh, b)
}

// send transmits a complete datagram (b starts at the IPv4 header) to the
// next hop nh on ifc, fragmenting when it exceeds the MTU.
func (ip *IPv4) send(ifc *stack.Interface, nh wire.Addr4, b *mbuf.Buf) error {
	if b.PktLen() > ifc.MTU() {
		h := wire.IPv4(b.Bytes())
		if h.DontFragment() {
			ip.st.fragFails.Add(1)
			b.Free()
			return ErrTooBig
		}
		return ip.fragment(ifc, nh, b)
	}
	ip.resolve(ifc, nh, b)
	return nil
}

// resolve finds the link address of nh and sends b (starting at the IPv4
// header), or queues it on the neighbour entry while ARP runs.
func (ip *IPv4) resolve(ifc *stack.Interface, nh wire.Addr4, b *mbuf.Buf) {
	switch {
	case ifc.Flags()&stack.FlagLoopback != 0:
		ifc.Output(b, ifc.MAC(), wire.EtherTypeIPv4)
	case nh[0] >= 224 && nh[0] < 240:
		// RFC 1112 §6.4: 01:00:5e and the low 23 bits of the group.
		ifc.Output(b, wire.MAC{0x01, 0x00, 0x5e, nh[1] & 0x7f, nh[2], nh[3]}, wire.EtherTypeIPv4)
	case ip.isBroadcast(ifc, nh):
		ifc.Output(b, wire.BroadcastMAC(), wire.EtherTypeIPv4)
	default:
		if mac, ok := ip.neigh.resolve(ifc, nh, b); ok {
			ifc.Output(b, mac, wire.EtherTypeIPv4)
		}
	}
}

// SourceAddr returns the source address Output would choose for dst.
func (ip *IPv4) SourceAddr(dst wire.Addr4) (wire.Addr4, error) {
	ifc, nh, err := ip.Route(dst)
	if err != nil {
		return wire.Addr4{}, err
	}
	if ifc.Flags()&stack.FlagLoopback != 0 && ip.s.LocalInterface(dst) != 0 {
		return dst, nil
	}
	src, ok := SourceFor(ifc, nh)
	if !ok {
		return wire.Addr4{}, ErrNoSource
	}
	return src, nil
}
