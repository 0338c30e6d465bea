package main

import (
	"io"
	"sync"
)

// logRing is the daemon's log as sloginfo keeps it: the text handler
// writes every record (one Write per record) through it to stderr, and it
// keeps the last lines for gopktctl log and hands new ones to followers.
// A follower that does not keep up loses lines (counted), it never slows
// the logger.
type logRing struct {
	mu    sync.Mutex
	out   io.Writer
	lines []string
	next  int
	full  bool
	subs  map[chan string]struct{}
	lost  uint64
}

func newLogRing(out io.Writer, n int) *logRing {
	return &logRing{out: out, lines: make([]string, n), subs: map[chan string]struct{}{}}
}

func (r *logRing) Write(p []byte) (int, error) {
	line := string(p)
	r.mu.Lock()
	r.lines[r.next] = line
	r.next++
	if r.next == len(r.lines) {
		r.next, r.full = 0, true
	}
	for ch := range r.subs {
		select {
		case ch <- line:
		default:
			r.lost++
		}
	}
	r.mu.Unlock()
	return r.out.Write(p)
}

// tail returns the last n lines (n <= 0: all kept) and, when follow is
// set, a channel of the lines after them (unsubscribe it when done).
func (r *logRing) tail(n int, follow bool) ([]string, chan string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var all []string
	if r.full {
		all = append(all, r.lines[r.next:]...)
	}
	all = append(all, r.lines[:r.next]...)
	if n > 0 && n < len(all) {
		all = all[len(all)-n:]
	}
	var ch chan string
	if follow {
		ch = make(chan string, 256)
		r.subs[ch] = struct{}{}
	}
	return all, ch
}

func (r *logRing) unsubscribe(ch chan string) {
	r.mu.Lock()
	delete(r.subs, ch)
	r.mu.Unlock()
}
