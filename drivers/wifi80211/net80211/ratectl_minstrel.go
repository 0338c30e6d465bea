package net80211

import "time"

// Minstrel is a Minstrel-style sampling rate control (after the Linux
// mac80211 / MadWifi algorithm by D. Smithies and F. Fietkau): every
// Interval it folds each rate's delivery ratio into an EWMA success
// probability and picks the rate with the best expected throughput
// (probability × data rate, legacy or HT MCS, ignoring rates under 10%); SamplePercent of frames
// go to a rate other than the best to keep the statistics fresh.
type Minstrel struct {
	Interval      time.Duration // default 100 ms
	SamplePercent int           // default 10
	EWMAPercent   int           // weight of the old value, default 75
	Seed          uint64        // sampling PRNG seed (deterministic tests)
}

// Name returns "minstrel".
func (Minstrel) Name() string { return "minstrel" }

// NewNode starts with every rate unknown and the lowest rate as best.
func (m Minstrel) NewNode(rates []Rate, now time.Time) RateNode {
	if m.Interval == 0 {
		m.Interval = 100 * time.Millisecond
	}
	if m.SamplePercent == 0 {
		m.SamplePercent = 10
	}
	if m.EWMAPercent == 0 {
		m.EWMAPercent = 75
	}
	n := &minstrelNode{cfg: m, rates: rates, stats: make([]minstrelRate, len(rates)), next: now.Add(m.Interval)}
	n.rng = m.Seed | 1
	return n
}

type minstrelRate struct {
	attempts, success int
	prob              int // EWMA success probability, parts per 1000
	sampled           bool
}

type minstrelNode struct {
	cfg   Minstrel
	rates []Rate
	stats []minstrelRate
	best  int
	count int
	rng   uint64
	next  time.Time
}

func (n *minstrelNode) rand() uint64 {
	n.rng ^= n.rng << 13
	n.rng ^= n.rng >> 7
	n.rng ^= n.rng << 17
	return n.rng
}

func (n *minstrelNode) Select(now time.Time) Rate {
	if len(n.rates) == 0 {
		return 2
	}
	if !now.Before(n.next) {
		n.recompute()
		n.next = now.Add(n.cfg.Interval)
	}
	n.count++
	if len(n.rates) > 1 && n.count*n.cfg.SamplePercent%100 < n.cfg.SamplePercent {
		i := int(n.rand() % uint64(len(n.rates)-1))
		if i >= n.best {
			i++
		}
		return n.rates[i]
	}
	return n.rates[n.best]
}

func (n *minstrelNode) Update(rate Rate, acked bool, retries int, _ time.Time) {
	i := rateIndex(n.rates, rate)
	if i < 0 {
		return
	}
	s := &n.stats[i]
	s.attempts += retries + 1
	if acked {
		s.success++
	}
}

// recompute folds the window into the EWMA and picks the best rate.
func (n *minstrelNode) recompute() {
	bestTput := -1
	for i := range n.stats {
		s := &n.stats[i]
		if s.attempts > 0 {
			p := s.success * 1000 / s.attempts
			if !s.sampled {
				s.prob, s.sampled = p, true
			} else {
				s.prob = (s.prob*n.cfg.EWMAPercent + p*(100-n.cfg.EWMAPercent)) / 100
			}
		}
		s.attempts, s.success = 0, 0
		if !s.sampled || s.prob < 100 {
			continue
		}
		if t := s.prob * n.rates[i].Kbps(); t > bestTput {
			bestTput, n.best = t, i
		}
	}
}
