package tcp

// newReno is RFC 5681 congestion control, the window side of NewReno
// (RFC 6582; the recovery side is in the connection): slow start with
// appropriate byte counting (RFC 3465, L = 2*SMSS), congestion avoidance
// of one SMSS per window of acknowledged bytes, ssthresh = max(flight/2,
// 2*SMSS) on loss (RFC 5681 equation 4).
type newReno struct {
	cw, ss int
	acc    int // bytes acknowledged in congestion avoidance since the last increase
}

func (r *newReno) name() string { return "newreno" }

func (r *newReno) init(mss int) {
	r.cw = initialWindow(mss)
	r.ss = 1 << 30 // RFC 5681 §3.1: arbitrarily high
}

func (r *newReno) cwnd() int     { return r.cw }
func (r *newReno) ssthresh() int { return r.ss }
func (r *newReno) setCwnd(n int) { r.cw = max(n, 1) }

func (r *newReno) onAck(acked, mss int, _, _ int64) {
	if r.cw < r.ss {
		r.cw += min(acked, 2*mss) // RFC 3465 §2.2
		return
	}
	r.acc += acked
	if r.acc >= r.cw {
		r.acc -= r.cw
		r.cw += mss // RFC 5681 §3.1 equation 3's once-per-RTT form
	}
}

func (r *newReno) onLoss(flight, mss int, _ int64) {
	r.ss = max(flight/2, 2*mss)
	r.cw = r.ss
	r.acc = 0
}

func (r *newReno) onRTO(flight, mss int, _ int64) {
	r.ss = max(flight/2, 2*mss)
	r.cw = mss
	r.acc = 0
}
