package tcp

import (
	"fmt"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/wire"
)

// V6 returns TCP's face towards IPv6: pass it in ipv6.Options.Transports
// (and the TCP itself in ipv4.Options.Transports) so one TCP serves both
// families with one port space and one connection table.
func (t *TCP) V6() ipv6.Transport { return tcp6{t} }

// tcp6 is TCP registered as next header 6 with IPv6.
type tcp6 struct{ t *TCP }

func (x tcp6) Protocol() wire.IPProtocol { return wire.IPProtocolTCP }

func (x tcp6) Attach(ip *ipv6.IPv6) error {
	t := x.t
	if t.ip6 != nil {
		return fmt.Errorf("tcp: already attached to IPv6")
	}
	t.ip6, t.net6 = ip, ip.Network()
	t.attachCommon(ip.Pool(), ip.Stack().Budget())
	return nil
}

// Input validates a segment over IPv6 (RFC 9293 §3.1 with the RFC 8200
// §8.1 pseudo-header) and demultiplexes it like IPv4's. Segments to a
// multicast address (RFC 9293 §3.9.1.3) and segments with an
// IPv4-mapped source or destination (RFC 4291 §2.5.5.2: such addresses
// never appear on the wire, and they would alias IPv4 connections here)
// are dropped and counted. TCP always owns b afterwards.
func (x tcp6) Input(b *mbuf.Buf, m ipv6.Meta) bool {
	t := x.t
	var s segment
	if !t.admit(b, &s, m.Multicast, func(total int) uint16 {
		return wire.PseudoHeaderChecksum6(wire.IPProtocolTCP, m.Src, m.Dst, uint32(total))
	}) {
		return true
	}
	if isMapped(m.Src) || isMapped(m.Dst) {
		t.st.drop(dropBadAddress)
		b.Free()
		return true
	}
	k := fourTuple{laddr: m.Dst, raddr: m.Src, lport: s.dstPort, rport: s.srcPort}
	if linkLocal(m.Src) || linkLocal(m.Dst) {
		k.ifx = int32(m.IfIndex)
	}
	t.demux(k, &s, b)
	return true
}

func (x tcp6) HandleICMPv6Error(typ wire.ICMPv6Type, code uint8, param uint32, quote wire.IPv6, off int) {
	x.t.HandleICMPv6Error(typ, code, param, quote, off)
}

var (
	_ ipv6.Transport    = tcp6{}
	_ ipv6.ErrorHandler = tcp6{}
)

// Close lets IPv6 close TCP when the stack closes (TCP.Close; a second
// call from IPv4 finds nothing left).
func (x tcp6) Close() error { return x.t.Close() }
