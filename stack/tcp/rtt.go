package tcp

import "time"

// sampleRTT updates SRTT, RTTVAR and RTO with one measurement r (RFC 6298
// §2.2 and §2.3; alpha 1/8, beta 1/4, K 4, G the 1 ms timestamp clock).
func (c *Conn) sampleRTT(r time.Duration) {
	if r <= 0 {
		r = time.Millisecond / 2
	}
	if !c.hasRTT {
		c.srtt, c.rttvar, c.hasRTT = r, r/2, true // §2.2
	} else {
		d := c.srtt - r
		if d < 0 {
			d = -d
		}
		c.rttvar = (3*c.rttvar + d) / 4 // §2.3
		c.srtt = (7*c.srtt + r) / 8
	}
	c.rto = c.srtt + max(time.Millisecond, 4*c.rttvar)
	c.rto = min(max(c.rto, c.t.o.MinRTO), c.t.o.MaxRTO) // §2.4, §2.5
}

// currentRTO is the RTO with the exponential backoff of §5.5 applied.
func (c *Conn) currentRTO() time.Duration {
	r := c.rto
	for i := 0; i < c.backoff && r < c.t.o.MaxRTO; i++ {
		r *= 2
	}
	return min(r, c.t.o.MaxRTO)
}
