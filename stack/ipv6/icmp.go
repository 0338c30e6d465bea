package ipv6

import (
	"time"

	"golang.org/x/time/rate"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/internal/echo"
	"github.com/gopkt/gopkt/stack/wire"
)

// ErrorHandler is implemented by transports that want the ICMPv6 errors
// (destination unreachable, packet too big, time exceeded, parameter
// problem) about packets they sent (RFC 4443 §2.4 (d)). quote starts at the
// offending packet's IPv6 header; off is where its upper-layer header
// starts (at least 8 bytes of it are there).
type ErrorHandler interface {
	HandleICMPv6Error(typ wire.ICMPv6Type, code uint8, param uint32, quote wire.IPv6, off int)
}

// icmpState is the error rate limiter, a token bucket (RFC 4443 §2.4 (f)),
// and the ping table.
type icmpState struct {
	limit *rate.Limiter
	pings echo.Table
}

func (s *icmpState) init(perSecond, burst int) {
	s.limit = rate.NewLimiter(rate.Limit(perSecond), burst)
	s.pings.Init()
}

func (s *icmpState) allow(now time.Time) bool { return s.limit.AllowN(now, 1) }

// checksum returns the ICMPv6 checksum of the message in b (the field
// must be 0) with the pseudo-header for src and dst (RFC 4443 §2.3).
func checksum(b *mbuf.Buf, src, dst [16]byte) uint16 {
	return ^b.Checksum(wire.PseudoHeaderChecksum6(wire.IPProtocolICMPv6, src, dst, uint32(b.PktLen())))
}

// icmpInput handles one ICMPv6 message; b starts at the ICMPv6 header.
func (ip *IPv6) icmpInput(ifc *stack.Interface, b *mbuf.Buf, m Meta) {
	st := &ip.st
	st.icmpInMsgs.Add(1)
	msg, err := wire.NewICMPv6(b.Bytes())
	if err != nil {
		st.icmpInErrors.Add(1)
		b.Free()
		return
	}
	if b.Checksum(wire.PseudoHeaderChecksum6(wire.IPProtocolICMPv6, m.Src, m.Dst, uint32(b.PktLen()))) != 0xffff {
		st.icmpInCsumErrors.Add(1)
		st.icmpInErrors.Add(1)
		b.Free()
		return
	}
	switch t := msg.Type(); t {
	case wire.ICMPv6EchoRequest:
		st.icmpInEchos.Add(1)
		ip.echoReply(ifc, b, m)
	case wire.ICMPv6EchoReply:
		st.icmpInEchoReplies.Add(1)
		ip.pingReply(b, m)
	case wire.ICMPv6DestUnreach, wire.ICMPv6PacketTooBig, wire.ICMPv6TimeExceeded, wire.ICMPv6ParamProblem:
		switch t {
		case wire.ICMPv6DestUnreach:
			st.icmpInDestUnreachs.Add(1)
		case wire.ICMPv6PacketTooBig:
			st.icmpInPktTooBigs.Add(1)
		case wire.ICMPv6TimeExceeded:
			st.icmpInTimeExcds.Add(1)
		default:
			st.icmpInParmProblems.Add(1)
		}
		ip.icmpErrorInput(msg, m)
		b.Free()
	case wire.ICMPv6NeighborSolicit, wire.ICMPv6NeighborAdvert, wire.ICMPv6RouterSolicit,
		wire.ICMPv6RouterAdvert, wire.ICMPv6Redirect:
		ip.ndpInput(ifc, b, m, msg)
	case wire.ICMPv6MLDQuery, wire.ICMPv6MLDReport, wire.ICMPv6MLDDone, wire.ICMPv6MLDv2Report:
		st.icmpInMLD.Add(1)
		// RFC 3810 §6.2: queries come with hop limit 1 from a
		// link-local source; reports of other nodes need nothing.
		if msg.Type() == wire.ICMPv6MLDQuery && m.HopLimit == 1 && scope(m.Src) == 2 && b.Next() == nil {
			ip.mldQuery(ifc, msg)
		}
		b.Free()
	default:
		// RFC 4443 §2.4 (a), (b): unknown messages are passed to the
		// upper layer (errors) or discarded (informational); we have no
		// taker for either.
		st.icmpInUnknown.Add(1)
		b.Free()
	}
}

// echoReply turns the request in b into the reply in place when it may
// (RFC 4443 §4.2: same identifier, sequence number and data; to a request
// sent to multicast the reply comes from a unicast address of the
// interface).
func (ip *IPv6) echoReply(ifc *stack.Interface, b *mbuf.Buf, m Meta) {
	st := &ip.st
	// A request shared with another owner (a bridge's flood, a tap's
	// clone) is answered from a private copy.
	if !b.Writable() {
		if b = stack.Writable(b); b == nil {
			st.outNoBuffers.Add(1)
			return
		}
	}
	src := m.Dst
	if m.Multicast {
		s := ip.ifState(ifc.Index())
		var ok bool
		if s == nil {
			b.Free()
			return
		}
		if src, ok = s.sourceFor(m.Src); !ok {
			b.Free()
			return
		}
	}
	msg := wire.ICMPv6(b.Bytes())
	msg.SetType(wire.ICMPv6EchoReply)
	msg.SetChecksum(0)
	msg.SetChecksum(checksum(b, src, m.Src))
	st.icmpOutMsgs.Add(1)
	st.icmpOutEchoReplies.Add(1)
	h := Header{Src: src, Dst: m.Src, Protocol: wire.IPProtocolICMPv6, TrafficClass: m.TrafficClass}
	if scope(m.Src) <= 2 {
		h.IfIndex = m.IfIndex
	}
	_ = ip.Output(b, h)
}

// upperLayer walks the extension headers of the packet in d (as much as
// is there) and returns the upper-layer protocol and its offset.
func upperLayer(d []byte) (wire.IPProtocol, int, bool) {
	if len(d) < wire.IPv6HeaderLen {
		return 0, 0, false
	}
	nh, off := wire.IPProtocol(d[6]), wire.IPv6HeaderLen
	for range 16 {
		switch nh {
		case wire.IPv6HopByHop, wire.IPv6DestOpts, wire.IPv6Routing:
			if off+2 > len(d) {
				return 0, 0, false
			}
			nh, off = wire.IPProtocol(d[off]), off+(int(d[off+1])+1)*8
		case wire.IPv6Fragment:
			if off+wire.IPv6FragmentLen > len(d) {
				return 0, 0, false
			}
			if wire.IPv6FragHeader(d[off:]).Offset() != 0 {
				return nh, off, true // not the first fragment: no upper layer here
			}
			nh, off = wire.IPProtocol(d[off]), off+wire.IPv6FragmentLen
		default:
			return nh, off, off <= len(d)
		}
	}
	return 0, 0, false
}

// icmpErrorInput passes an error to the pinger and the transport that
// sent the quoted packet.
func (ip *IPv6) icmpErrorInput(msg wire.ICMPv6, m Meta) {
	q := msg.Body()
	nh, off, ok := upperLayer(q)
	if !ok || off+8 > len(q) {
		return
	}
	quote := wire.IPv6(q)
	if msg.Type() == wire.ICMPv6PacketTooBig {
		ip.packetTooBig(msg.Rest(), quote)
	}
	if nh == wire.IPProtocolICMPv6 {
		ip.pingError(msg, quote, off, m)
		return
	}
	if eh, ok := ip.transport(nh).(ErrorHandler); ok {
		eh.HandleICMPv6Error(msg.Type(), msg.Code(), msg.Rest(), quote, off)
	}
}

// icmpQuoteMax keeps an error within the minimum MTU (RFC 4443 §2.4 (c)):
// 1280 - 40 (IPv6) - 8 (ICMPv6).
const icmpQuoteMax = MinMTU - wire.IPv6HeaderLen - wire.ICMPv6HeaderLen

// icmpError sends an ICMPv6 error about the packet in b (b starts at its
// IPv6 header; icmpError only reads it) under the rules of RFC 4443
// §2.4 (e) and the rate limit of (f). param is the pointer, MTU or 0.
func (ip *IPv6) icmpError(b *mbuf.Buf, typ wire.ICMPv6Type, code uint8, param uint32) {
	st := &ip.st
	d := b.Bytes()
	if len(d) < wire.IPv6HeaderLen {
		return
	}
	h := wire.IPv6(d)
	src, dst := h.Src(), h.Dst()
	exempt := typ == wire.ICMPv6PacketTooBig || typ == wire.ICMPv6ParamProblem && code == wire.ICMPv6UnknownOption
	switch {
	case src == [16]byte{} || src[0] == 0xff: // (e.4), (e.5): not to a group or nobody
		return
	case !exempt && (dst[0] == 0xff || b.Meta.Flags&(mbuf.FlagBroadcast|mbuf.FlagMulticast) != 0): // (e.2), (e.3)
		return
	}
	if nh, off, ok := upperLayer(d); ok && nh == wire.IPProtocolICMPv6 && off < len(d) {
		if t := wire.ICMPv6Type(d[off]); t.IsError() || t == wire.ICMPv6Redirect { // (e.1)
			return
		}
	}
	if !ip.icmp.allow(ip.o.Clock.Now()) {
		st.icmpOutRateLimited.Add(1)
		return
	}
	ifindex := int(b.Meta.Port)
	var from [16]byte
	if s := ip.ifState(ifindex); s != nil && s.hasAddress(dst) || ip.LocalInterface(dst) != 0 {
		from = dst
	} else {
		var err error
		if from, err = ip.SourceAddr(src, ifindex); err != nil {
			st.outNoRoutes.Add(1)
			return
		}
	}
	q := min(b.PktLen(), icmpQuoteMax)
	nb, err := ip.pool.Get()
	if err != nil {
		st.outNoBuffers.Add(1)
		return
	}
	mb, err := nb.Append(wire.ICMPv6HeaderLen + q)
	if err != nil { // a quote larger than one buffer's data room
		nb.Free()
		return
	}
	b.CopyAt(0, mb[wire.ICMPv6HeaderLen:])
	msg := wire.ICMPv6(mb)
	msg.SetType(typ)
	msg.SetCode(code)
	msg.SetChecksum(0)
	msg.SetRest(param)
	msg.SetChecksum(checksum(nb, from, src))
	st.icmpOutMsgs.Add(1)
	st.icmpOutErrors.Add(1)
	hdr := Header{Src: from, Dst: src, Protocol: wire.IPProtocolICMPv6}
	if scope(src) <= 2 {
		hdr.IfIndex = ifindex
	}
	_ = ip.Output(nb, hdr)
}
