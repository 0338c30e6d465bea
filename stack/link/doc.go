// Package link is an in-memory Ethernet link: two Ports joined back to back
// (Pair), or one Port that receives what it sends (Loop, the loopback
// device). Both implement hw/port.Port, so the stack drives them exactly as it
// drives the e1000: tests and benchmarks run the whole data path without a
// device or a kernel.
//
// Start with Pair. A frame sent on one end is queued, still in the same mbuf
// (no copy), on the other end's receive queue, which holds at most Options.Queue
// frames; more are dropped and counted (RxMissed), as a full NIC ring would.
// Each end implements port.Waiter, so a poller sleeps until a frame arrives.
//
// Ownership: TxBurst takes the buffers it accepts; RxBurst hands them to the
// caller. Close frees everything still queued.
//
// What it does not do: delay, loss or reordering models (use Options.Filter
// to drop or inspect frames), link-state changes beyond Close, offloads.
package link
