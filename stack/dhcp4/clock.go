package dhcp4

import "time"

// Clock is the client's source of time. The zero Config uses the wall
// clock; tests pass dhcp4test.Clock and move time by hand, so lease
// timers (T1, T2, expiry) and retransmissions run without real sleeps.
type Clock interface {
	Now() time.Time
	// NewTimer returns a stopped timer.
	NewTimer() Timer
}

// Timer is a one-shot timer. C delivers the firing time; Reset re-arms it
// to fire after d (at once when d ≤ 0), replacing any earlier deadline;
// Stop disarms it. Only the goroutine that owns the timer calls them.
type Timer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// wallClock is the real clock.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) NewTimer() Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return wallTimer{t}
}

type wallTimer struct{ t *time.Timer }

func (w wallTimer) C() <-chan time.Time { return w.t.C }

// Reset relies on Go 1.23 timer semantics: Reset and Stop discard a value
// not yet received, so no stale tick is delivered.
func (w wallTimer) Reset(d time.Duration) { w.t.Reset(max(d, 0)) }

func (w wallTimer) Stop() { w.t.Stop() }
