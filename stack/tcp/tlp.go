package tcp

import "time"

// Tail loss probe (RFC 8985 §7). A loss at the end of a flight leaves no
// later segment whose delivery would let RACK (rack.go) infer it, so
// without a probe only the RTO recovers it. TLP sends a probe two
// smoothed RTTs after the last transmission: new data if the windows
// allow, else the last segment again. Its ACK carries a SACK block above
// the hole, from which RACK marks the hole lost and recovery starts; a
// probe that alone repaired a loss still reduces the window (§7.4,
// tlpAcked in rack.go).

// armTLP schedules a probe (RFC 8985 §7.2) when the connection has SACK
// and an RTT sample, is not in recovery, has data outstanding and no
// probe out.
func (c *Conn) armTLP() {
	c.tlpAt = 0
	if !c.sackOK || !c.hasRTT || c.inRecovery || c.rtoRecovery || c.tlpOut || c.sndUna == c.sndMax || !c.state.synchronized() {
		return
	}
	pto := 2 * c.srtt
	if c.flight() <= c.mss {
		pto += 200 * time.Millisecond // §7.2: WCDelAckT, the worst-case delayed ACK
	}
	pto = max(pto, 10*time.Millisecond)
	at := c.t.now() + int64(pto)
	// §7.2: a PTO beyond the RTO's expiry is cut to it; the probe then
	// goes out instead of the RTO, without collapsing the window.
	if c.rtoAt != 0 && at > c.rtoAt {
		at = c.rtoAt
	}
	c.tlpAt = at
}

// tailLossProbe sends the probe (RFC 8985 §7.3) and re-arms the RTO.
func (c *Conn) tailLossProbe() {
	if c.sndUna == c.sndMax || c.inRecovery || c.rtoRecovery || !c.state.synchronized() || c.state == TimeWait {
		return
	}
	c.tlpOut = true
	end := c.dataEnd()
	segMax := c.maxData()
	c.rk.tlpOn, c.rk.tlpRetrans = true, false
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
		c.rk.tlpRetrans = true
	}
	c.rk.tlpEnd = c.sndNxt // §7.3: TLP.end_seq
	c.t.st.tlpProbes.Add(1)
	c.rtoAt = c.t.now() + int64(c.currentRTO())
}
