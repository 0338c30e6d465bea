package ipv6

import (
	"errors"
	"net/netip"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/network"
	"github.com/gopkt/gopkt/stack/wire"
)

// Network returns IPv6 as the transports' network.Layer. A link-local
// destination names its interface in its zone.
func (ip *IPv6) Network() network.Layer { return layer{ip} }

type layer struct{ ip *IPv6 }

// ZoneIndex is the interface index the zone of a names (0 without one).
func (ip *IPv6) ZoneIndex(a netip.Addr) int {
	if a.Zone() == "" {
		return 0
	}
	if ifc := ip.s.InterfaceByName(a.Zone()); ifc != nil {
		return ifc.Index()
	}
	return -1 // a zone naming no interface: no route
}

func (l layer) NewPacket(n int, data []byte) (*mbuf.Buf, error) {
	b, err := l.ip.NewPacket(n, data)
	if errors.Is(err, ErrNoBuffers) {
		return nil, network.ErrNoBuffers
	}
	return b, err
}

func (l layer) Source(dst netip.Addr) (netip.Addr, error) {
	src, err := l.ip.SourceAddr(dst.As16(), l.ip.ZoneIndex(dst))
	return netip.AddrFrom16(src), err
}

func (l layer) MTU(dst netip.Addr) (int, error) {
	d := dst.As16()
	ifc, _, err := l.ip.Route(d, l.ip.ZoneIndex(dst))
	if err != nil {
		return 0, err
	}
	return l.ip.pathMTU(ifc, d), nil
}

func (l layer) HeaderLen() int { return wire.IPv6HeaderLen }

func (l layer) PseudoHeaderSum(proto wire.IPProtocol, src, dst netip.Addr, length int) uint16 {
	return wire.PseudoHeaderChecksum6(proto, src.As16(), dst.As16(), uint32(length))
}

func (l layer) Send(b *mbuf.Buf, proto wire.IPProtocol, src, dst netip.Addr, o network.SendOptions) error {
	return l.ip.Output(b, Header{Src: src.As16(), Dst: dst.As16(), Protocol: proto, HopLimit: o.HopLimit,
		TrafficClass: o.TrafficClass, IfIndex: l.ip.ZoneIndex(dst), NoFragment: o.DontFragment})
}
