package tcp

import (
	"syscall"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// input runs the state machine for one segment (RFC 9293 §3.10.7); b is
// the payload (possibly empty), owned here.
func (c *Conn) input(s *segment, b *mbuf.Buf) {
	c.mu.Lock()
	c.process(s, b)
	if c.state != Closed {
		if c.ackNow {
			c.sendAck()
		}
		c.schedule()
	}
	c.mu.Unlock()
}

func (c *Conn) process(s *segment, b *mbuf.Buf) {
	switch c.state {
	case Closed:
		b.Free()
		if !s.has(wire.TCPFlagRST) {
			c.t.sendResetFor(c.k, s) // §3.10.7.1
		}
		return
	case SynSent:
		b.Free()
		c.synSent(s)
		return
	}
	// §3.10.7.4, "Otherwise". PAWS first (RFC 7323 §5.3 R1).
	if c.tsOK && s.hasTS && !s.has(wire.TCPFlagRST) && seqLT(s.tsVal, c.tsRecent) {
		c.t.st.dropPAWS.Add(1)
		b.Free()
		c.oowAck(s)
		return
	}
	// RFC 7323 §3.2: once negotiated, a segment without timestamps MAY
	// be dropped; Linux accepts them, and so do we.
	// First: sequence number acceptability (§3.10.7.4 table), against
	// the farthest edge we advertised: the window scale's rounding moves
	// the advertised edge left by up to 2^S-1 bytes between ACKs (RFC
	// 7323 §2.4, appendix F), and a peer that filled the earlier window
	// did nothing wrong (RFC 9293 §3.8.6: the receiver SHOULD NOT shrink
	// the window, the sender MUST be robust to it). Trimming its tail
	// there cost a retransmission and a hole a flight long behind it.
	wnd := c.rcvAdvMax - c.rcvNxt
	if int32(wnd) < 0 {
		wnd = 0
	}
	if !c.acceptable(s, wnd) {
		c.t.st.dropOutOfWindow.Add(1)
		b.Free()
		if !s.has(wire.TCPFlagRST) {
			c.oowAck(s)
		}
		return
	}
	if c.keepalive {
		c.kaSent = 0
		c.kaAt = c.t.now() + int64(c.kaIdle)
	}
	// Second: RST (RFC 5961 §3.2: only an exact match resets; any other
	// in-window RST draws a challenge ACK).
	if s.has(wire.TCPFlagRST) {
		b.Free()
		if s.seq != c.rcvNxt {
			c.challengeACK()
			return
		}
		switch c.state {
		case SynReceived:
			if c.active {
				c.closeLocked(syscall.ECONNREFUSED)
			} else {
				c.closeLocked(nil) // back to LISTEN: the listener never saw it
			}
		case Established, FinWait1, FinWait2, CloseWait:
			c.t.st.estabResets.Add(1)
			c.closeLocked(syscall.ECONNRESET)
		default: // CLOSING, LAST-ACK, TIME-WAIT
			c.closeLocked(nil)
		}
		return
	}
	// Fourth: SYN in a synchronized state (RFC 5961 §4.2: challenge ACK
	// whatever its sequence number).
	if s.has(wire.TCPFlagSYN) {
		b.Free()
		if c.state == SynReceived && !c.active && s.seq == c.irs {
			c.sendSyn() // our SYN-ACK was lost: the peer retransmitted its SYN
			return
		}
		c.challengeACK()
		return
	}
	// Fifth: ACK.
	if !s.has(wire.TCPFlagACK) {
		c.t.st.dropNoACK.Add(1)
		b.Free()
		return
	}
	// RFC 7323 §4.3: remember the timestamp to echo.
	if c.tsOK && s.hasTS && seqLEQ(s.seq, c.lastAckSent) {
		c.tsRecent = s.tsVal
	}
	if c.state == SynReceived {
		if !(seqLT(c.sndUna, s.ack) && seqLEQ(s.ack, c.sndMax)) {
			b.Free()
			_ = c.t.emit(&c.r, &segOut{seq: s.ack, flags: wire.TCPFlagRST})
			return
		}
		c.sndWnd = uint32(s.wnd) << c.sndWS
		c.maxSndWnd = c.sndWnd
		c.sndWL1, c.sndWL2 = s.seq, s.ack
		c.establishedLocked()
		if l := c.l; l != nil {
			c.l = nil
			l.halfOpenDone()
			if !l.deliver(c) {
				b.Free()
				c.sendRst()
				c.closeLocked(syscall.ECONNRESET)
				return
			}
		}
	}
	if !c.processAck(s) {
		b.Free()
		return
	}
	switch c.state {
	case FinWait1:
		if c.finAcked() {
			c.state = FinWait2
			c.sb.release() // the send side is done
			if c.userClosed {
				c.endAt = c.t.now() + int64(c.t.o.FinWait2Timeout)
			}
		}
	case Closing:
		if c.finAcked() {
			c.enterTimeWait()
		}
	case LastAck:
		if c.finAcked() {
			b.Free()
			c.closeLocked(nil)
			return
		}
	case TimeWait:
		if s.has(wire.TCPFlagFIN) { // a retransmitted FIN: ACK it, restart 2·MSL
			c.ackNow = true
			c.enterTimeWait()
		}
		b.Free()
		return
	}
	// Seventh: segment text.
	seq := s.seq
	if s.dataLen > 0 {
		if !c.state.canRecvData() {
			b.Free() // the peer sent data after its FIN: ignore (§3.10.7.4)
		} else if c.userClosed {
			// Data for a socket nobody reads: RFC 9293 §3.10.4 (RFC 1122
			// §4.2.2.13) aborts with RST, as Linux does.
			b.Free()
			c.sendRst()
			c.closeLocked(nil)
			return
		} else {
			c.rcvMeasure(s)
			c.receiveData(seq, s.dataLen, b, wnd)
		}
	} else {
		b.Free()
	}
	// Eighth: FIN.
	if s.has(wire.TCPFlagFIN) {
		finSeq := seq + uint32(s.dataLen)
		if finSeq == c.rcvNxt {
			c.receiveFin()
		} else if seqGT(finSeq, c.rcvNxt) && inWindow(finSeq, c.rcvNxt, wnd+1) {
			c.oooFin, c.oooFinSeq = true, finSeq
		}
	}
}

// oowAck answers an unacceptable segment with an ACK (RFC 9293
// §3.10.7.4), at most one per 500 ms for segments without data, as
// Linux's tcp_invalid_ratelimit: two ends that disagree about the
// sequence space (one side fooled by a forged segment) would otherwise
// answer each other's ACKs forever, an ACK storm. Data segments are
// always answered: they are a peer retransmitting, not a loop.
func (c *Conn) oowAck(s *segment) {
	if s.dataLen > 0 && !s.has(wire.TCPFlagSYN) {
		c.ackNow = true
		return
	}
	now := c.t.now()
	if c.lastOOWAck != 0 && now-c.lastOOWAck < int64(500*time.Millisecond) {
		c.t.st.oowAckLimited.Add(1)
		return
	}
	c.lastOOWAck = now
	c.ackNow = true
}

// acceptable is the §3.10.7.4 table. A segment carrying data at RCV.NXT
// into a zero window is accepted for its ACK (the data is dropped later).
func (c *Conn) acceptable(s *segment, wnd uint32) bool {
	n := s.seqLen()
	if n == 0 {
		if wnd == 0 {
			return s.seq == c.rcvNxt
		}
		return inWindow(s.seq, c.rcvNxt, wnd)
	}
	if wnd == 0 {
		return s.seq == c.rcvNxt
	}
	return inWindow(s.seq, c.rcvNxt, wnd) || inWindow(s.seq+n-1, c.rcvNxt, wnd) ||
		(seqLT(s.seq, c.rcvNxt) && seqGT(s.seq+n, c.rcvNxt+wnd)) // covers the whole window
}

// challengeACK is RFC 5961's answer to a suspicious RST, SYN or ACK: an
// ACK telling a legitimate peer where we are, rate limited (§7).
func (c *Conn) challengeACK() {
	if c.t.challengeAllowed() {
		c.t.st.challengeACKs.Add(1)
		c.sendAck()
	} else {
		c.t.st.rstIgnored.Add(1)
	}
}

// synSent is §3.10.7.3.
func (c *Conn) synSent(s *segment) {
	ackOK := false
	if s.has(wire.TCPFlagACK) {
		if seqLEQ(s.ack, c.iss) || seqGT(s.ack, c.sndMax) {
			if !s.has(wire.TCPFlagRST) {
				_ = c.t.emit(&c.r, &segOut{seq: s.ack, flags: wire.TCPFlagRST})
			}
			return
		}
		ackOK = true
	}
	if s.has(wire.TCPFlagRST) {
		if ackOK {
			c.t.st.attemptFails.Add(1)
			c.closeLocked(syscall.ECONNREFUSED)
		}
		return
	}
	if !s.has(wire.TCPFlagSYN) {
		return
	}
	c.irs = s.seq
	c.rcvNxt = s.seq + 1
	// Our SYN's window (unscaled, RFC 7323 §2.2) counts from the peer's
	// ISN, unknown when sendSyn recorded the edges from a RCV.NXT of
	// nothing: without this, window() kept that stray edge as one never
	// to move left, and half of all active opens (those whose peer ISN
	// fell below it in sequence space) advertised the largest window the
	// field holds, 8 MB, that the receive quota then refused.
	c.rcvAdv = c.rcvNxt + uint32(min(c.rcvbuf, 0xffff))
	c.rcvEdge, c.rcvAdvMax = c.rcvAdv, c.rcvAdv
	c.negotiate(s)
	if c.tsOK {
		c.tsRecent = s.tsVal
	}
	if ackOK {
		c.sndUna = s.ack
		c.sndWnd = uint32(s.wnd) // not scaled in a SYN (RFC 7323 §2.2)
		c.maxSndWnd = c.sndWnd
		c.sndWL1, c.sndWL2 = s.seq, s.ack
		c.rtoAt, c.backoff = 0, 0
		if c.tsOK && s.tsEcr != 0 {
			c.sampleRTT(time.Duration(c.tsNow()-s.tsEcr) * time.Millisecond)
		} else if c.rttTiming {
			c.sampleRTT(time.Duration(c.t.now() - c.rttStart))
		}
		c.rttTiming = false
		c.establishedLocked()
		c.sendAck()
		c.output() // data queued before the handshake ended
		c.wakeWriters()
		return
	}
	// Simultaneous open (§3.5, Figure 8): SYN-RECEIVED, SYN-ACK with our ISS.
	c.state = SynReceived
	c.sndNxt = c.iss
	c.sendSyn()
}

// processAck is §3.10.7.4's fifth step for ESTABLISHED and later states:
// RFC 5961 §5.2 acceptability, SND.UNA advance, RTT sampling, congestion
// control, loss detection and the window update. False: drop the segment.
func (c *Conn) processAck(s *segment) bool {
	ack := s.ack
	if seqGT(ack, c.sndMax) { // acknowledges data never sent
		c.oowAck(s)
		return false
	}
	if seqLT(ack, c.sndUna-c.maxSndWnd) { // RFC 5961 §5.2: too old
		c.challengeACK()
		return false
	}
	wnd := uint32(s.wnd) << c.sndWS
	now := c.t.now()
	dsack, newSACKed := false, 0
	if c.sackOK && s.nSACK > 0 {
		dsack = isDSACK(s)
		for i := range s.nSACK {
			blk := s.sack[i]
			// Only blocks within (SND.UNA, SND.MAX] mean anything (RFC 2018
			// §5; D-SACKs below SND.UNA only grow RACK's window).
			if seqLT(blk.start, blk.end) && seqGT(blk.end, ack) && seqLEQ(blk.end, c.sndMax) && seqGEQ(blk.start, c.sndUna) {
				newSACKed += c.applySACK(sackBlock{seqMax(blk.start, ack), blk.end}, s, now)
			}
		}
	}
	dup := false
	if seqGT(ack, c.sndUna) {
		c.newAck(s, ack, now)
	} else if ack == c.sndUna && s.dataLen == 0 && !s.has(wire.TCPFlagFIN) && c.sndMax != c.sndUna &&
		(c.sackOK && newSACKed > 0 || !c.sackOK && wnd == c.sndWnd) {
		// RFC 5681 §2 DUPLICATE ACKNOWLEDGMENT; with SACK, RFC 6675 §2
		// (e) wants the ACK to SACK new data, whatever its window (Linux's
		// receive window moves even while it reports holes): an ACK whose
		// only block is a D-SACK (our needless retransmission arrived), or
		// an empty segment without blocks, is no sign of loss. (QEMU's
		// e1000 TSO emulation sends an empty PSH segment after each
		// super-frame of the guest's Linux: three of those counted as
		// duplicate ACKs started a needless recovery every few frames.)
		dup = true
		c.dupAck()
	}
	// RFC 8985 §6.2: RACK's loss detection on every ACK; its marks start
	// recovery (RFC 6675 §5) or feed the one running.
	if c.rackOnAck(dsack, now) {
		c.lossDetected()
	}
	c.tlpAcked(ack, dsack, dup)
	// Window update (§3.10.7.4): from the newest segment only.
	if seqLT(c.sndWL1, s.seq) || (c.sndWL1 == s.seq && seqLEQ(c.sndWL2, ack)) {
		if wnd > c.sndWnd {
			c.wakeWriters()
		}
		c.sndWnd = wnd
		c.sndWL1, c.sndWL2 = s.seq, ack
		c.maxSndWnd = max(c.maxSndWnd, wnd)
	}
	c.output()
	return true
}

// newAck handles an ACK that advances SND.UNA.
func (c *Conn) newAck(s *segment, ack uint32, now int64) {
	acked := int(ack - c.sndUna)
	// Data bytes leave the send buffer (the FIN is not in it).
	if seqGT(ack, c.sbSeq) {
		n := min(int(ack-c.sbSeq), c.sb.n)
		c.sb.consume(n)
		c.sbSeq += uint32(n)
	}
	c.sndUna = ack
	if seqLT(c.sndNxt, ack) {
		c.sndNxt = ack
	}
	if seqLT(c.highRxt, ack) {
		c.highRxt = ack
	}
	c.ackRecords(ack, s, now)
	// A cumulative ACK that stops at data the receiver SACKed: it reneged
	// (RFC 2018 §8) and dropped what it had queued out of order. The
	// marks go, and, as in Linux's tcp_check_sack_reneging, the RTO fires
	// shortly (half an SRTT, at least 10 ms) to resend from SND.UNA.
	reneged := false
	if r := c.board.live(); len(r) > 0 && r[0].flags&recSACKed != 0 {
		c.t.st.sackReneging.Add(1)
		c.board.forgetSACKs()
		reneged = true
	}
	// RTT (RFC 7323 §4.1 with timestamps; else one timed segment, Karn).
	if c.tsOK && s.hasTS && s.tsEcr != 0 {
		c.sampleRTT(time.Duration(c.tsNow()-s.tsEcr) * time.Millisecond)
	} else if c.rttTiming && seqGT(ack, c.rttSeq) {
		c.rttTiming = false
		c.sampleRTT(time.Duration(c.t.now() - c.rttStart))
	}
	c.backoff = 0
	c.tlpOut = false
	if c.rtoRecovery && seqGEQ(ack, c.recover) {
		// RTO recovery is over (RFC 6675 §5.1: fast recovery may start
		// again from here; RFC 8985 §6.2 step 4 counts it as a recovery).
		c.rtoRecovery = false
		c.rackRecoveryEnded()
	}
	if c.inRecovery {
		if seqGEQ(ack, c.recover) {
			// Full acknowledgment: leave recovery (RFC 6582 §3.2 step 3,
			// option 1; RFC 6675 §5).
			c.inRecovery = false
			c.rackRecoveryEnded()
			c.cc.setCwnd(min(c.cc.ssthresh(), max(c.flight(), 0)+c.mss))
		} else if !c.sackOK {
			// Partial acknowledgment (RFC 6582 §3.2 step 5): resend the
			// next hole, deflate by what was acked, add one segment back.
			c.retransmitFirst()
			c.cc.setCwnd(max(c.cc.cwnd()-acked, 0) + c.mss)
			c.rtoAt = now + int64(c.currentRTO())
		}
	} else {
		c.cc.onAck(acked, c.mss, int64(c.srtt), now)
	}
	c.dupAcks = 0
	// RFC 6298 §5.2/5.3: stop the timer when everything is acknowledged,
	// else restart it.
	switch {
	case c.sndUna == c.sndMax:
		c.rtoAt = 0
	case reneged:
		c.rtoAt = now + int64(max(c.srtt/2, 10*time.Millisecond))
	default:
		c.rtoAt = now + int64(c.currentRTO())
	}
	c.wakeWriters()
}

// dupAck counts a duplicate ACK. Without SACK the third starts NewReno
// recovery (RFC 6582 §3.2), unless the ACK belongs to a previous recovery
// (step 2, the "recover" check). With SACK, RACK decides (rack.go), as in
// Linux: a peer that negotiated SACK and sends no blocks is recovered by
// the tail loss probe and the RTO.
func (c *Conn) dupAck() {
	c.dupAcks++
	if c.inRecovery {
		if !c.sackOK {
			c.cc.setCwnd(c.cc.cwnd() + c.mss) // RFC 6582 §3.2 step 4: inflate
		}
		return
	}
	if c.sackOK || c.dupAcks < dupThresh || seqLT(c.sndUna, c.recover) {
		return
	}
	c.enterRecovery()
}

// isDSACK reports a D-SACK (RFC 2883 §4): the first block lies below the
// cumulative ACK or inside the second block.
func isDSACK(s *segment) bool {
	if s.nSACK == 0 {
		return false
	}
	b := s.sack[0]
	if seqLEQ(b.end, s.ack) {
		return true
	}
	return s.nSACK > 1 && seqGEQ(b.start, s.sack[1].start) && seqLEQ(b.end, s.sack[1].end)
}

// enterRecovery starts fast retransmit and recovery (RFC 6675 §5 with
// SACK, RFC 6582 §3.2 without).
func (c *Conn) enterRecovery() {
	c.inRecovery = true
	c.recover = c.sndMax
	c.t.st.fastRetrans.Add(1)
	c.cc.onLoss(c.flight(), c.mss, c.t.now())
	c.rttTiming = false
	if c.sackOK {
		c.t.st.sackRecoveries.Add(1)
		c.highRxt = c.sndUna
		c.recoveryOutput(false)
		return
	}
	c.retransmitFirst()
	c.cc.setCwnd(c.cc.ssthresh() + 3*c.mss) // RFC 5681 §3.2 step 4
}

// finAcked reports that our FIN is acknowledged.
func (c *Conn) finAcked() bool {
	return c.finQueued && seqGT(c.sndUna, c.dataEnd())
}

// enterTimeWait starts (or restarts) the 2·MSL wait (§3.6.1).
func (c *Conn) enterTimeWait() {
	c.state = TimeWait
	c.sb.release()
	c.rtoAt, c.persistAt, c.kaAt = 0, 0, 0
	c.endAt = c.t.now() + int64(2*c.t.o.MSL)
	c.wakeReaders()
	c.wakeWriters()
}

// receiveData queues payload b (n bytes at seq) in order or out of order,
// trimmed to the window, and decides on the ACK (RFC 9293 §3.8.6.3,
// RFC 5681 §4.2: immediately for out-of-order data and for data filling a
// gap, else every second full segment or after the delayed-ACK timer).
func (c *Conn) receiveData(seq uint32, n int, b *mbuf.Buf, wnd uint32) {
	// Trim what we already have.
	if seqLT(seq, c.rcvNxt) {
		cut := int(c.rcvNxt - seq)
		if cut >= n {
			b.Free()
			c.ackNow = true // a duplicate: tell the peer where we are
			return
		}
		trimFront(&b, cut)
		seq, n = c.rcvNxt, n-cut
	}
	// Trim what lies beyond the window.
	if over := int(seq+uint32(n)-c.rcvNxt) - int(wnd); over > 0 {
		if over >= n {
			b.Free()
			c.ackNow = true
			return
		}
		trimBack(b, n-over)
		n -= over
	}
	if seq == c.rcvNxt {
		hadGap := len(c.rq.ooo) > 0
		if !c.queueChain(b, seq, true) {
			c.ackNow = true
			return
		}
		c.rcvNxt = c.rq.pullOOO(c.rcvNxt)
		c.wakeReaders()
		if hadGap {
			c.ackNow = true
		} else {
			c.ackPending++
			if c.ackPending >= 2 {
				c.ackNow = true
			} else if c.dackAt == 0 {
				c.dackAt = c.t.now() + int64(c.t.o.DelayedAck)
			}
		}
		if c.oooFin && c.oooFinSeq == c.rcvNxt {
			c.oooFin = false
			c.receiveFin()
		}
		return
	}
	c.t.st.ooo.Add(1)
	c.queueChain(b, seq, false)
	c.ackNow = true
}

// queueChain queues every non-empty segment of chain b (data from seq)
// in order or out of order. A refusal by the quota drops the rest of the
// chain (counted) and returns false when nothing was queued.
func (c *Conn) queueChain(b *mbuf.Buf, seq uint32, inOrder bool) bool {
	queued := false
	for b != nil {
		next := b.Next()
		b.SetNext(nil)
		n := b.Len()
		if n == 0 {
			b.Free()
			b = next
			continue
		}
		var ok bool
		if inOrder {
			ok = c.rq.push(b)
		} else {
			ok = c.rq.insertOOO(seq, b)
		}
		if !ok {
			c.t.st.dropQuota.Add(1)
			b.Free()
			if next != nil {
				next.Free()
			}
			if inOrder && queued {
				// Part of the segment is in: RCV.NXT moves only over it.
				return true
			}
			return queued
		}
		queued = true
		seq += uint32(n)
		if inOrder {
			c.rcvNxt = seq
		}
		b = next
	}
	return queued
}

// receiveFin takes the peer's FIN in sequence (§3.10.7.4, eighth step).
func (c *Conn) receiveFin() {
	c.rcvNxt++
	c.finRcvd = true
	c.ackNow = true
	switch c.state {
	case SynReceived, Established:
		c.state = CloseWait
	case FinWait1:
		if c.finAcked() {
			c.enterTimeWait()
		} else {
			c.state = Closing
		}
	case FinWait2:
		c.enterTimeWait()
	}
	c.wakeReaders()
}

// trimFront drops n bytes from the front of chain *b.
func trimFront(b **mbuf.Buf, n int) {
	for n > 0 && *b != nil {
		s := *b
		if s.Len() > n {
			_, _ = s.Pull(n)
			return
		}
		n -= s.Len()
		next := s.Next()
		s.SetNext(nil)
		s.Free()
		*b = next
	}
}

// trimBack shortens chain b to n bytes.
func trimBack(b *mbuf.Buf, n int) {
	for s := b; s != nil; s = s.Next() {
		if s.Len() >= n {
			_ = s.Trim(s.Len() - n)
			if rest := s.Next(); rest != nil {
				s.SetNext(nil)
				rest.Free()
			}
			return
		}
		n -= s.Len()
	}
}
