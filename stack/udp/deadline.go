package udp

import (
	"sync"
	"time"
)

// deadline is one direction's deadline: a channel that is closed when the
// deadline passes, replaced when the deadline is moved (the scheme of
// net.Pipe). A zero time means none.
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	expiry chan struct{}
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
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if closed {
			d.expiry = make(chan struct{})
		}
		ch := d.expiry
		d.timer = time.AfterFunc(dur, func() { close(ch) })
		return
	}
	if !closed {
		close(d.expiry)
	}
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
