package port

import "github.com/gopkt/gopkt/hw/mbuf"

// MultiQueue is implemented by ports with several RX/TX queue pairs
// (drivers/igb: RSS spreads received flows over the queues). A caller that
// finds it runs one receive loop per queue and picks a transmit queue per
// flow; a caller that does not look still has a working single-queue port,
// because the Port's own RxBurst and TxBurst are queue 0's. A port without
// it (drivers/e1000, tap, link) is one queue: the Port itself.
//
// Queues is fixed for the life of the port. Queue(i), 0 <= i < Queues(),
// returns the same Queue on every call; Queue(0)'s bursts are the Port's.
type MultiQueue interface {
	Queues() int
	Queue(i int) Queue
}

// Queue is one RX/TX queue pair of a MultiQueue port, with the Port's
// burst contract for its rings: RxBurst hands over the frames it returns,
// TxBurst takes the buffers it accepted, neither allocates nor blocks, and
// each is single-consumer (one goroutine at a time per queue and
// direction). Different queues run in parallel without locks between
// them. A Queue may also implement Waiter (sleep on the queue's own
// interrupt vector) and CacheUser (the queue's refills and completions
// through the caller's cache), with the meanings they have on a Port.
type Queue interface {
	RxBurst(bufs []*mbuf.Buf) int
	TxBurst(bufs []*mbuf.Buf) int
}

// QueueOf returns queue i of p: p.Queue(i) for a MultiQueue port, p itself
// for queue 0 of any other port, nil otherwise.
func QueueOf(p Port, i int) Queue {
	if mq, ok := p.(MultiQueue); ok {
		if i < 0 || i >= mq.Queues() {
			return nil
		}
		return mq.Queue(i)
	}
	if i == 0 {
		return p
	}
	return nil
}

// QueueCount is p's number of queue pairs: MultiQueue.Queues, else 1.
func QueueCount(p Port) int {
	if mq, ok := p.(MultiQueue); ok {
		return max(1, mq.Queues())
	}
	return 1
}
