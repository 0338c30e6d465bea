package net80211

import "time"

// Clock is the layer's only source of time. Production code passes
// SystemClock; tests pass a fake they advance by hand, then call Com.Tick,
// so no unit test sleeps.
type Clock interface {
	Now() time.Time
}

// SystemClock reads the wall clock (monotonic part included).
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// deadline is an optional point in time; the zero value is unset.
type deadline struct{ t time.Time }

func (d *deadline) set(now time.Time, after time.Duration) { d.t = now.Add(after) }
func (d *deadline) clear()                                 { d.t = time.Time{} }
func (d *deadline) expired(now time.Time) bool             { return !d.t.IsZero() && !now.Before(d.t) }
