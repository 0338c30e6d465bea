package p2p

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// queueMax bounds the answers waiting for RxBurst.
const queueMax = 16

// Answers is the queue of ARP and neighbour discovery answers a port made on transmit and hands
// up on its next RxBurst, with a wake-up for a receive goroutine asleep in
// Wait. The zero value is not ready: use NewAnswers.
type Answers struct {
	pool *mbuf.Pool
	mu   sync.Mutex
	q    []*mbuf.Buf
	n    atomic.Int32
	wake chan struct{}
}

// NewAnswers returns an empty queue drawing buffers from pool.
func NewAnswers(pool *mbuf.Pool) *Answers {
	return &Answers{pool: pool, q: make([]*mbuf.Buf, 0, queueMax), wake: make(chan struct{}, 1)}
}

// Answer queues the answer to frame, the stack's ARP request or IPv6
// neighbour solicitation; false when there is none to give or no buffer
// or room for it (the caller counts a drop).
func (a *Answers) Answer(frame []byte) bool {
	r, err := a.pool.Get()
	if err != nil {
		return false
	}
	answer, n := ARPAnswer, ARPFrameLen
	if e, err := wire.NewEthernet(frame); err == nil && e.Type() == wire.EtherTypeIPv6 {
		answer, n = NDAnswer, NAFrameLen
	}
	d, _ := r.Append(n)
	if !answer(frame, d) {
		r.Free()
		return false
	}
	a.mu.Lock()
	if len(a.q) >= queueMax {
		a.mu.Unlock()
		r.Free()
		return false
	}
	a.q = append(a.q, r)
	a.n.Store(int32(len(a.q)))
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
	return true
}

// Pending is the number of queued answers (one atomic load).
func (a *Answers) Pending() int { return int(a.n.Load()) }

// Take moves queued answers into bufs and returns how many.
func (a *Answers) Take(bufs []*mbuf.Buf) int {
	if a.n.Load() == 0 {
		return 0
	}
	a.mu.Lock()
	n := copy(bufs, a.q)
	rest := copy(a.q, a.q[n:])
	clear(a.q[rest:])
	a.q = a.q[:rest]
	a.n.Store(int32(rest))
	a.mu.Unlock()
	return n
}

// Wake is signalled when an answer is queued: a port with nothing else to
// wait for selects on it in Wait.
func (a *Answers) Wake() <-chan struct{} { return a.wake }

// WaitFor blocks until an answer is queued or d passes (d < 0: forever); it
// reports whether one is pending. timer is the caller's reusable timer
// (Wait runs on one goroutine), so waiting allocates nothing.
func (a *Answers) WaitFor(d time.Duration, timer *time.Timer) bool {
	if a.Pending() > 0 {
		return true
	}
	if d < 0 {
		<-a.wake
		return true
	}
	timer.Reset(d)
	select {
	case <-a.wake:
		timer.Stop()
		return true
	case <-timer.C:
		return a.Pending() > 0
	}
}

// Close frees what is queued.
func (a *Answers) Close() {
	a.mu.Lock()
	for _, b := range a.q {
		b.Free()
	}
	clear(a.q)
	a.q = a.q[:0]
	a.n.Store(0)
	a.mu.Unlock()
}
