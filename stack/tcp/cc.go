package tcp

// congestion is a congestion control algorithm (RFC 5681 §3's
// variables): it owns cwnd and ssthresh; the connection detects loss and
// runs recovery (RFC 6675 with SACK, RFC 6582 without) and tells the
// algorithm what happened. One instance per connection; chosen by name
// (Options.Congestion, Conn.SetCongestion). All sizes are bytes.
type congestion interface {
	name() string
	// init sets the initial window for a connection with this MSS
	// (RFC 6928: min(10*MSS, max(2*MSS, 14600))).
	init(mss int)
	cwnd() int
	ssthresh() int
	// onAck: acked bytes newly acknowledged outside loss recovery;
	// rtt is the smoothed RTT in nanoseconds (0 before a sample),
	// now the connection clock.
	onAck(acked int, mss int, rtt, now int64)
	// onLoss: loss detected by duplicate ACKs or SACK; flight is the data
	// outstanding. It sets ssthresh and cwnd = ssthresh (RFC 5681 §3.2
	// steps 2 and 3 without the inflation, which recovery adds).
	onLoss(flight, mss int, now int64)
	// onRTO: the retransmission timer expired (RFC 5681 §3.1: cwnd = 1
	// MSS, the loss window).
	onRTO(flight, mss int, now int64)
	// setCwnd is recovery's adjustment (NewReno inflation and the window
	// on leaving recovery, RFC 6582 §3.2).
	setCwnd(n int)
}

// newCongestion returns a fresh instance of the named algorithm, or nil.
func newCongestion(name string) congestion {
	switch name {
	case "cubic":
		return &cubic{}
	case "newreno", "reno":
		return &newReno{}
	}
	return nil
}

func initialWindow(mss int) int { return min(10*mss, max(2*mss, 14600)) }
