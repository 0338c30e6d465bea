package ipv6

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
	Size     int   // data bytes after the ICMPv6 header; 0 means 56
	HopLimit uint8 // 0 means the default
	Src      netip.Addr
	// IfIndex is the interface for a link-local or multicast destination
	// (a zone on dst, an interface name, is looked up when this is 0).
	IfIndex int
	// ID and Seq are the echo identifier and sequence number (RFC 4443
	// §4.1); ID 0 picks a fresh identifier and, with Seq 0, sequence 1.
	ID, Seq uint16
}

// PingReply is a matched echo reply.
type PingReply struct {
	From     netip.Addr
	Seq      uint16
	Size     int // data bytes, verified against what was sent
	HopLimit uint8
	RTT      time.Duration
}

// PingError is an ICMPv6 error received for our echo request. It matches
// ErrTimeExceeded or ErrUnreachable with errors.Is.
type PingError struct {
	From netip.Addr
	Type wire.ICMPv6Type
	Code uint8
}

func (e *PingError) Error() string {
	return fmt.Sprintf("ipv6: ping: ICMPv6 type %d code %d from %v", e.Type, e.Code, e.From)
}

// Unwrap maps the type to a sentinel.
func (e *PingError) Unwrap() error {
	if e.Type == wire.ICMPv6TimeExceeded {
		return ErrTimeExceeded
	}
	return ErrUnreachable
}

// NewPingID returns an echo identifier no other ping session of this
// instance is using.
func (ip *IPv6) NewPingID() uint16 { return ip.icmp.pings.NewID() }

// Ping sends one echo request to dst and waits for the reply, an ICMPv6
// error about it (*PingError), or the end of ctx. The reply's data is
// checked byte for byte. Requests larger than the path MTU are fragmented.
func (ip *IPv6) Ping(ctx context.Context, dst netip.Addr, o PingOptions) (PingReply, error) {
	if !dst.Is6() || dst.Is4In6() {
		return PingReply{}, fmt.Errorf("ipv6: ping %v: not an IPv6 address", dst)
	}
	if o.Size == 0 {
		o.Size = 56
	}
	if o.Size < 0 || o.Size > 0xffff-wire.ICMPv6HeaderLen {
		return PingReply{}, fmt.Errorf("ipv6: ping size %d: %w", o.Size, ErrTooBig)
	}
	if o.IfIndex == 0 && dst.Zone() != "" {
		ifc := ip.s.InterfaceByName(dst.Zone())
		if ifc == nil {
			return PingReply{}, fmt.Errorf("ipv6: ping %v: %w", dst, ErrNoInterface)
		}
		o.IfIndex = ifc.Index()
	}
	d16 := dst.As16()
	var src [16]byte
	if o.Src.IsValid() {
		src = o.Src.As16()
	} else {
		var err error
		if src, err = ip.SourceAddr(d16, o.IfIndex); err != nil {
			return PingReply{}, fmt.Errorf("ipv6: ping %v: %w", dst, err)
		}
	}
	t := &ip.icmp.pings
	id, seq := o.ID, o.Seq
	if id == 0 {
		id = ip.NewPingID()
		if seq == 0 {
			seq = 1
		}
	}
	data := make([]byte, wire.ICMPv6HeaderLen+o.Size)
	echo.Fill(data[wire.ICMPv6HeaderLen:])
	msg := wire.ICMPv6(data)
	msg.SetType(wire.ICMPv6EchoRequest)
	msg.SetRest(uint32(id)<<16 | uint32(seq))
	w, err := t.Wait(id, seq, o.Size)
	if err != nil {
		return PingReply{}, fmt.Errorf("ipv6: ping %v: identifier %d sequence %d: %w", dst, id, seq, err)
	}
	defer w.Done()
	b, err := ip.NewPacket(0, data)
	if err != nil {
		return PingReply{}, err
	}
	wire.ICMPv6(b.Bytes()).SetChecksum(checksum(b, src, d16))
	ip.st.icmpOutMsgs.Add(1)
	ip.st.icmpOutEchos.Add(1)
	if err := ip.Output(b, Header{Src: src, Dst: d16, Protocol: wire.IPProtocolICMPv6, HopLimit: o.HopLimit, IfIndex: o.IfIndex}); err != nil {
		return PingReply{}, err
	}
	r, err := w.Result(ctx)
	if err != nil {
		return PingReply{Seq: seq}, err
	}
	return PingReply{From: r.From, Seq: seq, Size: r.Size, HopLimit: r.TTL, RTT: r.RTT}, nil
}

// pingReply matches an echo reply (b at the ICMPv6 header) and frees b.
func (ip *IPv6) pingReply(b *mbuf.Buf, m Meta) {
	msg := wire.ICMPv6(b.Bytes())
	ip.icmp.pings.Reply(b, wire.ICMPv6HeaderLen, msg.ID(), msg.Seq(), netip.AddrFrom16(m.Src), m.HopLimit)
	b.Free()
}

// pingError matches an error quoting one of our echo requests (its
// ICMPv6 header at off in quote).
func (ip *IPv6) pingError(msg wire.ICMPv6, quote wire.IPv6, off int, m Meta) {
	inner := quote[off:]
	if wire.ICMPv6Type(inner[0]) != wire.ICMPv6EchoRequest {
		return
	}
	e := wire.ICMPv6(inner)
	from := netip.AddrFrom16(m.Src)
	ip.icmp.pings.Error(e.ID(), e.Seq(), from, &PingError{From: from, Type: msg.Type(), Code: msg.Code()})
}
