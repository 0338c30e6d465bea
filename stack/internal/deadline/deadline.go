package deadline

import (
	"sync"
	"sync/atomic"
	"time"
)

// Deadline is one direction's deadline: a channel that is closed when the
// deadline passes, replaced when the deadline is moved (the scheme of
// net.Pipe). A zero time means none.
type Deadline struct {
	mu      sync.Mutex
	timer   *time.Timer
	expiry  chan struct{}
	expired atomic.Bool // mirrors "expiry is closed" for the lock-free fast path
}

// New returns a deadline that is not set.
func New() *Deadline { return &Deadline{expiry: make(chan struct{})} }

// Expired reports whether the deadline has passed (lock free).
func (d *Deadline) Expired() bool { return d.expired.Load() }

// Set moves the deadline (the zero time clears it); waiters blocked on
// the old channel keep waiting on the new one through Wait's caller
// re-reading it.
func (d *Deadline) Set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.expiry // the timer fired: expiry is closed, wait for nothing
	}
	d.timer = nil
	closed := isClosed(d.expiry)
	if t.IsZero() {
		if closed {
			d.expiry = make(chan struct{})
			d.expired.Store(false)
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if closed {
			d.expiry = make(chan struct{})
			d.expired.Store(false)
		}
		ch := d.expiry
		// No lock in the callback: set waits for ch to close when it
		// stops a timer too late, so the flag is stored before set
		// moves on and resets it.
		d.timer = time.AfterFunc(dur, func() {
			d.expired.Store(true)
			close(ch)
		})
		return
	}
	if !closed {
		close(d.expiry)
	}
	d.expired.Store(true)
}

// Wait returns the channel closed at the deadline.
func (d *Deadline) Wait() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.expiry
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
