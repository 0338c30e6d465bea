package tcp

import (
	"encoding/binary"
	"syscall"

	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/wire"
)

// ICMP errors about our segments (RFC 5927, RFC 1122 §4.2.3.9, RFC 4443
// §3, RFC 1191, RFC 8201).
//
// RFC 5927 §4.1: the quoted sequence number must lie in SND.UNA..SND.MAX,
// or the message is ignored (a blind attacker does not know it).
// Unreachables: RFC 1122 §4.2.3.9 makes codes 2-4 hard errors, the others
// soft; like Linux we act only on a connection still in SYN-SENT, where
// the error ends the attempt (ECONNREFUSED for port and protocol
// unreachable, EHOSTUNREACH, ENETUNREACH; over IPv6 the errno Linux's
// icmpv6_err_convert picks); an established connection keeps
// retransmitting until its own timeout (RFC 5461 §4: soft errors do not
// abort it).
//
// Path MTU (RFC 1191 §6.3-6.5, RFC 8201 §4-5.5): fragmentation needed
// with DF (IPv4, the next-hop MTU in the message, at least 576: Linux's
// min_pmtu region) or packet too big (IPv6: what stack/ipv6's PMTU cache
// now holds for the peer, at least 1280) lowers the connection's MSS and
// resends what is in flight at the new size at once, without touching
// the congestion window (RFC 1191 §6.4: not a congestion signal), as
// Linux's tcp_simple_retransmit does. A message can only lower the MSS.
// What a message taught is kept per destination (pmtu4.go), so a new
// IPv4 connection to the same peer starts from it.

// minPMTU4 is the smallest IPv4 path MTU a message can set (RFC 1191 §3
// allows 68; like Linux's min_pmtu of 552 we refuse to go that low: a
// forged tiny MTU would make every segment a few bytes long).
const minPMTU4 = 576

// HandleICMPError implements ipv4.ErrorHandler.
func (t *TCP) HandleICMPError(typ wire.ICMPv4Type, code uint8, quote wire.IPv4) {
	if typ != wire.ICMPv4DestUnreach {
		return
	}
	h := quote[quote.HeaderLen():]
	if len(h) < 8 {
		return
	}
	k := fourTuple{laddr: mapped4(quote.Src()), raddr: mapped4(quote.Dst()),
		lport: binary.BigEndian.Uint16(h[0:2]), rport: binary.BigEndian.Uint16(h[2:4])}
	seq := binary.BigEndian.Uint32(h[4:8])
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
	t.unreachable(k, seq, err)
}

// HandleFragNeeded implements ipv4.PMTUHandler (RFC 1191 §6.3): mtu is
// the next-hop MTU; when a pre-RFC 1191 router left it 0 (§5), the
// quoted packet's length is an upper bound and the MTU steps down the
// §7 plateau table below it.
func (t *TCP) HandleFragNeeded(mtu uint16, quote wire.IPv4) {
	h := quote[quote.HeaderLen():]
	if len(h) < 8 {
		return
	}
	k := fourTuple{laddr: mapped4(quote.Src()), raddr: mapped4(quote.Dst()),
		lport: binary.BigEndian.Uint16(h[0:2]), rport: binary.BigEndian.Uint16(h[2:4])}
	seq := binary.BigEndian.Uint32(h[4:8])
	m := int(mtu)
	if m == 0 || m >= int(quote.TotalLen()) {
		m = minPMTU4
		for _, p := range mtuPlateaus {
			if p < int(quote.TotalLen()) {
				m = p
				break
			}
		}
	}
	c := t.lookupQuoted(&k)
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.state.synchronized() || seqLT(seq, c.sndUna) || seqGEQ(seq, c.sndMax) {
		return
	}
	t.pmtu4.lower(quote.Dst(), max(m, minPMTU4), t.o.Clock.Now(), t.o.PMTUTimeout)
	if c.lowerMSS(m) {
		c.output()
	}
}

// HandleICMPv6Error implements ipv6.ErrorHandler.
func (t *TCP) HandleICMPv6Error(typ wire.ICMPv6Type, code uint8, param uint32, quote wire.IPv6, off int) {
	th := quote[off : off+8]
	k := fourTuple{laddr: quote.Src(), raddr: quote.Dst(), lport: binary.BigEndian.Uint16(th[0:2]), rport: binary.BigEndian.Uint16(th[2:4])}
	seq := binary.BigEndian.Uint32(th[4:8])
	switch {
	case typ == wire.ICMPv6PacketTooBig:
		c := t.lookupQuoted(&k)
		if c == nil {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.state.synchronized() || seqLT(seq, c.sndUna) || seqGEQ(seq, c.sndMax) {
			return
		}
		if c.lowerMSS(int(max(param, ipv6.MinMTU))) {
			c.output()
		}
	case typ == wire.ICMPv6DestUnreach && (code == wire.ICMPv6PortUnreachable):
		t.unreachable(k, seq, syscall.ECONNREFUSED)
	case typ == wire.ICMPv6DestUnreach && code == wire.ICMPv6NoRoute:
		t.unreachable(k, seq, syscall.ENETUNREACH)
	case typ == wire.ICMPv6DestUnreach && code == wire.ICMPv6AdminProhibited:
		t.unreachable(k, seq, syscall.EACCES)
	case typ == wire.ICMPv6DestUnreach:
		t.unreachable(k, seq, syscall.EHOSTUNREACH)
	}
}

// lookupQuoted finds the connection a quoted header belongs to. The quote
// does not say which link a link-local packet left on: the first
// connection with those addresses and ports is taken (a scan, only for
// link-local addresses).
func (t *TCP) lookupQuoted(k *fourTuple) *Conn {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if c := t.conns[*k]; c != nil || k.is4() || !(linkLocal(k.laddr) || linkLocal(k.raddr)) {
		return c
	}
	for ck, c := range t.conns {
		if ck.laddr == k.laddr && ck.raddr == k.raddr && ck.lport == k.lport && ck.rport == k.rport {
			return c
		}
	}
	return nil
}

// unreachable ends a connection attempt the network refused.
func (t *TCP) unreachable(k fourTuple, seq uint32, err error) {
	c := t.lookupQuoted(&k)
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

// mtuPlateaus is RFC 1191 §7's table of common MTUs (the ones at or
// above minPMTU4).
var mtuPlateaus = [...]int{65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 576}

// lowerMSS applies a path MTU of mtu bytes (0: what the network layer
// now reports for the peer): if the MSS it allows is below ours, lower
// ours, go back to SND.UNA to resend the flight in smaller segments
// (clearing the SACK and loss marks, which describe the old segments),
// and report true; the caller then runs output. It never raises the MSS.
func (c *Conn) lowerMSS(mtu int) bool {
	l := c.r.l
	if l == nil {
		return false
	}
	if lm, err := l.MTU(c.r.dst); err == nil && (mtu <= 0 || lm < mtu) {
		mtu = lm
	}
	if mtu <= 0 {
		return false
	}
	floor := minPMTU4
	if !c.k.is4() {
		floor = ipv6.MinMTU
	}
	mss := max(mtu, floor) - l.HeaderLen() - wire.TCPMinHeaderLen
	if c.tsOK {
		mss -= 12
	}
	if mss >= c.mss {
		return false
	}
	c.mss = mss
	c.t.st.mssReduced.Add(1)
	if c.sndUna == c.sndMax {
		return true
	}
	c.tlpOut = false
	c.rk.tlpOn = false
	c.inRecovery = false
	c.dupAcks = 0
	c.board.forgetSACKs()
	c.highRxt = c.sndUna
	c.sndNxt = c.sndUna
	c.rttTiming = false // Karn: the resent data gives no RTT sample
	return true
}

var (
	_ ipv4.ErrorHandler = (*TCP)(nil)
	_ ipv4.PMTUHandler  = (*TCP)(nil)
	_ ipv6.ErrorHandler = (*TCP)(nil)
)
