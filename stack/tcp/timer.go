package tcp

import (
	"syscall"
	"time"
)

// One timer of the TCP clock (Options.Clock) per connection serves every TCP timer: retransmission
// (RFC 6298), RACK's reordering timer and the tail loss probe (RFC 8985
// §8), persist (RFC 9293 §3.8.6.1), delayed ACK (§3.8.6.3),
// keepalive (§3.8.4) and the end timers (TIME-WAIT's 2·MSL, §3.6.1;
// FIN-WAIT-2 of an orphan). Each is a deadline on the TCP clock; schedule
// arms the timer for the earliest. Resetting a timer does not allocate.

// schedule (re)arms the timer for the earliest deadline.
func (c *Conn) schedule() {
	next := int64(0)
	for _, at := range [...]int64{c.rtoAt, c.persistAt, c.dackAt, c.kaAt, c.endAt, c.tlpAt, c.rackAt} {
		if at != 0 && (next == 0 || at < next) {
			next = at
		}
	}
	if next == c.timerAt {
		return
	}
	if next == 0 {
		c.timer.Stop()
		c.timerAt = 0
		return
	}
	if c.timerAt != 0 && c.timerAt <= next {
		return // it fires earlier and reschedules then
	}
	c.timerAt = next
	c.timer.Reset(time.Duration(next - c.t.now()))
}

// onTimer runs the expired timers.
func (c *Conn) onTimer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timerAt = 0
	if c.state == Closed {
		return
	}
	now := c.t.now()
	if c.endAt != 0 && now >= c.endAt {
		c.endAt = 0
		c.closeLocked(nil) // TIME-WAIT over, or an orphan's FIN-WAIT-2 timed out
		return
	}
	if c.dackAt != 0 && now >= c.dackAt {
		c.dackAt = 0
		c.sendAck()
	}
	if c.rackAt != 0 && now >= c.rackAt {
		c.rackAt = 0
		c.rackTimeout()
	}
	if c.tlpAt != 0 && now >= c.tlpAt {
		c.tlpAt = 0
		c.tailLossProbe()
	}
	if c.rtoAt != 0 && now >= c.rtoAt {
		c.rtoAt = 0
		c.tlpAt = 0
		c.rackAt = 0
		if !c.retransmitTimeout() {
			return
		}
	}
	if c.persistAt != 0 && now >= c.persistAt {
		// A window probe: an ACK one below SND.UNA draws an ACK with the
		// current window, as Linux probes; the persist backoff doubles.
		c.sendCtl(c.sndUna-1, 0)
		c.backoff = min(c.backoff+1, 16)
		c.persistAt = now + int64(c.currentRTO())
	}
	if c.kaAt != 0 && now >= c.kaAt {
		if c.kaSent >= c.t.o.KeepAliveProbes {
			c.sendRst()
			c.closeLocked(syscall.ETIMEDOUT)
			return
		}
		// RFC 9293 §3.8.4: a probe with SEG.SEQ = SND.NXT−1 and no data.
		c.kaSent++
		c.t.st.keepaliveProbes.Add(1)
		c.sendCtl(c.sndNxt-1, 0)
		c.kaAt = now + int64(c.kaIdle)
	}
	c.schedule()
}

// retransmitTimeout handles an RTO expiry (RFC 6298 §5.4-5.7, RFC 5681
// §3.1): back off, collapse the window to one segment, resend from
// SND.UNA. False when the connection was aborted.
func (c *Conn) retransmitTimeout() bool {
	o := &c.t.o
	c.t.st.rtoExpired.Add(1)
	c.backoff++
	limit := o.Retries
	if !c.state.synchronized() {
		limit = o.SynRetries
	}
	if c.backoff > limit {
		c.t.st.attemptFails.Add(1)
		if c.state.synchronized() {
			c.sendRst()
		}
		c.closeLocked(syscall.ETIMEDOUT)
		return false
	}
	if c.state == SynSent || c.state == SynReceived {
		c.sndNxt = c.iss
		c.sendSyn()
		c.rtoAt = c.t.now() + int64(c.currentRTO())
		return true
	}
	if c.sndUna == c.sndMax {
		return true
	}
	c.cc.onRTO(c.flight(), c.mss, c.t.now())
	c.tlpOut = false
	c.rk.tlpOn = false
	c.inRecovery = false
	c.dupAcks = 0
	c.recover = c.sndMax  // RFC 6582 §3.2 step 6 (after a timeout)
	c.board.forgetSACKs() // RFC 2018 §8: the receiver may have reneged
	c.highRxt = c.sndUna
	c.sndNxt = c.sndUna
	c.rttTiming = false // Karn's algorithm (RFC 6298 §3)
	c.output()
	if c.rtoAt == 0 {
		c.rtoAt = c.t.now() + int64(c.currentRTO())
	}
	return true
}
