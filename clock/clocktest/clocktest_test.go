package clocktest_test

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/clock/clocktest"
)

// TestManualClock: a timer fires when Advance passes its deadline, not
// before; Reset replaces the deadline; Stop disarms; Next reports the
// earliest armed deadline; clock.Or picks the wall clock for nil.
func TestManualClock(t *testing.T) {
	t0 := time.Unix(1000, 0)
	c := clocktest.New(t0)
	tm := c.NewTimer()
	tm.Reset(2 * time.Second)
	if next, ok := c.Next(); !ok || !next.Equal(t0.Add(2*time.Second)) {
		t.Errorf("Next %v %v", next, ok)
	}
	c.Advance(time.Second)
	select {
	case <-tm.C():
		t.Fatal("fired a second early")
	default:
	}
	c.Advance(time.Second)
	select {
	case at := <-tm.C():
		if !at.Equal(t0.Add(2 * time.Second)) {
			t.Errorf("fired at %v", at)
		}
	default:
		t.Fatal("did not fire at its deadline")
	}
	tm.Reset(time.Second)
	tm.Stop()
	c.Advance(time.Hour)
	select {
	case <-tm.C():
		t.Error("a stopped timer fired")
	default:
	}
	if _, ok := c.Next(); ok {
		t.Error("Next with no timer armed")
	}
	if clock.Or(c) != clock.Clock(c) || clock.Or(nil) == nil {
		t.Error("clock.Or")
	}
	if clock.IsSystem(c) || !clock.IsSystem(clock.Or(nil)) {
		t.Error("clock.IsSystem")
	}
	w := clock.System().NewTimer()
	w.Reset(0)
	select {
	case <-w.C():
	case <-time.After(5 * time.Second):
		t.Error("a wall timer reset to 0 did not fire")
	}
}

// TestAfterFunc: an AfterFunc timer calls its function (in another
// goroutine) once Advance passes its deadline, not before; Stop disarms
// it; Reset re-arms it; the wall clock's calls its function too.
func TestAfterFunc(t *testing.T) {
	c := clocktest.New(time.Unix(1000, 0))
	fired := make(chan struct{}, 4)
	tm := c.AfterFunc(2*time.Second, func() { fired <- struct{}{} })
	if tm.C() != nil {
		t.Error("an AfterFunc timer has a channel")
	}
	c.Advance(time.Second)
	select {
	case <-fired:
		t.Fatal("fired a second early")
	case <-time.After(10 * time.Millisecond):
	}
	c.Advance(time.Second)
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Fatal("did not fire at its deadline")
	}
	tm.Reset(time.Second)
	tm.Stop()
	c.Advance(time.Hour)
	tm.Reset(time.Minute)
	c.Advance(time.Minute)
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Fatal("did not fire after Reset")
	}
	select {
	case <-fired:
		t.Error("the stopped deadline fired too")
	case <-time.After(10 * time.Millisecond):
	}
	w := clock.System().AfterFunc(0, func() { fired <- struct{}{} })
	defer w.Stop()
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Error("a wall AfterFunc timer did not fire")
	}
}
