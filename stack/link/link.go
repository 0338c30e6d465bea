package link

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
)

// Options configure a link.
type Options struct {
	// MTU of both ends; 0 means 1500.
	MTU int
	// Queue is the receive queue length of each end; 0 means 1024.
	Queue int
	// MACs of the two ends (A, B). Zero addresses get locally administered
	// defaults 02:00:00:00:00:01 and :02.
	A, B [6]byte
	// Filter, if set, sees every frame sent on either end before it is
	// queued (from is 0 for A, 1 for B) and drops it by returning false.
	// Tests use it to lose or inspect frames.
	Filter func(from int, b *mbuf.Buf) bool
}

// Port is one end of a link.
type Port struct {
	mac    [6]byte
	mtu    atomic.Int32
	id     int
	peer   *Port
	filter func(int, *mbuf.Buf) bool

	mu     sync.Mutex
	q      []*mbuf.Buf // ring
	head   int
	n      int
	closed bool
	wake   chan struct{}
	events chan port.LinkState

	// timer is Wait's, reused so that an idle poller (one Wait every
	// 50 ms, for ever) does not allocate; timerMu gives it to one Wait at
	// a time (a concurrent one makes its own).
	timerMu sync.Mutex
	timer   *time.Timer

	st struct {
		rxPackets, rxBytes, rxMissed, txPackets, txBytes, txDropped atomic.Uint64
	}
}

func newPort(id int, mac [6]byte, o *Options) *Port {
	p := &Port{mac: mac, id: id, filter: o.Filter, q: make([]*mbuf.Buf, o.Queue),
		wake: make(chan struct{}, 1), events: make(chan port.LinkState, 1)}
	p.mtu.Store(int32(o.MTU))
	return p
}

func (o *Options) defaults() {
	if o.MTU == 0 {
		o.MTU = 1500
	}
	if o.Queue == 0 {
		o.Queue = 1024
	}
	if o.A == [6]byte{} {
		o.A = [6]byte{2, 0, 0, 0, 0, 1}
	}
	if o.B == [6]byte{} {
		o.B = [6]byte{2, 0, 0, 0, 0, 2}
	}
}

// Pair returns the two ends of a new link.
func Pair(o Options) (a, b *Port) {
	o.defaults()
	a, b = newPort(0, o.A, &o), newPort(1, o.B, &o)
	a.peer, b.peer = b, a
	return a, b
}

// Loop returns a port whose transmitted frames come back on its own receive
// queue: the loopback device.
func Loop(o Options) *Port {
	o.defaults()
	if o.A == [6]byte{2, 0, 0, 0, 0, 1} {
		o.A = [6]byte{}
	}
	p := newPort(0, o.A, &o)
	p.peer = p
	return p
}

// RxBurst implements port.Port.
func (p *Port) RxBurst(bufs []*mbuf.Buf) int {
	p.mu.Lock()
	n := min(len(bufs), p.n)
	for i := 0; i < n; i++ {
		bufs[i] = p.q[p.head]
		p.q[p.head] = nil
		p.head++
		if p.head == len(p.q) {
			p.head = 0
		}
	}
	p.n -= n
	p.mu.Unlock()
	var bytes uint64
	for _, b := range bufs[:n] {
		bytes += uint64(b.PktLen())
	}
	p.st.rxPackets.Add(uint64(n))
	p.st.rxBytes.Add(bytes)
	return n
}

// TxBurst implements port.Port: every buffer is accepted; those the peer has
// no room for (or the Filter rejects) are freed and counted.
func (p *Port) TxBurst(bufs []*mbuf.Buf) int {
	q := p.peer
	var bytes uint64
	sent, dropped := 0, 0
	q.mu.Lock()
	wasEmpty := q.n == 0
	for i, b := range bufs {
		bufs[i] = nil
		if q.closed || p.filter != nil && !p.filter(p.id, b) {
			b.Free()
			dropped++
			continue
		}
		if q.n == len(q.q) {
			b.Free()
			q.st.rxMissed.Add(1)
			continue
		}
		bytes += uint64(b.PktLen())
		b.Meta.Flags &^= mbuf.FlagOutbound
		t := q.head + q.n
		if t >= len(q.q) {
			t -= len(q.q)
		}
		q.q[t] = b
		q.n++
		sent++
	}
	q.mu.Unlock()
	if wasEmpty && sent > 0 {
		select {
		case q.wake <- struct{}{}:
		default:
		}
	}
	p.st.txPackets.Add(uint64(sent))
	p.st.txBytes.Add(bytes)
	p.st.txDropped.Add(uint64(dropped))
	return len(bufs)
}

// Wait implements port.Waiter.
func (p *Port) Wait(timeout time.Duration) error {
	var deadline <-chan time.Time
	if timeout >= 0 {
		var t *time.Timer
		if p.timerMu.TryLock() {
			defer p.timerMu.Unlock()
			if p.timer == nil {
				p.timer = time.NewTimer(timeout)
			} else {
				p.timer.Reset(timeout) // Go 1.23 timers: no stale tick after Stop or Reset
			}
			t = p.timer
		} else {
			t = time.NewTimer(timeout)
		}
		defer t.Stop()
		deadline = t.C
	}
	for {
		p.mu.Lock()
		ready, closed := p.n > 0, p.closed
		p.mu.Unlock()
		if closed {
			return port.ErrClosed
		}
		if ready {
			return nil
		}
		select {
		case <-p.wake: // may be stale: check again
		case <-deadline:
			return port.ErrTimeout
		}
	}
}

// Pending is the number of frames waiting in the receive queue.
func (p *Port) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

// MAC implements port.Port.
func (p *Port) MAC() [6]byte { return p.mac }

// MTU implements port.Port.
func (p *Port) MTU() int { return int(p.mtu.Load()) }

// SetMTU implements port.Port (68 to 65535; frames above the mbuf data room
// travel as chains).
func (p *Port) SetMTU(mtu int) error {
	if mtu < 68 || mtu > 65535 {
		return port.ErrMTU
	}
	p.mtu.Store(int32(mtu))
	return nil
}

// Offloads implements port.Port: chains pass through untouched.
func (p *Port) Offloads() port.Offloads { return port.Chains }

// Link implements port.Port: up until closed.
func (p *Port) Link() port.LinkState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return port.LinkState{Up: !p.closed, SpeedMbps: 10000, FullDuplex: true}
}

// LinkEvents implements port.Port.
func (p *Port) LinkEvents() <-chan port.LinkState { return p.events }

// Stats implements port.Port.
func (p *Port) Stats() port.Stats {
	return port.Stats{
		RxPackets: p.st.rxPackets.Load(), RxBytes: p.st.rxBytes.Load(), RxMissed: p.st.rxMissed.Load(),
		TxPackets: p.st.txPackets.Load(), TxBytes: p.st.txBytes.Load(), TxDropped: p.st.txDropped.Load(),
	}
}

// Close frees the queued frames, wakes a waiter and reports the link down.
// Frames sent to a closed end are dropped.
func (p *Port) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	for p.n > 0 {
		p.q[p.head].Free()
		p.q[p.head] = nil
		p.head = (p.head + 1) % len(p.q)
		p.n--
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
	select { // the channel holds the latest state only
	case <-p.events:
	default:
	}
	p.events <- port.LinkState{}
	close(p.events)
	return nil
}

var _ port.Port = (*Port)(nil)
var _ port.Waiter = (*Port)(nil)
