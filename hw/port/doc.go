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
// so one poll loop recycles buffers without the pool's lock).
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
//     safe for concurrent use.
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
// No multi-queue selection (one RX and one TX queue per Port), no flow
// steering, no packet timestamps beyond mbuf.Meta.Time.
package port
