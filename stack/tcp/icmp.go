package tcp

import (
	"syscall"

	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/wire"
)

// HandleICMPError implements ipv4.ErrorHandler. RFC 5927 §4.1: the quoted
// sequence number must lie in SND.UNA..SND.MAX, or the message is ignored
// (a blind attacker does not know it). RFC 1122 §4.2.3.9: destination
// unreachable codes 2-4 are hard errors, the others soft; like Linux we
// act only on a connection still in SYN-SENT, where the error ends the
// attempt (ECONNREFUSED for port and protocol unreachable, EHOSTUNREACH
// or ENETUNREACH); an established connection keeps retransmitting until
// its own timeout. Fragmentation needed is not used (no PMTU discovery:
// the MSS is clamped to the route's MTU).
func (t *TCP) HandleICMPError(typ wire.ICMPv4Type, code uint8, quote wire.IPv4) {
	if typ != wire.ICMPv4DestUnreach {
		return
	}
	var err error
	switch code {
	case wire.ICMPv4PortUnreachable, wire.ICMPv4ProtoUnreachable:
		err = syscall.ECONNREFUSED
	case wire.ICMPv4HostUnreachable:
		err = syscall.EHOSTUNREACH
	case wire.ICMPv4NetUnreachable:
		err = syscall.ENETUNREACH
	default:
		return
	}
	h := quote[quote.HeaderLen():]
	if len(h) < 8 {
		return
	}
	th := wire.TCP(h[:8:8])
	k := fourTuple{laddr: quote.Src(), raddr: quote.Dst(), lport: th.SrcPort(), rport: th.DstPort()}
	seq := uint32(h[4])<<24 | uint32(h[5])<<16 | uint32(h[6])<<8 | uint32(h[7])
	t.mu.RLock()
	c := t.conns[k]
	t.mu.RUnlock()
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != SynSent || seqLT(seq, c.sndUna) || seqGEQ(seq, c.sndMax) {
		return
	}
	c.t.st.attemptFails.Add(1)
	c.closeLocked(err)
}

var _ ipv4.ErrorHandler = (*TCP)(nil)
