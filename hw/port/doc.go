// Package port is the contract between a network driver and the stack: a Port
// moves bursts of mbufs in and out and reports its MAC, MTU, offloads, link
// and 64-bit statistics. The stack imports this package, never a driver; a
// driver (drivers/e1000, the wireless layer, the stack's own pseudo-devices)
// implements Port.
//
// Start with Port. Optional abilities are separate one-method-family
// interfaces a caller discovers with a type assertion: Filter (receive
// filters: promiscuous, multicast), Waiter (sleep until the port has work),
// CacheUser (RX refills and TX completions through the caller's mbuf cache,
// so one poll loop recycles buffers without the pool's lock), MultiQueue
// (several RX/TX queue pairs, each a Queue with the Port's burst contract
// and optionally its own Waiter and CacheUser; multiqueue.go). A port
// without MultiQueue is one queue, itself (QueueOf, QueueCount), so a
// single-queue driver such as drivers/e1000 and a multi-queue one such as
// drivers/igb meet the stack through the same contract.
//
// # Ownership
//
//   - RxBurst hands ownership of every buffer it returns to the caller, who
//     must Free it (or pass it on). A chained (jumbo) frame is one entry: the
//     head segment, with the rest linked through Next.
//   - TxBurst takes ownership of the first n buffers it accepted (n is its
//     return value); the caller must not touch them afterwards. Buffers it did
//     not accept stay with the caller, who may retry or free them.
//   - Neither call allocates or blocks; a full ring or an empty one is a short
//     count, never an error. Per-packet failures become Stats counters.
//   - RxBurst and TxBurst of one port are each used by one goroutine at a time
//     (a queue is single-consumer / single-producer); every other method is
//     safe for concurrent use. With MultiQueue the rule holds per queue:
//     different queues run on different goroutines without locks between
//     them, and queue 0 is the Port's own RxBurst/TxBurst (the same rings).
//
// # Link state
//
// Link is the current state and LinkEvents a latest-state-only channel
// (closed when the port closes). A stack that attaches the port is the one
// reader of LinkEvents from then on: it follows the link and stops
// transmitting into a dead one. Drivers whose link only moves when their
// housekeeping runs (drivers/e1000's Service) need it run; netif/em
// does so for the e1000.
//
// # Memory a device can reach
//
// A driver that hands IOVAs to a device accepts buffers only from pools
// whose memory came from the device's DMA allocator (mbuf.Pool.From), and
// refuses Config pools that did not. On transmit it remembers the pools it
// accepted, so the check costs a pointer compare; a buffer from any other
// pool never reaches a descriptor and is counted in Stats.TxForeign.
//
// # What it does not do
//
// No flow steering beyond what the device's RSS does (no filters that
// pin a flow to a queue), no queue count changes after attach, no packet
// timestamps beyond mbuf.Meta.Time.
package port
