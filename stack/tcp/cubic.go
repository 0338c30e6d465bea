package tcp

import "math"

// cubic is CUBIC (RFC 9438), the default: the window grows as a cubic
// function of the time since the last congestion event, with a
// Reno-friendly region (§4.3) and fast convergence (§4.7). Windows are
// kept in segments as floats, as the RFC's formulas are.
type cubic struct {
	cw, ss int     // bytes
	wMax   float64 // segments, window before the last reduction (§4.1)
	wEst   float64 // segments, Reno-friendly estimate (§4.3)
	k      float64 // seconds (§4.2, equation 2)
	epoch  int64   // start of the congestion avoidance stage (ns), 0: not started
	cwndAt float64 // cwnd in segments at the start of the stage
}

const (
	cubicC    = 0.4 // §5.1
	cubicBeta = 0.7 // §4.6
)

func (c *cubic) name() string { return "cubic" }

func (c *cubic) init(mss int) {
	c.cw = initialWindow(mss)
	c.ss = 1 << 30
}

func (c *cubic) cwnd() int     { return c.cw }
func (c *cubic) ssthresh() int { return c.ss }
func (c *cubic) setCwnd(n int) { c.cw = max(n, 1) }

func (c *cubic) onAck(acked, mss int, rtt, now int64) {
	if c.cw < c.ss { // slow start (§4.10 defers to RFC 5681)
		c.cw += min(acked, 2*mss)
		return
	}
	seg := float64(mss)
	cwnd := float64(c.cw) / seg
	if c.epoch == 0 {
		c.epoch = now
		c.cwndAt = cwnd
		if c.wMax < cwnd { // §4.8: no reduction happened since (or ever)
			c.wMax = cwnd
			c.k = 0
		} else {
			c.k = math.Cbrt((c.wMax - cwnd) / cubicC) // equation 2 with cwnd_epoch
		}
		c.wEst = cwnd
	}
	t := float64(now-c.epoch)/1e9 + float64(rtt)/1e9
	target := cubicC*math.Pow(t-c.k, 3) + c.wMax // equation 1 at t + RTT (§4.2)
	target = min(max(target, cwnd), 1.5*cwnd)    // §4.2: bounded to [cwnd, 1.5 cwnd]
	// Reno-friendly estimate (§4.3, equation 4), alpha from equation 5.
	alpha := 3 * (1 - cubicBeta) / (1 + cubicBeta)
	if c.wEst >= c.wMax {
		alpha = 1
	}
	c.wEst += alpha * float64(acked) / float64(c.cw)
	if c.wEst > target { // §4.3: Reno-friendly region
		target = c.wEst
	}
	inc := (target - cwnd) / cwnd * float64(acked) // §4.4: (target - cwnd)/cwnd per SMSS acked
	c.cw += max(int(inc), 0)
	if c.cw > 1<<30 {
		c.cw = 1 << 30
	}
}

func (c *cubic) reduce(mss int) {
	cwnd := float64(c.cw) / float64(mss)
	if cwnd < c.wMax { // §4.7 fast convergence
		c.wMax = cwnd * (1 + cubicBeta) / 2
	} else {
		c.wMax = cwnd
	}
	c.ss = max(int(float64(c.cw)*cubicBeta), 2*mss) // §4.6 equation 7
	c.epoch = 0
}

func (c *cubic) onLoss(_, mss int, _ int64) {
	c.reduce(mss)
	c.cw = c.ss
}

func (c *cubic) onRTO(_, mss int, _ int64) {
	c.reduce(mss)
	c.cw = mss // §4.8: cwnd = 1 SMSS after a timeout
}
