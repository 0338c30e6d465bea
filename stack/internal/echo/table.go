package echo

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
)

// ErrInUse is returned by Table.Wait when a request with the same
// identifier and sequence number is still waiting for its reply.
var ErrInUse = errors.New("echo identifier and sequence number already waiting for a reply (count Seq up, or take a fresh ID from NewPingID)")

// Result is what a waiter receives: a matched reply, or Err for an ICMP
// error about the request.
type Result struct {
	From netip.Addr
	Size int   // data bytes, verified against what was sent
	TTL  uint8 // TTL or hop limit of the reply
	RTT  time.Duration
	Err  error
}

// Table matches replies to outstanding requests. The zero value is not
// usable: call Init.
type Table struct {
	mu    sync.Mutex
	ids   atomic.Uint32
	waits map[uint32]*Waiter
}

// Waiter is one outstanding request.
type Waiter struct {
	t    *Table
	key  uint32
	ch   chan Result
	size int
	sent time.Time
}

// Init prepares the table.
func (t *Table) Init() { t.waits = map[uint32]*Waiter{} }

// NewID returns an identifier no other ping session of this table is
// using: it counts up, skipping 0.
func (t *Table) NewID() uint16 {
	for {
		if id := uint16(t.ids.Add(1)); id != 0 {
			return id
		}
	}
}

// Pattern is the data byte at offset i of our echo data.
func Pattern(i int) byte { return byte(i) }

// Fill writes the pattern into data.
func Fill(data []byte) {
	for i := range data {
		data[i] = Pattern(i)
	}
}

func key(id, seq uint16) uint32 { return uint32(id)<<16 | uint32(seq) }

// Wait registers a request of size data bytes; call Done when no longer
// waiting. It returns ErrInUse if id and seq are taken.
func (t *Table) Wait(id, seq uint16, size int) (*Waiter, error) {
	w := &Waiter{t: t, key: key(id, seq), ch: make(chan Result, 1), size: size, sent: time.Now()}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.waits[w.key] != nil {
		return nil, ErrInUse
	}
	t.waits[w.key] = w
	return w, nil
}

// Result waits for the reply or error, or the end of ctx.
func (w *Waiter) Result(ctx context.Context) (Result, error) {
	select {
	case r := <-w.ch:
		return r, r.Err
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
}

// Done takes the request off the table.
func (w *Waiter) Done() {
	w.t.mu.Lock()
	delete(w.t.waits, w.key)
	w.t.mu.Unlock()
}

func (t *Table) lookup(id, seq uint16) *Waiter {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.waits[key(id, seq)]
}

// Reply matches an echo reply whose data starts at off in b (it does not
// free b). A reply of the wrong size or with other data is ignored: the
// waiter keeps waiting.
func (t *Table) Reply(b *mbuf.Buf, off int, id, seq uint16, from netip.Addr, ttl uint8) {
	w := t.lookup(id, seq)
	if w == nil {
		return
	}
	n := b.PktLen() - off
	if n != w.size || !checkPattern(b, off, n) {
		return // corrupted or foreign reply
	}
	select {
	case w.ch <- Result{From: from, Size: n, TTL: ttl, RTT: time.Since(w.sent)}:
	default:
	}
}

// Error hands err (an ICMP error quoting the request id/seq) to its waiter.
func (t *Table) Error(id, seq uint16, from netip.Addr, err error) {
	w := t.lookup(id, seq)
	if w == nil {
		return
	}
	select {
	case w.ch <- Result{From: from, Err: err}:
	default:
	}
}

func checkPattern(b *mbuf.Buf, start, n int) bool {
	var buf [512]byte
	for off := 0; off < n; {
		k := b.CopyAt(start+off, buf[:min(len(buf), n-off)])
		if k == 0 {
			return false
		}
		for i := range k {
			if buf[i] != Pattern(off+i) {
				return false
			}
		}
		off += k
	}
	return true
}
