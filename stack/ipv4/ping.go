package ipv4

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/internal/echo"
	"github.com/gopkt/gopkt/stack/wire"
)

// PingOptions shape one echo request.
type PingOptions struct {
	Size int   // data bytes after the ICMP header; 0 means 56 (ping's default)
	TTL  uint8 // 0 means the default TTL
	DF   bool  // set don't fragment
	Src  netip.Addr
	// ID and Seq are the echo identifier and sequence number (RFC 792). A
	// session of pings, as the ping tool sends, uses one ID from NewPingID
	// and counts Seq up from 1. ID 0 picks a fresh identifier and, with
	// Seq 0, sequence number 1.
	ID, Seq uint16
}

// PingReply is a matched echo reply.
type PingReply struct {
	From netip.Addr
	Seq  uint16
	Size int // data bytes, verified against what was sent
	TTL  uint8
	RTT  time.Duration
}

// PingError is an ICMP error (time exceeded, destination unreachable)
// received for our echo request. It matches ErrTimeExceeded or
// ErrUnreachable with errors.Is.
type PingError struct {
	From netip.Addr
	Type wire.ICMPv4Type
	Code uint8
}

func (e *PingError) Error() string {
	return fmt.Sprintf("ipv4: ping: ICMP type %d code %d from %v", e.Type, e.Code, e.From)
}

// Unwrap maps the type to a sentinel.
func (e *PingError) Unwrap() error {
	if e.Type == wire.ICMPv4TimeExceeded {
		return ErrTimeExceeded
	}
	return ErrUnreachable
}

// NewPingID returns an echo identifier no other ping session of this stack
// is using (it counts up, skipping 0).
func (ip *IPv4) NewPingID() uint16 { return ip.icmp.pings.NewID() }

// Ping sends one ICMP echo request to dst and waits for the reply, an ICMP
// error about it (*PingError), or the end of ctx. The reply's data is
// checked byte for byte against what was sent.
func (ip *IPv4) Ping(ctx context.Context, dst netip.Addr, o PingOptions) (PingReply, error) {
	if !dst.Is4() {
		return PingReply{}, fmt.Errorf("ipv4: ping %v: not an IPv4 address", dst)
	}
	if o.Size == 0 {
		o.Size = 56
	}
	if o.Size < 0 || o.Size > 0xffff-wire.IPv4MinHeaderLen-wire.ICMPv4HeaderLen {
		return PingReply{}, fmt.Errorf("ipv4: ping size %d: %w", o.Size, ErrTooBig)
	}
	t := &ip.icmp.pings
	id, seq := o.ID, o.Seq
	if id == 0 {
		id = ip.NewPingID()
		if seq == 0 {
			seq = 1
		}
	}
	data := make([]byte, wire.ICMPv4HeaderLen+o.Size)
	echo.Fill(data[wire.ICMPv4HeaderLen:])
	f := wire.ICMPv4Fields{Type: wire.ICMPv4Echo, Rest: wire.EchoRest(id, seq)}
	msg, _ := f.Encode(data)
	msg.UpdateChecksum()
	w, err := t.Wait(id, seq, o.Size)
	if err != nil {
		return PingReply{}, fmt.Errorf("ipv4: ping %v: identifier %d sequence %d: %w", dst, id, seq, err)
	}
	defer w.Done()
	b, err := ip.NewPacket(0, data) // the ICMP header is in data
	if err != nil {
		return PingReply{}, err
	}
	var src wire.Addr4
	if o.Src.Is4() {
		src = o.Src.As4()
	}
	if err := ip.Output(b, Header{Src: src, Dst: dst.As4(), Protocol: wire.IPProtocolICMP, TTL: o.TTL, DF: o.DF}); err != nil {
		return PingReply{}, err
	}
	r, err := w.Result(ctx)
	if err != nil {
		return PingReply{Seq: seq}, err
	}
	return PingReply{From: r.From, Seq: seq, Size: r.Size, TTL: r.TTL, RTT: r.RTT}, nil
}

// pingReply matches an echo reply (b at the ICMP header) and frees b.
func (ip *IPv4) pingReply(b *mbuf.Buf, m Meta) {
	msg := wire.ICMPv4(b.Bytes())
	ip.icmp.pings.Reply(b, wire.ICMPv4HeaderLen, msg.ID(), msg.Seq(), netip.AddrFrom4(m.Src), m.TTL)
	b.Free()
}

// pingError matches an ICMP error quoting one of our echo requests.
func (ip *IPv4) pingError(msg wire.ICMPv4, m Meta) {
	q, ok := quotedHeader(msg.Payload())
	if !ok || q.Protocol() != wire.IPProtocolICMP {
		return
	}
	inner := msg.Payload()[q.HeaderLen():]
	if len(inner) < wire.ICMPv4HeaderLen || wire.ICMPv4Type(inner[0]) != wire.ICMPv4Echo {
		return
	}
	e := wire.ICMPv4(inner)
	from := netip.AddrFrom4(m.Src)
	ip.icmp.pings.Error(e.ID(), e.Seq(), from, &PingError{From: from, Type: msg.Type(), Code: msg.Code()})
}

// quotedHeader checks the IPv4 header quoted in an ICMP error: the header
// must be whole, but Total Length describes the original datagram, of which
// only a prefix is quoted, so it is not checked.
func quotedHeader(b []byte) (wire.IPv4, bool) {
	if len(b) < wire.IPv4MinHeaderLen || b[0]>>4 != 4 {
		return nil, false
	}
	hl := int(b[0]&0xf) * 4
	if hl < wire.IPv4MinHeaderLen || hl > len(b) {
		return nil, false
	}
	return wire.IPv4(b), true
}
