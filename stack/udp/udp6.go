package udp

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/internal/chain"
	"github.com/gopkt/gopkt/stack/ipv6"
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
	t.u.ip6 = ip
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
		chain.Trim(b, n)
	}
	if b.Meta.Flags&mbuf.FlagL4CsumOK == 0 {
		if h.Checksum() == 0 || b.Meta.Flags&mbuf.FlagL4CsumBad != 0 ||
			chain.Sum(b, wire.PseudoHeaderChecksum6(wire.IPProtocolUDP, m.Src, m.Dst, uint32(n))) != 0xffff {
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
	c.enqueue(b, src)
	return true
}

func scopeLinkLocal(a [16]byte) bool { return a[0] == 0xfe && a[1]&0xc0 == 0x80 }

// zoneIndex is the interface index a link-local address's zone names.
func (u *UDP) zoneIndex(a netip.Addr) int {
	if a.Zone() == "" {
		return 0
	}
	if ifc := u.ip6.Stack().InterfaceByName(a.Zone()); ifc != nil {
		return ifc.Index()
	}
	return 0
}

// sourceFor is the local address a socket connected to remote uses.
func (u *UDP) sourceFor(remote netip.AddrPort) (netip.Addr, error) {
	if remote.Addr().Is4() {
		if u.ip == nil {
			return netip.Addr{}, ErrBadAddress
		}
		src, err := u.ip.SourceAddr(remote.Addr().As4())
		return netip.AddrFrom4(src), err
	}
	if u.ip6 == nil {
		return netip.Addr{}, ErrBadAddress
	}
	src, err := u.ip6.SourceAddr(remote.Addr().As16(), u.zoneIndex(remote.Addr()))
	return netip.AddrFrom16(src), err
}

// send6 builds and sends one datagram over IPv6 with its mandatory
// checksum (RFC 8200 §8.1; a computed 0 is sent as 0xffff).
func (u *UDP) send6(local, to netip.AddrPort, p []byte) error {
	if u.ip6 == nil {
		return ErrBadAddress
	}
	ifindex := u.zoneIndex(to.Addr())
	dst := to.Addr().As16()
	var src [16]byte
	if local.Addr().Is6() && !local.Addr().IsUnspecified() {
		src = local.Addr().As16()
	} else {
		var err error
		if src, err = u.ip6.SourceAddr(dst, ifindex); err != nil {
			return err
		}
	}
	b, err := u.ip6.NewPacket(wire.UDPHeaderLen, p)
	if errors.Is(err, ipv6.ErrNoBuffers) {
		return errNoBuffers
	}
	if err != nil {
		return err
	}
	d, err := b.Push(wire.UDPHeaderLen)
	if err != nil {
		b.Free()
		return ipv6.ErrNoHeadroom
	}
	n := len(p) + wire.UDPHeaderLen
	h := wire.UDP(d)
	h.SetSrcPort(local.Port())
	h.SetDstPort(to.Port())
	h.SetLength(uint16(n))
	h.SetChecksum(0)
	cs := ^chain.Sum(b, wire.PseudoHeaderChecksum6(wire.IPProtocolUDP, src, dst, uint32(n)))
	if cs == 0 {
		cs = 0xffff
	}
	h.SetChecksum(cs)
	u.outDatagrams.Add(1)
	return u.ip6.Output(b, ipv6.Header{Src: src, Dst: dst, Protocol: wire.IPProtocolUDP, IfIndex: ifindex})
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
