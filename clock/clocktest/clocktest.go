// Package clocktest is a manual clock.Clock for tests.
package clocktest

import (
	"sync"
	"time"

	"github.com/gopkt/gopkt/clock"
)

// Clock is a manual clock.Clock: time moves only when a test calls
// Advance, and timers whose deadline has passed fire then. It is safe
// for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*timer
}

// New returns a clock reading start.
func New(start time.Time) *Clock { return &Clock{now: start} }

var _ clock.Clock = (*Clock)(nil)

// Now implements clock.Clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// NewTimer implements clock.Clock.
func (c *Clock) NewTimer() clock.Timer {
	t := &timer{c: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	return t
}

// AfterFunc implements clock.Clock: when the timer fires (in Advance, or
// at once for d ≤ 0), f runs in a new goroutine, as with time.AfterFunc.
func (c *Clock) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := &timer{c: c, fn: f}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	t.Reset(d)
	return t
}

// Advance moves the clock forward by d and fires the timers that are due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for _, t := range c.timers {
		if t.armed && !t.at.After(c.now) {
			t.fire(c.now)
		}
	}
}

// Next returns the earliest armed deadline, or false when no timer is
// armed.
func (c *Clock) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next time.Time
	ok := false
	for _, t := range c.timers {
		if t.armed && (!ok || t.at.Before(next)) {
			next, ok = t.at, true
		}
	}
	return next, ok
}

type timer struct {
	c     *Clock
	ch    chan time.Time // nil for an AfterFunc timer
	fn    func()         // the AfterFunc callback
	at    time.Time
	armed bool
}

// fire is called with c.mu held.
func (t *timer) fire(now time.Time) {
	t.armed = false
	if t.fn != nil {
		go t.fn()
		return
	}
	select {
	case t.ch <- now:
	default:
	}
}

func (t *timer) C() <-chan time.Time { return t.ch }

func (t *timer) Reset(d time.Duration) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.drain()
	t.at, t.armed = t.c.now.Add(d), true
	if d <= 0 {
		t.fire(t.c.now)
	}
}

func (t *timer) Stop() {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.armed = false
	t.drain()
}

func (t *timer) drain() {
	select {
	case <-t.ch:
	default:
	}
}
