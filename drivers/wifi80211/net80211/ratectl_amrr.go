package net80211

import "time"

// AMRR is Adaptive Multi Rate Retry (Lacage, Manshaei, Turletti, "IEEE
// 802.11 Rate Adaptation: A Practical Approach", MSWiM 2004), as in NetBSD's
// ieee80211_amrr.c: after each window of frames, a window with under 10%
// retries counts as a success and one with over 33% as a failure; enough
// consecutive successes raise the rate; a failure lowers it, and a failure
// right after a raise (the "recovery" probe) doubles the number of successes
// needed next time (binary exponential backoff of the threshold).
type AMRR struct {
	MinSuccess int // default 1
	MaxSuccess int // default 15
	Window     int // frames per decision, default 10
}

// Name returns "amrr".
func (AMRR) Name() string { return "amrr" }

// NewNode starts at the lowest rate.
func (a AMRR) NewNode(rates []Rate, _ time.Time) RateNode {
	n := &amrrNode{cfg: a, rates: rates}
	if n.cfg.MinSuccess == 0 {
		n.cfg.MinSuccess = 1
	}
	if n.cfg.MaxSuccess == 0 {
		n.cfg.MaxSuccess = 15
	}
	if n.cfg.Window == 0 {
		n.cfg.Window = 10
	}
	n.threshold = n.cfg.MinSuccess
	return n
}

type amrrNode struct {
	cfg       AMRR
	rates     []Rate
	idx       int
	txcnt     int
	retrycnt  int
	success   int
	threshold int
	recovery  bool
}

func (n *amrrNode) Select(time.Time) Rate {
	if len(n.rates) == 0 {
		return 2
	}
	return n.rates[n.idx]
}

func (n *amrrNode) Update(rate Rate, acked bool, retries int, _ time.Time) {
	if len(n.rates) == 0 || rate != n.rates[n.idx] {
		return // a report for an older choice; the window belongs to the current rate
	}
	n.txcnt++
	n.retrycnt += retries
	if !acked {
		n.retrycnt++ // the frame never made it: count the failed last attempt too
	}
	if n.txcnt < n.cfg.Window {
		return
	}
	success := n.retrycnt*10 < n.txcnt
	failure := n.retrycnt*3 > n.txcnt
	switch {
	case success:
		n.success++
		if n.success >= n.threshold && n.idx < len(n.rates)-1 {
			n.recovery = true
			n.success = 0
			n.idx++
		} else {
			n.recovery = false
		}
	case failure:
		n.success = 0
		if n.idx > 0 {
			if n.recovery {
				n.threshold = min(n.threshold*2, n.cfg.MaxSuccess)
			} else {
				n.threshold = n.cfg.MinSuccess
			}
			n.idx--
		}
		n.recovery = false
	}
	n.txcnt, n.retrycnt = 0, 0
}
