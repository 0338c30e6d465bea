package air

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
)

// LocalConfig configures an in-process medium.
type LocalConfig struct {
	// Loss is the probability, 0..1, that a frame is not heard by a given
	// receiver; an acknowledgement is lost with the same probability.
	Loss float64
	// Seed makes the loss pattern reproducible.
	Seed uint64
	// Signal and Noise are reported to receivers (defaults -40 and -95 dBm).
	Signal, Noise int8
}

// Local is an in-process medium: every station on the transmitter's
// frequency hears every frame (subject to loss). It is safe for concurrent
// use; Transmit calls the receivers' Receive without holding a lock.
type Local struct {
	cfg LocalConfig

	mu  sync.Mutex
	rng *rand.Rand
	sts []Station

	sent, heard, lost atomic.Uint64
}

// NewLocal returns an empty medium.
func NewLocal(cfg LocalConfig) *Local {
	if cfg.Signal == 0 {
		cfg.Signal = -40
	}
	if cfg.Noise == 0 {
		cfg.Noise = -95
	}
	return &Local{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
}

// Join adds a station.
func (l *Local) Join(s Station) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sts = append(l.sts, s)
}

// Leave removes a station.
func (l *Local) Leave(s Station) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sts = slices.DeleteFunc(l.sts, func(x Station) bool { return x == s })
}

// SetLoss changes the loss probability.
func (l *Local) SetLoss(p float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg.Loss = p
}

// LocalStats counts deliveries.
type LocalStats struct {
	Sent  uint64 // transmissions
	Heard uint64 // deliveries to a receiver
	Lost  uint64 // deliveries or acknowledgements lost
}

// Stats returns the counters.
func (l *Local) Stats() LocalStats {
	return LocalStats{Sent: l.sent.Load(), Heard: l.heard.Load(), Lost: l.lost.Load()}
}

// drop decides one loss event.
func (l *Local) drop() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg.Loss > 0 && l.rng.Float64() < l.cfg.Loss
}

// Transmit implements Medium.
func (l *Local) Transmit(from Station, frame []byte, tx TxInfo) bool {
	l.sent.Add(1)
	l.mu.Lock()
	var buf [8]Station
	rcv := append(buf[:0], l.sts...)
	l.mu.Unlock()
	acked := false
	rx := RxInfo{Freq: tx.Freq, Rate: tx.Rate, Signal: l.cfg.Signal, Noise: l.cfg.Noise}
	for _, s := range rcv {
		if s == from || s.Freq() != tx.Freq || tx.Freq == 0 {
			continue
		}
		if l.drop() {
			l.lost.Add(1)
			continue
		}
		l.heard.Add(1)
		if s.Receive(frame, rx) {
			if l.drop() {
				l.lost.Add(1)
				continue
			}
			acked = true
		}
	}
	return acked && !Group(Addr1(frame))
}
