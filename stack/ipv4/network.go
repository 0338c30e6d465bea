package ipv4

import (
	"errors"
	"net/netip"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/network"
	"github.com/gopkt/gopkt/stack/wire"
)

// Network returns IPv4 as the transports' network.Layer.
func (ip *IPv4) Network() network.Layer { return layer{ip} }

type layer struct{ ip *IPv4 }

func (l layer) NewPacket(l4 int, data []byte) (*mbuf.Buf, error) {
	b, err := l.ip.NewPacket(l4, data)
	if errors.Is(err, ErrNoBuffers) {
		return nil, network.ErrNoBuffers
	}
	return b, err
}

func (l layer) Source(dst netip.Addr) (netip.Addr, error) {
	a, ok := wire.AddrTo4(dst)
	if !ok {
		return netip.Addr{}, ErrNoRoute
	}
	src, err := l.ip.SourceAddr(a)
	return netip.AddrFrom4(src), err
}

func (l layer) MTU(dst netip.Addr) (int, error) {
	a, ok := wire.AddrTo4(dst)
	if !ok {
		return 0, ErrNoRoute
	}
	ifc, _, err := l.ip.Route(a)
	if err != nil {
		return 0, err
	}
	return ifc.MTU(), nil
}

func (l layer) HeaderLen() int { return wire.IPv4MinHeaderLen }

func (l layer) PseudoHeaderSum(proto wire.IPProtocol, src, dst netip.Addr, length int) uint16 {
	return wire.PseudoHeaderChecksum(proto, src.As4(), dst.As4(), uint16(length))
}

func (l layer) Send(b *mbuf.Buf, proto wire.IPProtocol, src, dst netip.Addr, o network.SendOptions) error {
	return l.ip.Output(b, Header{Src: src.As4(), Dst: dst.As4(), Protocol: proto, TTL: o.HopLimit, TOS: o.TrafficClass, DF: o.DontFragment})
}
