package ipv4

import (
	"encoding/binary"
	"time"

	"golang.org/x/time/rate"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/internal/echo"
	"github.com/gopkt/gopkt/stack/wire"
)

// icmpTransport is protocol 1 in the IP protocol table.
type icmpTransport struct{ ip *IPv4 }

func (t icmpTransport) Protocol() wire.IPProtocol { return wire.IPProtocolICMP }
func (t icmpTransport) Attach(*IPv4) error        { return nil }
func (t icmpTransport) Input(b *mbuf.Buf, m Meta) bool {
	t.ip.icmpInput(b, m)
	return true
}

// icmpState is the error rate limiter, a token bucket (RFC 1812
// §4.3.2.8; RFC 1122 §3.2.2 "SHOULD limit the rate"), and the ping table.
type icmpState struct {
	limit *rate.Limiter
	pings echo.Table
}

func (s *icmpState) init(perSecond, burst int) {
	s.limit = rate.NewLimiter(rate.Limit(perSecond), burst)
	s.pings.Init()
}

func (s *icmpState) allow(now time.Time) bool { return s.limit.AllowN(now, 1) }

// icmpInput handles one ICMP message (RFC 792); b starts at the ICMP header.
func (ip *IPv4) icmpInput(b *mbuf.Buf, m Meta) {
	st := &ip.st
	st.icmpInMsgs.Add(1)
	msg, err := wire.NewICMPv4(b.Bytes())
	if err != nil || b.Checksum(0) != 0xffff {
		st.icmpInErrors.Add(1)
		b.Free()
		return
	}
	switch msg.Type() {
	case wire.ICMPv4Echo:
		st.icmpInEchos.Add(1)
		// RFC 1122 §3.2.2.6: echo requests to a broadcast address may be
		// ignored (we do, against smurf amplification).
		if m.Broadcast || ip.o.DisableICMPEcho {
			b.Free()
			return
		}
		// A request shared with another owner (a bridge's flood, a
		// tap's clone) is answered from a private copy.
		if !b.Writable() {
			if b = stack.Writable(b); b == nil {
				st.outNoBuffers.Add(1)
				return
			}
		}
		msg = wire.ICMPv4(b.Bytes())
		// Turn the request into the reply in place: type 8 -> 0, checksum
		// patched incrementally (RFC 1624), data untouched; the reply's
		// source is the request's destination.
		old := binary.BigEndian.Uint16(msg[0:2])
		msg.SetType(wire.ICMPv4EchoReply)
		msg.SetChecksum(wire.ChecksumUpdate16(msg.Checksum(), old, binary.BigEndian.Uint16(msg[0:2])))
		st.icmpOutMsgs.Add(1)
		st.icmpOutEchoReps.Add(1)
		_ = ip.Output(b, Header{Src: m.Dst, Dst: m.Src, Protocol: wire.IPProtocolICMP, TOS: m.TOS})
	case wire.ICMPv4EchoReply:
		st.icmpInEchoReps.Add(1)
		ip.pingReply(b, m)
	case wire.ICMPv4DestUnreach, wire.ICMPv4TimeExceeded:
		if msg.Type() == wire.ICMPv4DestUnreach {
			st.icmpInUnreach.Add(1)
		} else {
			st.icmpInTimeExcds.Add(1)
		}
		ip.pingError(msg, m)
		if q, ok := quotedHeader(msg.Payload()); ok && len(q) >= q.HeaderLen()+8 {
			tr := ip.transport(q.Protocol())
			if ph, ok := tr.(PMTUHandler); ok && msg.Type() == wire.ICMPv4DestUnreach && msg.Code() == wire.ICMPv4FragNeeded {
				ph.HandleFragNeeded(msg.MTU(), q)
			} else if eh, ok := tr.(ErrorHandler); ok {
				eh.HandleICMPError(msg.Type(), msg.Code(), q)
			}
		}
		b.Free()
	default:
		b.Free()
	}
}

// icmpQuoteMax keeps an error message within 576 bytes (RFC 1812
// §4.3.2.3): 576 - 20 (IP) - 8 (ICMP).
const icmpQuoteMax = 548

// icmpError sends an ICMP error about the datagram in b (b starts at its
// IPv4 header; icmpError only reads it, the caller keeps b). It applies the
// RFC 1122 §3.2.2 / RFC 1812 §4.3.2.7 "never send" rules and the rate limit.
func (ip *IPv4) icmpError(b *mbuf.Buf, typ wire.ICMPv4Type, code uint8, rest uint32) {
	st := &ip.st
	d := b.Bytes()
	if len(d) < wire.IPv4MinHeaderLen {
		return
	}
	h := wire.IPv4(d)
	hl := h.HeaderLen()
	src := h.Src()
	switch {
	case h.FragmentOffset() != 0, // not the first fragment
		b.Meta.Flags&(mbuf.FlagBroadcast|mbuf.FlagMulticast) != 0, // link-layer broadcast
		src == wire.Addr4{}, src[0] >= 224, // source not a unicast host
		h.Dst()[0] >= 224:
		return
	}
	if h.Protocol() == wire.IPProtocolICMP {
		// Never about an ICMP error; an unknown type counts as an error.
		if len(d) < hl+1 || wire.ICMPv4Type(d[hl]).IsError() {
			return
		}
	}
	if !ip.icmp.allow(ip.o.Clock.Now()) {
		st.icmpOutRateLimited.Add(1)
		return
	}
	q := min(b.PktLen(), icmpQuoteMax)
	nb, err := ip.pool.Get()
	if err != nil {
		st.outNoBuffers.Add(1)
		return
	}
	m, _ := nb.Append(wire.ICMPv4HeaderLen + q)
	b.CopyAt(0, m[wire.ICMPv4HeaderLen:])
	msg := wire.ICMPv4(m)
	msg.SetType(typ)
	msg.SetCode(code)
	msg.SetChecksum(0)
	msg.SetRest(rest)
	msg.UpdateChecksum()
	st.icmpOutMsgs.Add(1)
	var from wire.Addr4
	if ip.s.LocalInterface(h.Dst()) != 0 {
		from = h.Dst() // about a datagram to us: answer from that address
	}
	_ = ip.Output(nb, Header{Src: from, Dst: src, Protocol: wire.IPProtocolICMP, TOS: 0xc0})
}
