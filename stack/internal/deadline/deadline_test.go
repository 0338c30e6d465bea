package deadline

import (
	"testing"
	"time"
)

func closed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func TestDeadline(t *testing.T) {
	d := New()
	if d.Expired() || closed(d.Wait()) {
		t.Fatal("a new deadline has expired")
	}
	// In the past: expired at once.
	d.Set(time.Now().Add(-time.Second))
	if !d.Expired() || !closed(d.Wait()) {
		t.Fatal("a past deadline has not expired")
	}
	// Cleared: revived, with a fresh channel.
	d.Set(time.Time{})
	if d.Expired() || closed(d.Wait()) {
		t.Fatal("a cleared deadline still expired")
	}
	// In the future: the channel closes when it passes.
	d.Set(time.Now().Add(20 * time.Millisecond))
	w := d.Wait()
	if d.Expired() {
		t.Fatal("expired early")
	}
	select {
	case <-w:
	case <-time.After(5 * time.Second):
		t.Fatal("the deadline never fired")
	}
	if !d.Expired() {
		t.Fatal("fired but not marked expired")
	}
	// Moved later before it fires: the old timer does not close the new
	// channel.
	d.Set(time.Now().Add(30 * time.Millisecond))
	d.Set(time.Now().Add(time.Hour))
	time.Sleep(60 * time.Millisecond)
	if d.Expired() || closed(d.Wait()) {
		t.Fatal("a moved deadline fired at its old time")
	}
	d.Set(time.Time{})
}
