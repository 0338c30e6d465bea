package tcp

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/network"
	"github.com/gopkt/gopkt/stack/wire"
)

// segOut describes a segment to build.
type segOut struct {
	seq, ack uint32
	flags    uint8
	wnd      uint16
	opts     []byte
	sb       *sendBuf // data source (nil: no data)
	off, n   int      // data: n bytes from off bytes after sb's head
}

// route is where a connection's segments go: the network layer of its
// family and the addresses in the form that layer takes (IPv4 as 4 bytes,
// a link-local IPv6 peer with its interface as zone).
type route struct {
	l          network.Layer // nil: that family is not attached
	src, dst   netip.Addr
	lport, rpt uint16
}

// routeFor is k's route.
func (t *TCP) routeFor(k *fourTuple) route {
	r := route{lport: k.lport, rpt: k.rport}
	if k.is4() {
		r.l = t.net4
		r.src = netip.AddrFrom16(k.laddr).Unmap()
		r.dst = netip.AddrFrom16(k.raddr).Unmap()
		return r
	}
	r.l = t.net6
	r.src, r.dst = netip.AddrFrom16(k.laddr), netip.AddrFrom16(k.raddr)
	if k.ifx != 0 && t.ip6 != nil {
		if ifc := t.ip6.Stack().Interface(int(k.ifx)); ifc != nil {
			if linkLocal(k.raddr) {
				r.dst = r.dst.WithZone(ifc.Name())
			}
			if linkLocal(k.laddr) {
				r.src = r.src.WithZone(ifc.Name())
			}
		}
	}
	return r
}

// errPoolEmpty is emit's answer when no buffer was free (the caller's
// timer tries again).
var errPoolEmpty = errors.New("tcp: no buffers")

// tooBig reports whether err is the network layer refusing a segment
// larger than the path MTU (DF / no fragmentation).
func tooBig(err error) bool { return errors.Is(err, ipv4.ErrTooBig) || errors.Is(err, ipv6.ErrTooBig) }

// emitTo is emit for a segment of no connection (resets, SYN cookies).
func (t *TCP) emitTo(k fourTuple, o *segOut) error {
	r := t.routeFor(&k)
	return t.emit(&r, o)
}

// emit builds a segment in place and hands it to the network layer: the
// TCP header at the start of a fresh mbuf's data room with the data
// behind it (chained mbufs when it does not fit one), network and link
// headers pushed into the headroom later. The data is copied once, from
// the send buffer. It returns errPoolEmpty when the pool is empty, the
// network layer's error when it refused the segment (counted in
// OutErrors: lost like on the wire), nil when the segment left.
func (t *TCP) emit(r *route, o *segOut) error {
	hl := wire.TCPMinHeaderLen + (len(o.opts)+3)&^3
	b, err := t.pool.Get()
	if err != nil {
		t.st.dropNoBuffers.Add(1)
		return errPoolEmpty
	}
	first := min(hl+o.n, mbuf.DataRoom)
	d, _ := b.Append(first)
	h := wire.TCP(d)
	h.SetSrcPort(r.lport)
	h.SetDstPort(r.rpt)
	h.SetSeq(o.seq)
	h.SetAck(o.ack)
	d[12] = uint8(hl/4) << 4
	h.SetFlags(o.flags)
	h.SetWindow(o.wnd)
	h.SetChecksum(0)
	h.SetUrgent(0)
	c := copy(d[wire.TCPMinHeaderLen:hl], o.opts)
	clear(d[wire.TCPMinHeaderLen+c : hl])
	if o.n > 0 {
		o.sb.copyAt(d[hl:], o.off)
		done := first - hl
		last := b
		for done < o.n {
			seg, err := t.pool.Get()
			if err != nil {
				b.Free()
				t.st.dropNoBuffers.Add(1)
				return errPoolEmpty
			}
			k := min(o.n-done, mbuf.DataRoom)
			sd, _ := seg.Append(k)
			o.sb.copyAt(sd, o.off+done)
			done += k
			last.SetNext(seg)
			last = seg
		}
	}
	if r.l == nil {
		b.Free()
		t.st.outErrors.Add(1)
		return ErrNotAttached
	}
	n := hl + o.n
	h.SetChecksum(^b.Checksum(r.l.PseudoHeaderSum(wire.IPProtocolTCP, r.src, r.dst, n)))
	t.st.outSegs.Add(1)
	if o.flags&wire.TCPFlagRST != 0 {
		t.st.outRsts.Add(1)
	}
	// DF over IPv4 (RFC 1191); over IPv6 only the source fragments and TCP
	// never asks it to (RFC 8201 §5.5: the MSS follows the path MTU).
	if err := r.l.Send(b, wire.IPProtocolTCP, r.src, r.dst, network.SendOptions{DontFragment: true}); err != nil {
		t.st.outErrors.Add(1) // no route, or larger than the MTU: lost like on the wire
		return err
	}
	return nil
}

// sendResetFor answers a segment that reached no connection (RFC 9293
// §3.10.7.1): with its ACK as our sequence number, or, without ACK, an
// RST+ACK acknowledging all of it.
func (t *TCP) sendResetFor(k fourTuple, s *segment) {
	if s.has(wire.TCPFlagACK) {
		_ = t.emitTo(k, &segOut{seq: s.ack, flags: wire.TCPFlagRST})
		return
	}
	_ = t.emitTo(k, &segOut{seq: 0, ack: s.seq + s.seqLen(), flags: wire.TCPFlagRST | wire.TCPFlagACK})
}

// Option builders. Each returns the bytes written into b.

func putMSS(b []byte, mss uint16) int {
	b[0], b[1] = wire.TCPOptionMSS, 4
	binary.BigEndian.PutUint16(b[2:], mss)
	return 4
}

func putTS(b []byte, val, ecr uint32) int {
	// NOP NOP TS: the layout RFC 7323 Appendix A recommends.
	b[0], b[1], b[2], b[3] = wire.TCPOptionNOP, wire.TCPOptionNOP, wire.TCPOptionTimestamps, 10
	binary.BigEndian.PutUint32(b[4:], val)
	binary.BigEndian.PutUint32(b[8:], ecr)
	return 12
}

// synOptions writes the options of our SYN or SYN-ACK. For a SYN-ACK
// (peer non-nil) an option is echoed only if the peer's SYN had it
// (RFC 7323 §2.2, §3.2; RFC 2018 §2).
func (c *Conn) synOptions(b []byte, peer bool) int {
	o := &c.t.o
	n := putMSS(b, uint16(c.t.routeMSS(&c.k))) // RFC 9293 §3.7.1: MTU − 40 (IPv6: − 60)
	if !o.NoWindowScale && (!peer || c.rcvWS != 0) {
		b[n], b[n+1], b[n+2], b[n+3] = wire.TCPOptionNOP, wire.TCPOptionWindowScale, 3, ourWindowShift
		n += 4
	}
	if !o.NoSACK && (!peer || c.sackOK) {
		b[n], b[n+1], b[n+2], b[n+3] = wire.TCPOptionNOP, wire.TCPOptionNOP, wire.TCPOptionSACKPermitted, 2
		n += 4
	}
	if !o.NoTimestamps && (!peer || c.tsOK) {
		var ecr uint32
		if peer {
			ecr = c.tsRecent
		}
		n += putTS(b[n:], c.tsNow(), ecr)
	}
	return n
}

// dataOptions writes the options of a synchronized segment: timestamps
// (RFC 7323 §3.2, on every segment once negotiated) and SACK blocks
// (RFC 2018 §4, while out-of-order data is held).
func (c *Conn) dataOptions(b []byte) int {
	n := 0
	if c.tsOK {
		n += putTS(b, c.tsNow(), c.tsRecent)
	}
	if c.sackOK && len(c.rq.ooo) > 0 {
		var blks [4]sackBlock
		room := (len(b) - n - 4) / 8 // NOP NOP kind len + 8 per block
		k := c.rq.sackBlocks(blks[:min(room, 4)])
		if k > 0 {
			b[n], b[n+1], b[n+2], b[n+3] = wire.TCPOptionNOP, wire.TCPOptionNOP, wire.TCPOptionSACK, uint8(2+8*k)
			n += 4
			for i := range k {
				binary.BigEndian.PutUint32(b[n:], blks[i].start)
				binary.BigEndian.PutUint32(b[n+4:], blks[i].end)
				n += 8
			}
		}
	}
	return n
}

// window returns the window field to advertise and records the right edge
// (RFC 9293 §3.8.6.2.2: the edge never moves left; the receiver-side
// silly window avoidance opens it only by at least min(buffer/2, MSS)).
func (c *Conn) window() uint16 {
	free := max(c.rcvbuf-c.rq.bytes, 0)
	// What the stack-wide quota can still hold for this socket, one
	// full segment per mbuf: a window beyond it would only invite
	// segments the quota refuses. Its last eighth is kept for queues
	// below the guarantee (recvq.go's charge), so a socket promises from
	// that part only what its guarantee lets it take; and a segment
	// carries the MSS less the timestamp option (RFC 7323 §3).
	if q := c.rq.q; q != nil {
		lim := q.Limit()
		avail := max(lim-lim/8-q.InUse(), rcvGuarantee-c.rq.bufs, 0)
		seg := max(c.mss, 536)
		if c.tsOK {
			seg -= 12
		}
		free = min(free, avail*seg)
	}
	// The edge that never moves left is the one promised (rcvEdge), not
	// the advertised one the scale rounded up: holding that one and
	// rounding it up again on every ACK moved it right by up to 2^S-1
	// bytes each time (RFC 7323 appendix F), past anything free space
	// backed (2.4 KB over 88 segments into a full quota, whose segments
	// it then refused). What the peer sees may move left by less than
	// 2^S between ACKs, as appendix F allows.
	edge := c.rcvNxt + uint32(free)
	if seqLT(edge, c.rcvEdge) {
		edge = c.rcvEdge // never shrink
	} else if int(edge-c.rcvEdge) < min(c.rcvbuf/2, max(c.mss, 536)) && seqGT(c.rcvEdge, c.rcvNxt) {
		edge = c.rcvEdge // not worth announcing yet
	}
	if seqLT(edge, c.rcvNxt) {
		edge = c.rcvNxt
	}
	w := edge - c.rcvNxt
	f := (w + (1 << c.rcvWS) - 1) >> c.rcvWS
	if f > 0xffff {
		f = 0xffff
	}
	c.rcvAdv = c.rcvNxt + f<<c.rcvWS
	c.rcvEdge = edge
	if seqGT(c.rcvAdv, c.rcvAdvMax) {
		c.rcvAdvMax = c.rcvAdv
	}
	if seqLT(c.rcvAdv, edge) {
		c.rcvEdge = c.rcvAdv // the field's limit: promised only what it carried
	}
	return uint16(f)
}

// sendSyn sends our SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED); windows in
// SYN segments are never scaled (RFC 7323 §2.2).
func (c *Conn) sendSyn() {
	var ob [40]byte
	o := segOut{seq: c.iss, flags: wire.TCPFlagSYN}
	if c.state == SynReceived {
		o.flags |= wire.TCPFlagACK
		o.ack = c.rcvNxt
		o.opts = ob[:c.synOptions(ob[:], true)]
	} else {
		o.opts = ob[:c.synOptions(ob[:], false)]
	}
	w := min(c.rcvbuf, 0xffff)
	o.wnd = uint16(w)
	c.rcvAdv = c.rcvNxt + uint32(w)
	c.rcvEdge, c.rcvAdvMax = c.rcvAdv, c.rcvAdv
	_ = c.t.emit(&c.r, &o)
	if seqLT(c.sndNxt, c.iss+1) {
		c.sndNxt = c.iss + 1
	}
	c.sndMax = seqMax(c.sndMax, c.sndNxt)
	if c.rtoAt == 0 {
		c.rtoAt = c.t.now() + int64(c.currentRTO())
	}
}

// sendAck sends a pure ACK now (with SACK blocks and the current window).
func (c *Conn) sendAck() {
	c.sendCtl(c.sndNxt, wire.TCPFlagACK)
}

// sendCtl sends a segment without data at seq with flags (ACK added).
func (c *Conn) sendCtl(seq uint32, flags uint8) {
	var ob [40]byte
	o := segOut{seq: seq, ack: c.rcvNxt, flags: flags | wire.TCPFlagACK}
	if flags&wire.TCPFlagRST == 0 {
		o.opts = ob[:c.dataOptions(ob[:])]
		o.wnd = c.window()
		c.ackSent()
	}
	_ = c.t.emit(&c.r, &o)
}

// ackSent notes that an ACK for everything received went out.
func (c *Conn) ackSent() {
	c.lastAckSent = c.rcvNxt
	c.ackPending = 0
	c.ackNow = false
	c.dackAt = 0
}

// sendRst aborts towards the peer (RFC 9293 §3.10.4 ABORT, §3.10.7.4).
func (c *Conn) sendRst() {
	_ = c.t.emit(&c.r, &segOut{seq: c.sndNxt, ack: c.rcvNxt, flags: wire.TCPFlagRST | wire.TCPFlagACK})
}

// sendData sends n bytes of data starting at seq (plus FIN when fin);
// it is the one place data leaves, new or retransmitted.
func (c *Conn) sendData(seq uint32, n int, fin bool) bool {
	var ob [40]byte
	o := segOut{seq: seq, ack: c.rcvNxt, flags: wire.TCPFlagACK, sb: &c.sb, off: int(seq - c.sbSeq), n: n}
	if fin {
		o.flags |= wire.TCPFlagFIN
	}
	if n > 0 && int(seq-c.sbSeq)+n == c.sb.n {
		o.flags |= wire.TCPFlagPSH // the last data queued (RFC 9293 §3.9.1.2)
	}
	o.opts = ob[:c.dataOptions(ob[:])]
	o.wnd = c.window()
	if err := c.t.emit(&c.r, &o); err != nil {
		if tooBig(err) {
			// The path MTU fell below our segments (learned by another
			// connection, or a route change): follow it and let the
			// caller cut the segment again (RFC 8201 §5.5).
			c.resend = c.lowerMSS(0)
		}
		if err == errPoolEmpty || tooBig(err) {
			return false
		}
	}
	c.ackSent()
	if seqLT(seq, c.sndMax) {
		c.t.st.retransSegs.Add(1)
	}
	if c.sackOK { // the scoreboard's record of it (RFC 8985 §6.2 "upon transmitting")
		end := seq + uint32(n)
		if fin {
			end++
		}
		c.board.sent(seq, end, c.t.now())
	}
	return true
}

// maxData is the most data one segment may carry now: the MSS less the
// SACK option while it is sent (RFC 6691: the MSS counts the options;
// c.mss already has the timestamps taken off). Assumes the largest SACK
// option, so a segment never exceeds the MTU.
func (c *Conn) maxData() int {
	if !c.sackOK || len(c.rq.ooo) == 0 {
		return c.mss
	}
	blocks := 4
	if c.tsOK {
		blocks = 3
	}
	return max(c.mss-4-8*blocks, 1)
}

// dataEnd is the sequence number after the last byte queued.
func (c *Conn) dataEnd() uint32 { return c.sbSeq + uint32(c.sb.n) }

// output sends what the windows allow (RFC 9293 §3.8.6, RFC 5681, RFC
// 6675 during SACK recovery), applying Nagle's algorithm (RFC 1122
// §4.2.3.4) and sender-side silly window avoidance (RFC 9293 §3.8.6.2.1).
func (c *Conn) output() {
	if !c.state.synchronized() || c.state == TimeWait {
		return
	}
	c.resend = false
	if c.sackRecovery() {
		c.recoveryOutput(false)
	}
	end := c.dataEnd()
	for {
		if seqGT(c.sndNxt, end) { // FIN already sent at end
			break
		}
		avail := int(end - c.sndNxt)
		wnd := min(int(c.sndWnd), c.cc.cwnd())
		inflight := int(c.sndNxt - c.sndUna)
		if c.sackRecovery() {
			inflight = c.board.pipe()
		}
		// Never beyond the receiver's window (RFC 9293 §3.8.6.2.1): in
		// recovery pipe counts less than SND.NXT − SND.UNA, and cwnd −
		// pipe alone would send past SND.UNA + SND.WND, which the peer
		// drops and answers with duplicate ACKs.
		usable := min(wnd-inflight, int(int32(c.sndUna+c.sndWnd-c.sndNxt)))
		segMax := c.maxData()
		n := min(avail, segMax, max(usable, 0))
		fin := c.finQueued && n == avail
		if n == 0 && !fin {
			break
		}
		if fin && usable < 0 && n == 0 && c.sndNxt != c.sndUna {
			break // the FIN waits for the window like data
		}
		if n < segMax && !fin {
			// Nagle: hold a small segment while data is unacknowledged.
			if !c.nodelay && c.sndNxt != c.sndUna {
				break
			}
			// SWS: a window-limited small segment waits, unless it is at
			// least half the largest window the peer offered.
			if n < avail && n < int(c.maxSndWnd/2) {
				break
			}
		}
		if !c.sendData(c.sndNxt, n, fin) {
			if c.resend { // the MSS fell and SND.NXT went back: cut again
				c.resend = false
				continue
			}
			c.armRTO()
			break
		}
		if !c.rttTiming && !c.tsOK && c.sndNxt == c.sndMax {
			c.rttTiming, c.rttSeq, c.rttStart = true, c.sndNxt, c.t.now()
		}
		c.sndNxt += uint32(n)
		if fin {
			c.sndNxt++
		}
		c.sndMax = seqMax(c.sndMax, c.sndNxt)
		c.armRTO()
		if fin {
			break
		}
	}
	c.armTLP()
	// Persist (RFC 9293 §3.8.6.1): data waits behind a zero window and
	// nothing is in flight to bring a window update.
	if c.sndWnd == 0 && seqLT(c.sndNxt, end) && c.sndUna == c.sndMax {
		if c.persistAt == 0 {
			c.persistAt = c.t.now() + int64(c.currentRTO())
		}
	} else {
		c.persistAt = 0
	}
	c.schedule()
}

// armRTO starts the retransmission timer if it is not running (RFC 6298
// §5.1).
func (c *Conn) armRTO() {
	if c.rtoAt == 0 && c.sndUna != c.sndMax {
		c.rtoAt = c.t.now() + int64(c.currentRTO())
	}
}

// sackRecovery reports SACK-based loss recovery, fast (RFC 6675 §5) or
// after an RTO (§5.1): output counts pipe, not SND.NXT − SND.UNA, and
// resends what the scoreboard marks lost first.
func (c *Conn) sackRecovery() bool { return c.sackOK && (c.inRecovery || c.rtoRecovery) }

// recoveryOutput sends during SACK-based loss recovery (RFC 6675 §5
// step C): while cwnd − pipe ≥ 1 SMSS, the next segment by NextSeg —
// rule 1, the first segment RACK marked lost — then new data through
// output's loop (rule 2). After an RTO (force) the first goes whatever
// pipe says: RFC 6298 §5.4 resends the earliest segment.
func (c *Conn) recoveryOutput(force bool) {
	for range 64 {
		if !force && c.cc.cwnd()-c.board.pipe() < c.mss {
			return
		}
		force = false
		start, end, ok := c.board.nextLost()
		if !ok {
			return
		}
		dataEnd := c.dataEnd()
		n := 0
		if seqLT(start, dataEnd) {
			n = min(int(seqMin(end, dataEnd)-start), c.maxData())
		}
		fin := c.finQueued && start+uint32(n) == dataEnd && seqGT(end, dataEnd)
		if n == 0 && !fin {
			return
		}
		if !c.sendData(start, n, fin) {
			return
		}
		hi := start + uint32(n)
		if fin {
			hi++
		}
		c.highRxt = seqMax(c.highRxt, hi)
		c.armRTO()
	}
}

// retransmitFirst resends the segment at SND.UNA (fast retransmit, RFC
// 5681 §3.2 step 4; NewReno partial ACKs, RFC 6582 §3.2 step 5).
func (c *Conn) retransmitFirst() {
	end := c.dataEnd()
	n := min(int(end-c.sndUna), c.maxData())
	if seqGEQ(c.sndUna, end) {
		n = 0
	}
	fin := c.finQueued && c.sndUna+uint32(n) == end && seqGT(c.sndMax, end)
	if n == 0 && !fin {
		return
	}
	c.sendData(c.sndUna, n, fin)
	c.highRxt = seqMax(c.highRxt, c.sndUna+uint32(n))
	c.rttTiming = false // Karn
}
