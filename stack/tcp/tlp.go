package tcp

import "time"

// Tail loss probe (RFC 8985 §7, without RACK's time-based loss marking)
// and early retransmit (RFC 5827). A loss at the end of a flight leaves
// too few segments behind it for three duplicate ACKs, so without these
// only the RTO recovers it. TLP sends a probe two smoothed RTTs after the
// last transmission: new data if the windows allow, else the last
// segment again. Its ACK carries a SACK block above the hole, and early
// retransmit (with SACK, fewer than four segments outstanding and nothing
// new to send) counts that as enough to start recovery.

// armTLP schedules a probe (RFC 8985 §7.2) when the connection has SACK
// and an RTT sample, is not in recovery, has data outstanding and no
// probe out, and the probe would come before the RTO.
func (c *Conn) armTLP() {
	c.tlpAt = 0
	if !c.sackOK || !c.hasRTT || c.inRecovery || c.tlpOut || c.sndUna == c.sndMax || !c.state.synchronized() {
		return
	}
	pto := 2 * c.srtt
	if c.flight() <= c.mss {
		pto += 200 * time.Millisecond // §7.2: WCDelAckT, the worst-case delayed ACK
	}
	pto = max(pto, 10*time.Millisecond)
	at := c.t.now() + int64(pto)
	if c.rtoAt != 0 && at >= c.rtoAt {
		return
	}
	c.tlpAt = at
}

// tailLossProbe sends the probe (RFC 8985 §7.3) and re-arms the RTO.
func (c *Conn) tailLossProbe() {
	if c.sndUna == c.sndMax || c.inRecovery || !c.state.synchronized() || c.state == TimeWait {
		return
	}
	c.tlpOut = true
	end := c.dataEnd()
	segMax := c.maxData()
	if seqLT(c.sndNxt, end) && int(c.sndWnd) > int(c.sndNxt-c.sndUna) {
		n := min(int(end-c.sndNxt), segMax)
		fin := c.finQueued && c.sndNxt+uint32(n) == end
		if c.sendData(c.sndNxt, n, fin) {
			c.sndNxt += uint32(n)
			if fin {
				c.sndNxt++
			}
			c.sndMax = seqMax(c.sndMax, c.sndNxt)
		}
	} else {
		// The last segment again: from max(SND.UNA, SND.MAX − SMSS).
		hi := c.sndMax
		fin := c.finQueued && seqGT(hi, end)
		dataHi := hi
		if fin {
			dataHi = end
		}
		lo := c.sndUna
		if int(dataHi-lo) > segMax {
			lo = dataHi - uint32(segMax)
		}
		c.sendData(lo, int(dataHi-lo), fin)
	}
	c.t.st.tlpProbes.Add(1)
	c.rtoAt = c.t.now() + int64(c.currentRTO())
}

// earlyRetransmit is RFC 5827 §3.2 with SACK: a small flight (fewer than
// four segments) and no new data to send; then any SACKed data above
// SND.UNA means SND.UNA's segment is lost.
func (c *Conn) earlyRetransmit() bool {
	if !c.sackOK || c.board.n == 0 || c.flight() >= 4*c.mss {
		return false
	}
	return !seqLT(c.sndNxt, c.dataEnd()) || int(c.sndWnd) <= c.flight()
}
