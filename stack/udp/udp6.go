package udp

import (
	"fmt"
	"net/netip"
	"syscall"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/network"
	"github.com/gopkt/gopkt/stack/wire"
)

// V6 returns UDP's face towards IPv6: pass it in ipv6.Options.Transports
// (and the UDP itself in ipv4.Options.Transports) so the sockets of one
// UDP serve both families on one port space.
func (u *UDP) V6() ipv6.Transport { return udp6{u} }

// udp6 is UDP registered as next header 17 with IPv6.
type udp6 struct{ u *UDP }

func (t udp6) Protocol() wire.IPProtocol { return wire.IPProtocolUDP }

func (t udp6) Attach(ip *ipv6.IPv6) error {
	if t.u.ip6 != nil {
		return fmt.Errorf("udp: already attached to IPv6")
	}
	t.u.ip6, t.u.net6 = ip, ip.Network()
	t.u.takeQuota(ip.Stack().Budget())
	return nil
}

// Input validates a datagram over IPv6 (RFC 768 length; the checksum is
// mandatory, RFC 8200 §8.1: a zero checksum is discarded) and queues it.
func (t udp6) Input(b *mbuf.Buf, m ipv6.Meta) bool {
	u := t.u
	d := b.Bytes()
	if len(d) < wire.UDPHeaderLen {
		u.inErrors.Add(1)
		b.Free()
		return true
	}
	h := wire.UDP(d[:wire.UDPHeaderLen])
	n := int(h.Length())
	if n < wire.UDPHeaderLen || n > b.PktLen() {
		u.inErrors.Add(1)
		b.Free()
		return true
	}
	if b.PktLen() > n {
		b.Truncate(n)
	}
	if b.Meta.Flags&mbuf.FlagL4CsumOK == 0 {
		if h.Checksum() == 0 || b.Meta.Flags&mbuf.FlagL4CsumBad != 0 ||
			b.Checksum(wire.PseudoHeaderChecksum6(wire.IPProtocolUDP, m.Src, m.Dst, uint32(n))) != 0xffff {
			u.inCsumErrors.Add(1)
			u.inErrors.Add(1)
			b.Free()
			return true
		}
	}
	c := u.ports.get(h.DstPort())
	from := netip.AddrFrom16(m.Src)
	if scopeLinkLocal(m.Src) {
		if ifc := u.ip6.Stack().Interface(m.IfIndex); ifc != nil {
			from = from.WithZone(ifc.Name())
		}
	}
	src := netip.AddrPortFrom(from, h.SrcPort())
	if c == nil || !c.accepts(netip.AddrFrom16(m.Dst), src) {
		u.noPorts.Add(1)
		return false // IPv6 answers with port unreachable
	}
	_, _ = b.Pull(wire.UDPHeaderLen)
	u.inDatagrams.Add(1)
	var dst netip.Addr
	if !m.Multicast {
		dst = netip.AddrFrom16(m.Dst)
	}
	c.enqueue(b, src, dst)
	return true
}

func scopeLinkLocal(a [16]byte) bool { return a[0] == 0xfe && a[1]&0xc0 == 0x80 }

// layer is the network layer for a's family (nil when not attached).
func (u *UDP) layer(a netip.Addr) network.Layer {
	if a.Is4() {
		return u.net4
	}
	return u.net6
}

// sourceFor is the local address a socket connected to remote uses.
func (u *UDP) sourceFor(remote netip.AddrPort) (netip.Addr, error) {
	l := u.layer(remote.Addr())
	if l == nil {
		return netip.Addr{}, ErrBadAddress
	}
	return l.Source(remote.Addr())
}

// HandleICMPv6Error implements ipv6.ErrorHandler: errors quoting a
// datagram of a connected socket are reported to it with the errno Linux
// uses (icmpv6_err_convert): port unreachable ECONNREFUSED, no route
// ENETUNREACH, address unreachable and time exceeded EHOSTUNREACH,
// administratively prohibited EACCES.
func (t udp6) HandleICMPv6Error(typ wire.ICMPv6Type, code uint8, _ uint32, quote wire.IPv6, off int) {
	var err error
	switch {
	case typ == wire.ICMPv6DestUnreach && code == wire.ICMPv6PortUnreachable:
		err = syscall.ECONNREFUSED
	case typ == wire.ICMPv6DestUnreach && code == wire.ICMPv6NoRoute:
		err = syscall.ENETUNREACH
	case typ == wire.ICMPv6DestUnreach && code == wire.ICMPv6AdminProhibited:
		err = syscall.EACCES
	case typ == wire.ICMPv6DestUnreach, typ == wire.ICMPv6TimeExceeded:
		err = syscall.EHOSTUNREACH
	default:
		return
	}
	h := wire.UDP(quote[off : off+wire.UDPHeaderLen])
	c := t.u.ports.get(h.SrcPort())
	if c == nil || !c.remote.IsValid() || c.remote.Addr().WithZone("") != quote.DstAddr() || c.remote.Port() != h.DstPort() {
		return
	}
	c.icmpError(err)
}

var (
	_ ipv6.Transport    = udp6{}
	_ ipv6.ErrorHandler = udp6{}
)
