package stack

import "github.com/gopkt/gopkt/hw/mbuf"

// Transmit batching (DESIGN §3: touch the doorbell once per burst).
//
// Frames sent while any receive burst is running (echo replies, forwarded
// packets, ARP answers, packets released from the neighbour queue) collect
// on their interface's queue; every receive burst, when it ends, hands each
// non-empty queue to its port in one TxBurst, so a burst of 32 requests
// costs one doorbell write, not 32. Frames sent while no burst runs (a
// socket write on an idle stack) go out at once. A full queue (IfOptions
// Burst frames) is flushed at once too.
//
// Why nothing is stranded: an enqueuer stores the queue length, then reads
// the number of active bursts, both under the queue's mutex; a burst first
// decrements that number, then checks every queue. With sequentially
// consistent atomics, either the enqueuer sees no active burst and flushes
// itself, or the burst it saw sees its queue non-empty afterwards.

// enqueue queues b for the port and flushes unless a receive burst will.
func (ifc *Interface) enqueue(b *mbuf.Buf) {
	ifc.txMu.Lock()
	ifc.txq = append(ifc.txq, b)
	ifc.txLen = append(ifc.txLen, b.PktLen())
	ifc.txPending.Store(int32(len(ifc.txq)))
	// A detached interface (txOff) is no longer in the table flushPending
	// walks: a frame a handler sends on it after Detach is dropped and
	// counted here, or it would wait in the queue for good.
	if len(ifc.txq) >= ifc.burst || ifc.txOff || ifc.s.rxActive.Load() == 0 {
		ifc.flushLocked()
	}
	ifc.txMu.Unlock()
}

// flushLocked hands the queue to the port in one TxBurst; frames the port
// does not take (a full ring) are dropped and counted. After Detach the
// port is not touched: everything is dropped and counted. txMu is held.
func (ifc *Interface) flushLocked() {
	q := ifc.txq
	if len(q) == 0 {
		return
	}
	n := 0
	if ifc.txOff {
		ifc.c.outLinkDown.Add(uint64(len(q)))
	} else {
		n = ifc.port.TxBurst(q) // single producer: serialised by txMu
	}
	var bytes uint64
	for _, l := range ifc.txLen[:n] {
		bytes += uint64(l)
	}
	c := &ifc.c
	c.outPackets.Add(uint64(n))
	c.outBytes.Add(bytes)
	if n < len(q) {
		c.outDrops.Add(uint64(len(q) - n))
		for _, b := range q[n:] {
			b.Free()
		}
	}
	clear(q)
	ifc.txq = q[:0]
	ifc.txLen = ifc.txLen[:0]
	ifc.txPending.Store(0)
}

// flushPending flushes every interface with queued frames; each receive
// burst calls it when it ends.
func (s *Stack) flushPending() {
	for _, ifc := range *s.ifaces.Load() {
		if ifc != nil && ifc.txPending.Load() > 0 {
			ifc.txMu.Lock()
			ifc.flushLocked()
			ifc.txMu.Unlock()
		}
	}
}
