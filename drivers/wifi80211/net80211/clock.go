package net80211

import "time"

// The layer's only source of time is ComConfig.Clock (package clock; nil
// is the wall clock); tests pass a clocktest.Clock they advance by hand,
// then call Com.Tick, so no unit test sleeps.

// deadline is an optional point in time; the zero value is unset.
type deadline struct{ t time.Time }

func (d *deadline) set(now time.Time, after time.Duration) { d.t = now.Add(after) }
func (d *deadline) clear()                                 { d.t = time.Time{} }

// shift moves a set deadline later by d.
func (d *deadline) shift(by time.Duration) {
	if !d.t.IsZero() {
		d.t = d.t.Add(by)
	}
}
func (d *deadline) expired(now time.Time) bool { return !d.t.IsZero() && !now.Before(d.t) }
