package stack

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
)

// Receive queues (DESIGN §3: one goroutine per RX queue, run to completion).
//
// An interface has one receive queue per queue pair of its port: a
// port.MultiQueue port (drivers/igb) offers several, any other port is one
// queue, the port itself. Each queue has its own receive goroutine, burst
// array, fast-forwarding stage and counters, and is paired with the
// transmit queue of the same number (txq.go), so the frames a burst sends
// back along its flow (echo replies, forwarded packets of an RSS-hashed
// flow) usually leave on the queue pair they came in on.
//
// # One mbuf cache per queue pair, end to end
//
// When the port's queue implements port.CacheUser the pair gets one
// mbuf.Cache for both directions: the device's receive refills take from
// it and its transmit completions go back into it, so a flow that is
// received, answered and sent on one queue pair recycles its buffers
// without the pool's lock, per queue, with N pollers running. A Cache is
// not safe for concurrent use; this one belongs to the transmit queue's
// mutex: TxBurst runs under it already (txq.go) and the receive goroutine
// takes it around RxBurst (never around Wait or the handlers). A port that
// refuses the cache (another pool) keeps its own.
//
// # Invariants with N pollers
//
//   - Each queue's RxBurst and Wait run under that queue's mu, from its own
//     goroutine (or Poll): single consumer per queue. Detach takes every
//     queue's mu in turn (stopRx), so once it returns none runs again.
//   - Handlers run outside mu, concurrently on different queues of one
//     interface, exactly as they already did for different interfaces:
//     counters are atomics, lookups read snapshots, the fast-forwarding
//     stage is per queue, and transmit queues have their own mutexes.
//   - Frames of one flow arrive on one queue (the NIC hashes them there)
//     and leave on one queue (txQueueFor hashes them there), so a flow
//     keeps its order.

// rxQueue is one receive queue of an interface.
type rxQueue struct {
	ifc  *Interface
	idx  int
	q    port.Queue
	w    port.Waiter // nil: back off when idle
	tx   *txQueue    // the pair's transmit queue; its mu guards cache
	bufs []*mbuf.Buf // Poll's burst array (the goroutine has its own)

	// cache is the pair's mbuf cache (nil: the port uses its own).
	cache *mbuf.Cache
	cu    port.CacheUser

	// mu is held around each RxBurst and Wait, never around Input, so
	// Detach can wait for the port to be out of the receive path without
	// waiting for a handler (which may be the caller).
	mu   sync.Mutex
	fast fastStage // frames fast-forwarded in the current burst (fastfwd.go)

	inPackets, inBytes atomic.Uint64
}

// newQueues sets up the interface's queue pairs: every queue the port
// offers, at most o.Queues when that is set.
func (ifc *Interface) newQueues(p port.Port, o IfOptions) {
	n := port.QueueCount(p)
	if o.Queues > 0 {
		n = min(n, o.Queues)
	}
	ifc.rxqs = make([]*rxQueue, n)
	ifc.txqs = make([]*txQueue, n)
	for i := range n {
		q := port.QueueOf(p, i)
		tq := &txQueue{ifc: ifc, idx: i, q: q,
			bufs: make([]*mbuf.Buf, 0, ifc.burst), lens: make([]int, 0, ifc.burst)}
		rq := &rxQueue{ifc: ifc, idx: i, q: q, tx: tq, bufs: make([]*mbuf.Buf, ifc.burst)}
		rq.w, _ = q.(port.Waiter)
		if cu, ok := q.(port.CacheUser); ok && !o.NoCache {
			// The cache holds up to twice its size between bursts (it
			// spills above that): 128 buffers with the default burst,
			// what a driver's own completion cache holds (the budget's
			// reserve counts it: tools/gopkt budget.go), which now sits
			// idle.
			c := ifc.s.pool.NewCache(max(2*ifc.burst, 64))
			if errors.Join(cu.SetRxCache(c), cu.SetTxCache(c)) == nil {
				rq.cache, rq.cu = c, cu
			} else {
				_ = errors.Join(cu.SetRxCache(nil), cu.SetTxCache(nil))
			}
		}
		ifc.rxqs[i], ifc.txqs[i] = rq, tq
	}
}

// rxBurst takes one burst from the queue; rq.mu is held. With the pair's
// cache the transmit queue's mutex is held too (it owns the cache).
func (rq *rxQueue) rxBurst(bufs []*mbuf.Buf) int {
	var n int
	if rq.cache != nil {
		rq.tx.mu.Lock()
		n = rq.q.RxBurst(bufs)
		rq.tx.mu.Unlock()
	} else {
		n = rq.q.RxBurst(bufs)
	}
	if n > 0 {
		var bytes uint64
		for _, b := range bufs[:n] {
			bytes += uint64(b.PktLen())
		}
		rq.inPackets.Add(uint64(n))
		rq.inBytes.Add(bytes)
	}
	return n
}

// releaseCache gives the port back its own caches and returns the pair's
// buffers to the pool. The receive path is off the port (stopRx) and the
// transmit queue is off (Detach), so nothing else touches the cache.
func (rq *rxQueue) releaseCache() {
	if rq.cache == nil {
		return
	}
	rq.tx.mu.Lock()
	_ = errors.Join(rq.cu.SetRxCache(nil), rq.cu.SetTxCache(nil))
	rq.cache.Flush()
	rq.cache = nil
	rq.tx.mu.Unlock()
}

// Queues is the number of queue pairs the interface runs (one receive
// goroutine each).
func (ifc *Interface) Queues() int { return len(ifc.rxqs) }

// QueueCounters are one queue pair's counters, kept by the stack: frames
// taken from the queue's RxBurst, and frames handed to (or refused by) its
// TxBurst.
type QueueCounters struct {
	InPackets  uint64 // frames the queue received
	InBytes    uint64 // their bytes
	OutPackets uint64 // frames the queue's TxBurst took
	OutBytes   uint64 // their bytes
	OutDrops   uint64 // frames its TxBurst refused (a full ring) or that were dropped after Detach
}

// QueueCounters returns a snapshot of every queue pair's counters.
func (ifc *Interface) QueueCounters() []QueueCounters {
	out := make([]QueueCounters, len(ifc.rxqs))
	for i, rq := range ifc.rxqs {
		tq := ifc.txqs[i]
		out[i] = QueueCounters{
			InPackets: rq.inPackets.Load(), InBytes: rq.inBytes.Load(),
			OutPackets: tq.outPackets.Load(), OutBytes: tq.outBytes.Load(), OutDrops: tq.outDrops.Load(),
		}
	}
	return out
}

// Poll receives one burst from each queue and runs it through the stack;
// it returns the number of frames. Use it with IfOptions.NoPoller, from
// one goroutine at a time (RxBurst is single-consumer). After Detach it
// returns 0 without touching the port.
func (ifc *Interface) Poll() int {
	total := 0
	for _, rq := range ifc.rxqs {
		rq.mu.Lock()
		if ifc.stopping.Load() {
			rq.mu.Unlock()
			return total
		}
		n := rq.rxBurst(rq.bufs)
		rq.mu.Unlock()
		ifc.inputQueue(rq, rq.bufs[:n])
		total += n
	}
	return total
}

// run is a queue's receive goroutine: run to completion per burst, sleep
// on the queue's Waiter (or back off) when idle. The port is touched only
// under rq.mu; handlers run outside it.
func (rq *rxQueue) run(wg *sync.WaitGroup) {
	defer wg.Done()
	ifc := rq.ifc
	bufs := make([]*mbuf.Buf, len(rq.bufs)) // rq.bufs is Poll's (a test may Poll beside the poller)
	idle := 0
	for {
		rq.mu.Lock()
		if ifc.stopping.Load() {
			rq.mu.Unlock()
			return
		}
		n := rq.rxBurst(bufs)
		var err error
		if n == 0 && rq.w != nil {
			err = rq.w.Wait(50 * time.Millisecond)
		}
		rq.mu.Unlock()
		switch {
		case n > 0:
			ifc.inputQueue(rq, bufs[:n])
			idle = 0
		case rq.w != nil:
			if err != nil && !errors.Is(err, port.ErrTimeout) {
				// Closed or failing port: do not spin; Detach stops us.
				time.Sleep(10 * time.Millisecond)
			}
		default:
			idle = min(idle+1, 10)
			time.Sleep(time.Microsecond << idle) // up to ~1 ms
		}
	}
}

// stopRx keeps the receive path off the port from now on: once it
// returns, no RxBurst or Wait is running or will run on any queue. It does
// not wait for the receive goroutines to exit (Close does), so a handler
// on one of them may call it: a goroutine holds its queue's mu only inside
// the port.
func (ifc *Interface) stopRx() {
	ifc.stopping.Store(true)
	for _, rq := range ifc.rxqs {
		rq.mu.Lock()
		//lint:ignore SA2001 an empty critical section is the point: wait out the RxBurst or Wait in progress
		rq.mu.Unlock()
	}
}
