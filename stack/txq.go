package stack

import (
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
)

// Transmit batching (DESIGN §3: touch the doorbell once per burst).
//
// Frames sent while any receive burst is running (echo replies, forwarded
// packets, ARP answers, packets released from the neighbour queue) collect
// on a transmit queue of their interface; every receive burst, when it
// ends, hands each non-empty queue to its port queue in one TxBurst, so a
// burst of 32 requests costs one doorbell write, not 32. Frames sent while
// no burst runs (a socket write on an idle stack) go out at once. A full
// queue (IfOptions Burst frames) is flushed at once too.
//
// An interface has one transmit queue per queue pair of its port (rxq.go).
// A frame's queue is its flow's (txQueueFor): the hash the NIC computed
// when the frame was received (a forwarded frame, a reply built in the
// request's buffer), else a hash of its addresses and ports (flowhash.go),
// so the frames of one flow leave through one queue, in order.
//
// Why nothing is stranded: an enqueuer stores the queue length, then reads
// the number of active bursts, both under the queue's mutex; a burst first
// decrements that number, then checks every queue. With sequentially
// consistent atomics, either the enqueuer sees no active burst and flushes
// itself, or the burst it saw sees its queue non-empty afterwards.

// txQueue is one transmit queue of an interface. TxBurst is single
// producer: mu serialises it (and guards the pair's mbuf cache, rxq.go).
type txQueue struct {
	ifc *Interface
	idx int
	q   port.Queue

	mu      sync.Mutex
	bufs    []*mbuf.Buf // frames waiting for the end of an RX burst
	lens    []int       // their lengths, for the counters
	pending atomic.Int32
	off     bool // detached: nothing reaches the port any more (under mu)

	outPackets, outBytes, outDrops atomic.Uint64
}

// txQueueFor picks b's transmit queue by its flow hash.
func (ifc *Interface) txQueueFor(b *mbuf.Buf) *txQueue {
	if len(ifc.txqs) == 1 {
		return ifc.txqs[0]
	}
	h := b.Meta.Hash
	if b.Meta.HashType == 0 {
		h = flowHash(b.Bytes())
	}
	return ifc.txqs[h%uint32(len(ifc.txqs))]
}

// enqueue queues b on its flow's transmit queue and flushes unless a
// receive burst will.
func (ifc *Interface) enqueue(b *mbuf.Buf) { ifc.txQueueFor(b).enqueue(b) }

func (tq *txQueue) enqueue(b *mbuf.Buf) {
	tq.mu.Lock()
	tq.bufs = append(tq.bufs, b)
	tq.lens = append(tq.lens, b.PktLen())
	tq.pending.Store(int32(len(tq.bufs)))
	// A detached interface (off) is no longer in the table flushPending
	// walks: a frame a handler sends on it after Detach is dropped and
	// counted here, or it would wait in the queue for good.
	if len(tq.bufs) >= tq.ifc.burst || tq.off || tq.ifc.s.rxActive.Load() == 0 {
		tq.flushLocked()
	}
	tq.mu.Unlock()
}

// flushLocked hands the queue to the port in one TxBurst; frames the port
// does not take (a full ring) are dropped and counted. After Detach the
// port is not touched: everything is dropped and counted. mu is held.
func (tq *txQueue) flushLocked() {
	q := tq.bufs
	if len(q) == 0 {
		return
	}
	n := 0
	c := &tq.ifc.c
	if tq.off {
		c.outLinkDown.Add(uint64(len(q)))
	} else {
		n = tq.q.TxBurst(q) // single producer: serialised by mu
	}
	var bytes uint64
	for _, l := range tq.lens[:n] {
		bytes += uint64(l)
	}
	tq.count(n, bytes, len(q)-n)
	if n < len(q) {
		for _, b := range q[n:] {
			b.Free()
		}
	}
	clear(q)
	tq.bufs = q[:0]
	tq.lens = tq.lens[:0]
	tq.pending.Store(0)
}

// count adds a TxBurst's outcome to the queue's and the interface's
// counters.
func (tq *txQueue) count(sent int, bytes uint64, dropped int) {
	c := &tq.ifc.c
	if sent > 0 {
		c.outPackets.Add(uint64(sent))
		c.outBytes.Add(bytes)
		tq.outPackets.Add(uint64(sent))
		tq.outBytes.Add(bytes)
	}
	if dropped > 0 {
		c.outDrops.Add(uint64(dropped))
		tq.outDrops.Add(uint64(dropped))
	}
}

// stopTx sends what every queue holds, then turns transmission off: later
// frames are dropped and counted (Detach).
func (ifc *Interface) stopTx() {
	for _, tq := range ifc.txqs {
		tq.mu.Lock()
		tq.flushLocked()
		tq.off = true
		tq.mu.Unlock()
	}
}

// flushPending flushes every transmit queue with queued frames; each
// receive burst calls it when it ends.
func (s *Stack) flushPending() {
	for _, ifc := range *s.ifaces.Load() {
		if ifc == nil {
			continue
		}
		for _, tq := range ifc.txqs {
			if tq.pending.Load() > 0 {
				tq.mu.Lock()
				tq.flushLocked()
				tq.mu.Unlock()
			}
		}
	}
}
