package clock

import "time"

// Clock is a source of time.
type Clock interface {
	Now() time.Time
	// NewTimer returns a stopped timer.
	NewTimer() Timer
	// AfterFunc returns a timer that calls f in its own goroutine when
	// it fires, armed to fire after d (as time.AfterFunc); its C is nil.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a one-shot timer. C delivers the firing time; Reset re-arms it
// to fire after d (at once when d ≤ 0), replacing any earlier deadline;
// Stop disarms it. Only the goroutine that owns the timer calls them (an
// AfterFunc timer's owner is whoever serialises its Reset and Stop, such
// as a connection's lock).
type Timer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// System returns the wall clock (time.Now, with its monotonic reading).
func System() Clock { return wall{} }

// IsSystem reports whether c is the wall clock System returns: a data
// path may then read the monotonic clock itself (time.Since), with no
// interface call per packet.
func IsSystem(c Clock) bool {
	_, ok := c.(wall)
	return ok
}

// Or returns c, or System when c is nil: the default of an option.
func Or(c Clock) Clock {
	if c == nil {
		return wall{}
	}
	return c
}

type wall struct{}

func (wall) Now() time.Time { return time.Now() }

func (wall) NewTimer() Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return wallTimer{t}
}

func (wall) AfterFunc(d time.Duration, f func()) Timer {
	return wallTimer{time.AfterFunc(max(d, 0), f)}
}

type wallTimer struct{ t *time.Timer }

func (w wallTimer) C() <-chan time.Time { return w.t.C }

// Reset relies on Go 1.23 timer semantics: Reset and Stop discard a value
// not yet received, so no stale tick is delivered.
func (w wallTimer) Reset(d time.Duration) { w.t.Reset(max(d, 0)) }

func (w wallTimer) Stop() { w.t.Stop() }
