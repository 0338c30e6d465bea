package tcp

import (
	"sync"
	"sync/atomic"
	"time"
)

// deadline is one direction's deadline: a channel that is closed when the
// deadline passes, replaced when the deadline is moved (the scheme of
// net.Pipe). A zero time means none.
type deadline struct {
	mu      sync.Mutex
	timer   *time.Timer
	expiry  chan struct{}
	expired atomic.Bool // mirrors "expiry is closed" for the lock-free fast path
}

func newDeadline() *deadline { return &deadline{expiry: make(chan struct{})} }

// set moves the deadline; waiters blocked on the old channel keep waiting on
// the new one through wait's caller re-reading it.
func (d *deadline) set(t time.Time) {
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

// wait returns the channel closed at the deadline.
func (d *deadline) wait() chan struct{} {
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
