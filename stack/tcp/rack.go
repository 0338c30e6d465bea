package tcp

import "time"

// RACK (RFC 8985 §6): time-based loss detection. A segment is lost when a
// segment sent after it was delivered and more than the reordering
// window has passed since then: "sent at least RACK.rtt + RACK.reo_wnd
// before the newest delivered segment's transmission was acknowledged".
// Its marks on the scoreboard (sack.go) drive RFC 6675 recovery: pipe
// counts them out, NextSeg retransmits them, and a mark on SND.UNA's
// segment starts recovery. It needs SACK; a connection without SACK
// keeps RFC 6582 NewReno with three duplicate ACKs. With it, the old
// early-retransmit rule (RFC 5827) is gone: RACK after a tail loss probe
// covers that case (§7).

// rackState is RFC 8985 §6.1's per-connection state.
type rackState struct {
	xmit    int64  // RACK.xmit_ts: transmission time of the newest delivered segment
	hasXmit bool   // a segment was delivered (xmit, endSeq and rtt are valid)
	endSeq  uint32 // RACK.end_seq
	rtt     int64  // RACK.rtt: the RTT of that segment (ns)
	fack    uint32 // RACK.fack: highest sequence delivered (acked or SACKed)
	hasFack bool
	minRTT  int64 // RACK.min_RTT (Step 1), a windowed minimum
	minAt   int64 // when minRTT was taken
	// Reordering (Step 3) and the reordering window (Step 4).
	reorderingSeen bool
	reoWndMult     int    // RACK.reo_wnd_mult
	reoWndPersist  int    // RACK.reo_wnd_persist
	dsackRound     uint32 // RACK.dsack_round (valid when dsackRoundOn)
	dsackRoundOn   bool
	// TLP episode (§7.4): the probe's SND.NXT and whether it resent data.
	tlpEnd     uint32
	tlpOn      bool
	tlpRetrans bool
}

// minRTTWindow is how long a minimum RTT sample stands before a larger
// one may replace it (RFC 8985 §6.2 Step 1 leaves the filter open;
// Linux keeps 5 minutes, we keep 10 s so a route change shows soon).
const minRTTWindow = int64(10 * time.Second)

// dupThresh is RFC 6675's DupThresh, which RACK uses to size its window.
const dupThresh = 3

func (r *rackState) reset() {
	*r = rackState{reoWndMult: 1}
}

// noteRTT is Step 1: an RTT sample (ns) updates the windowed minimum.
// The samples are RACK's own, from segments never retransmitted, on the
// nanosecond clock: the 1 ms timestamp clock is too coarse for the
// retransmission test of Step 2 on a short path.
func (r *rackState) noteRTT(rtt int64, now int64) {
	if r.minRTT == 0 || rtt <= r.minRTT || now-r.minAt > minRTTWindow {
		r.minRTT, r.minAt = rtt, now
	}
}

// sentAfter is RACK_sent_after (§6.2): t1/seq1 was sent after t2/seq2;
// equal times order by sequence (the later segment of one burst).
func sentAfter(t1 int64, seq1 uint32, t2 int64, seq2 uint32) bool {
	return t1 > t2 || (t1 == t2 && seqGT(seq1, seq2))
}

// rackDelivered runs Steps 2 and 3 for one segment newly acknowledged,
// cumulatively or selectively: it may become the newest delivered one,
// and one delivered below RACK.fack that was never retransmitted shows
// reordering.
func (c *Conn) rackDelivered(x *txRec, s *segment, now int64) {
	r := &c.rk
	// Step 3.
	if !r.hasFack || seqGT(x.end, r.fack) {
		r.fack, r.hasFack = x.end, true
	} else if seqLT(x.end, r.fack) && x.flags&recRetrans == 0 {
		r.reorderingSeen = true
	}
	// Step 2, with Step 1 fed from the same samples.
	xmit := x.xmit
	if x.flags&recRetrans != 0 {
		// Which transmission was delivered? An RTT below the minimum
		// cannot be the last one's. The RFC then skips the segment; we
		// take its first transmission instead, the earliest any copy
		// left: every segment sent before that was sent before whichever
		// copy arrived, so no loss is inferred that the RFC would not.
		// On a sub-millisecond path a lone tail loss probe is often
		// faster than the minimum a loaded flight measured, and skipping
		// it would leave the tail to the RTO. (The RFC's timestamp test
		// does not help: RFC 7323 §4.3 echoes the last in-order
		// segment's value on an ACK for out-of-order data.)
		if now-xmit < r.minRTT {
			xmit = x.orig
		}
	} else {
		r.noteRTT(now-xmit, now)
	}
	if !r.hasXmit || sentAfter(xmit, x.end, r.xmit, r.endSeq) {
		r.xmit, r.endSeq, r.rtt, r.hasXmit = xmit, x.end, now-xmit, true
	}
}

// rackReoWnd is Step 4, RACK_update_reo_wnd: the reordering window grows
// by min_RTT/4 for each round trip that brought a D-SACK (the peer got
// a segment twice: we retransmitted too early), back to one quarter after
// 16 recoveries without; before any reordering was seen it is zero in
// recovery or once DupThresh segments are SACKed (then RACK acts as
// RFC 6675's duplicate-ACK threshold would).
func (c *Conn) rackReoWnd(dsack bool) int64 {
	r := &c.rk
	if r.dsackRoundOn && seqGEQ(c.sndUna, r.dsackRound) {
		r.dsackRoundOn = false
	}
	if !r.dsackRoundOn && dsack {
		r.dsackRound, r.dsackRoundOn = c.sndNxt, true
		r.reoWndMult++
		r.reoWndPersist = 16
	}
	if !r.reorderingSeen && (c.inRecovery || c.rtoRecovery || c.board.nSACKed >= dupThresh) {
		return 0
	}
	w := int64(r.reoWndMult) * r.minRTT / 4
	if c.hasRTT {
		w = min(w, int64(c.srtt))
	}
	return w
}

// rackRecoveryEnded is Step 4's "exiting fast or RTO recovery".
func (c *Conn) rackRecoveryEnded() {
	r := &c.rk
	if r.reoWndPersist--; r.reoWndPersist <= 0 {
		r.reoWndMult = 1
	}
}

// rackDetect is Step 5, RACK_detect_loss_and_arm_timer: every
// outstanding segment sent before the newest delivered one is lost once
// RACK.rtt + reo_wnd has passed since it was sent; for the others the
// RACK timer is armed for when that happens (§8). It returns how many
// segments it marked.
func (c *Conn) rackDetect(reoWnd int64, now int64) int {
	r := &c.rk
	c.rackAt = 0
	if !r.hasXmit {
		return 0
	}
	b := &c.board
	marked := 0
	timeout := int64(0)
	recs := b.live()
	for i := range recs {
		x := &recs[i]
		if x.flags&recSACKed != 0 || x.flags&(recLost|recInFlight) == recLost {
			continue // delivered, or lost and not yet resent (its xmit_ts is "infinite")
		}
		if !sentAfter(r.xmit, r.endSeq, x.xmit, x.end) {
			if x.flags&recRetrans == 0 && b.nRetrans == 0 {
				break // first transmissions go out in order: none later is older
			}
			continue
		}
		remaining := x.xmit + r.rtt + reoWnd - now
		if remaining <= 0 {
			x.flags |= recLost
			x.flags &^= recInFlight
			marked++
		} else {
			timeout = max(timeout, remaining)
		}
	}
	if timeout != 0 {
		c.rackAt = now + timeout
	}
	if marked > 0 {
		c.t.st.rackMarked.Add(uint64(marked))
	}
	return marked
}

// rackMarkOnRTO is RFC 8985 §6.3, RACK_mark_losses_on_RTO: the segment
// at SND.UNA is lost (it was sent an RTO ago), and so is every other one
// not SACKed that was sent at least RACK.rtt + reo_wnd ago; a
// retransmission among them is lost again (its in-flight mark goes).
// The segment at SND.UNA SACKed means the receiver reneged: every SACK
// mark goes first (RFC 2018 §8; the segment is resent whatever its mark).
func (c *Conn) rackMarkOnRTO(now int64) {
	b := &c.board
	recs := b.live()
	if len(recs) == 0 {
		return
	}
	if recs[0].flags&recSACKed != 0 {
		c.t.st.sackReneging.Add(1)
		b.forgetSACKs()
	}
	reoWnd := c.rackReoWnd(false)
	marked := 0
	for i := range recs {
		x := &recs[i]
		if x.flags&recSACKed != 0 || x.flags&(recLost|recInFlight) == recLost {
			continue // delivered, or already lost and not resent since
		}
		if i == 0 || x.xmit+c.rk.rtt+reoWnd-now <= 0 {
			x.flags |= recLost
			x.flags &^= recInFlight
			marked++
		}
	}
	c.rackAt = 0
	c.t.st.rackMarked.Add(uint64(marked))
}

// rackOnAck is RFC 8985 §6.2 for one ACK, after the SACK blocks were
// applied and SND.UNA advanced: the delivered segments were fed to
// rackDelivered on the way. It returns true when segments are marked
// lost (the caller starts recovery or retransmits).
func (c *Conn) rackOnAck(dsack bool, now int64) bool {
	if !c.sackOK {
		return false
	}
	w := c.rackReoWnd(dsack)
	// Nothing SACKed and nothing resent: every outstanding segment was
	// sent after the newest delivered one and cannot be lost yet.
	if c.board.nSACKed == 0 && c.board.nRetrans == 0 {
		c.rackAt = 0
		return false
	}
	return c.rackDetect(w, now) > 0
}

// rackTimeout is the RACK timer (§8): detection again at the time a
// segment's reordering window ends.
func (c *Conn) rackTimeout() {
	if !c.state.synchronized() || c.sndUna == c.sndMax {
		return
	}
	now := c.t.now()
	if c.rackDetect(c.rackReoWnd(false), now) > 0 {
		c.lossDetected()
		c.output()
	}
}

// lossDetected starts recovery after RACK marked segments lost, unless
// one is running or the losses belong to the window of a previous one
// (RFC 6582 §3.2 step 2's "recover" check, also after an RTO).
func (c *Conn) lossDetected() {
	if !c.inRecovery && !seqLT(c.sndUna, c.recover) {
		c.enterRecovery()
	}
}

// applySACK marks the records one SACK block covers (RFC 2018 §3,
// RFC 6675 §4 Update), splitting records at its edges, and feeds the
// newly SACKed ones to RACK; it returns how many it newly marked.
func (c *Conn) applySACK(blk sackBlock, s *segment, now int64) int {
	b := &c.board
	b.split(blk.start)
	b.split(blk.end)
	n := 0
	for i := b.find(blk.start); i < len(b.live()); i++ {
		x := &b.live()[i]
		if seqGT(x.end, blk.end) || seqLT(x.start, blk.start) {
			break // beyond the block, or a record the board could not split
		}
		if x.flags&recSACKed != 0 {
			continue
		}
		x.flags |= recSACKed
		b.nSACKed++
		n++
		c.rackDelivered(x, s, now)
	}
	return n
}

// ackRecords removes the records SND.UNA (ack) now covers, feeding those
// not SACKed before to RACK, and trims a record ack falls inside.
func (c *Conn) ackRecords(ack uint32, s *segment, now int64) {
	b := &c.board
	for len(b.live()) > 0 {
		x := &b.r[b.head]
		if seqGT(x.end, ack) {
			if seqGT(ack, x.start) {
				x.start = ack
			}
			return
		}
		if x.flags&recSACKed == 0 {
			c.rackDelivered(x, s, now)
		}
		b.pop()
	}
}

// tlpAcked is §7.4's detection of a loss the probe repaired: once an ACK
// covers the probe's sequence, a retransmitted probe that was needed (no
// D-SACK said the original arrived too) still means a loss, and the
// congestion window is reduced once, as for a fast recovery.
func (c *Conn) tlpAcked(ack uint32, dsack bool, dupAck bool) {
	r := &c.rk
	if !r.tlpOn || seqLT(ack, r.tlpEnd) {
		return
	}
	switch {
	case !r.tlpRetrans || dsack:
		r.tlpOn = false // new data probed, or both copies arrived: no loss
	case seqGT(ack, r.tlpEnd):
		r.tlpOn = false
		c.t.st.tlpRecoveries.Add(1)
		if !c.inRecovery {
			c.cc.onLoss(c.flight(), c.mss, c.t.now())
		}
	case dupAck:
		r.tlpOn = false // a pure duplicate: the original and the probe both came
	}
}
