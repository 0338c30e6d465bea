package net80211

import "time"

// RateCtl is a transmit rate control algorithm, shaped like NetBSD's
// struct ieee80211_ratectl: one instance per vap, one RateNode per peer.
// Implementations: AMRR (ratectl_amrr.go) and Minstrel (ratectl_minstrel.go).
type RateCtl interface {
	Name() string
	// NewNode starts per-peer state for the peer's operational rates,
	// sorted ascending (selectors removed).
	NewNode(rates []Rate, now time.Time) RateNode
}

// RateNode is per-peer rate state.
type RateNode interface {
	// Select returns the rate for the next unicast data frame.
	Select(now time.Time) Rate
	// Update feeds one TX status: the rate used, whether the frame was
	// acknowledged, and how many retransmissions it took.
	Update(rate Rate, acked bool, retries int, now time.Time)
}

// FixedRate always picks the lowest rate (used for management frames and
// when no algorithm is configured).
type FixedRate struct{}

// Name returns "fixed".
func (FixedRate) Name() string { return "fixed" }

// NewNode returns a node that always sends at the lowest rate.
func (FixedRate) NewNode(rates []Rate, _ time.Time) RateNode {
	r := Rate(2)
	if len(rates) > 0 {
		r = rates[0]
	}
	return fixedNode(r)
}

type fixedNode Rate

func (n fixedNode) Select(time.Time) Rate           { return Rate(n) }
func (fixedNode) Update(Rate, bool, int, time.Time) {}

// htRates returns the rates rate control chooses from on an HT
// association: the legacy rates below MCS 0's 6.5 Mb/s (the robust
// fallback; mac80211's minstrel_ht keeps the CCK group for the same
// reason) and the MCSs in mcs (bit i: MCS i), ascending by data rate.
// legacy must be ascending.
func htRates(legacy []Rate, mcs uint8) []Rate {
	var out []Rate
	for _, r := range legacy {
		if r.Kbps() < mcsKbps[0] {
			out = append(out, r)
		}
	}
	for i := 0; i <= MaxMCS; i++ {
		if mcs&(1<<i) != 0 {
			out = append(out, MCSRate(i))
		}
	}
	return out
}

// rateIndex returns the index of r in rates, or -1.
func rateIndex(rates []Rate, r Rate) int {
	for i, x := range rates {
		if x == r {
			return i
		}
	}
	return -1
}
