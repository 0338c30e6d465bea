// Package mbuf is the shared pool of packet buffers that every driver ring and
// every protocol layer in gopkt uses. Buffers live in DMA memory, so a NIC
// writes a received frame straight into the buffer the stack later parses, and
// transmits straight from the buffer the stack built: zero copy end to end.
//
// # Buffer layout
//
// Each buffer is a fixed 2176-byte slot in DMA memory; its metadata (Buf) is
// ordinary Go memory, so no Go pointer is ever stored where a device can write.
//
//	slot:   |<- Headroom (128) ->|<------------- DataRoom (2048) ------------->|
//	        +--------------------+----------------------------------------------+
//	        |        free        |  packet bytes  |          tailroom           |
//	        +--------------------+----------------------------------------------+
//	                        ^ Push(n) grows      ^ Bytes() = [off, off+len)  ^ Append(n) grows
//	                          the front here       Pull(n) consumes the front,  the back here,
//	                                               Trim(n) drops the back
//
// A receive descriptor gets RoomIOVA(): the device writes at the start of the
// data room and the driver sets the length with SetLen. A layer that prepends a
// header calls Push and writes into the returned bytes; one that consumes a
// header calls Pull. Views never copy.
//
// # Ownership
//
// Exactly one owner holds a Buf at a time. Ownership moves when a buffer is
// handed on: to a driver by TxBurst (for the buffers it accepted), to the next
// layer on delivery, to the pool by Free. After handing a buffer on, do not
// touch it — not its bytes, not its metadata. Clone returns a second, read-only
// header on the same bytes (reference counted): bridge flooding and
// multi-destination delivery use it; the bytes go back to the pool when the
// last header is freed. A Buf whose Refs() > 1 must not be written.
//
// # Allocation
//
// Pool.Alloc and Pool.Free move batches under one lock. A Cache is a per-queue
// stack in front of the pool (like DPDK's per-lcore mempool cache): one
// goroutine uses it without locks and trades with the pool in half-cache
// batches. Alloc fills a caller-provided slice; nothing here allocates Go
// memory per packet.
//
// # Chains
//
// Frames larger than the data room (jumbo frames, up to 9000 bytes MTU) are
// chains: Next links segments, PktLen sums them, Free frees the whole chain.
// The protocols' chain helpers are here too (chain.go): Checksum sums a
// chain as one buffer (odd-length segments included), CopyAt copies from an
// offset, Truncate cuts a chain to a length and frees the rest, and
// Pool.GetChain builds a chain from bytes.
//
// A chain may mix pools: Free hands each segment to its own pool, taking
// one pool lock at a time (segments of other pools are set aside and freed
// after the lock is released), so two pools never wait on each other.
//
// # Lifecycle
//
// Pool.Close refuses while any buffer is out, with an ErrBusy OpError that
// counts the buffers held by owners (a leak, or a device not quiesced) and
// those parked in caches (Flush each Cache on its own goroutine first; a
// cache cannot be emptied from another). Nothing changes when it refuses.
// After a successful Close the DMA memory is gone and the pool hands out
// nothing: Alloc and Cache.Alloc return 0 (their free stacks are empty, so
// the hot paths carry no extra test), Pool.Err and Get report ErrClosed.
// A buffer freed into a closed pool can only be a double free; it is
// dropped and counted (LateFrees), never reused.
//
// Drivers decide whether a device can reach a pool's buffers with
// Pool.From(function.DMA()), once per pool, not per packet.
//
// # Budget: who may park how much
//
// A buffer is parked when it waits for someone else: a datagram in a
// socket's receive queue waiting for its reader, a packet in a neighbour
// hold queue waiting for an ARP reply, a fragment waiting for the rest of
// its datagram. Whoever controls that someone (a remote peer, a slow
// reader) controls how long the buffer stays. Parked buffers are what a
// hostile network uses to empty the pool: then the NIC has no receive
// buffers and the host answers nothing, ARP included.
//
// A Budget (quota.go) bounds them. At most Cap − Reserve buffers are
// parked at any time; the Reserve is what receive refill, the rings, the
// per-queue caches and the packets in flight draw from, and no consumer
// can take it. Each consumer class has a Quota of the budget, charged
// (Charge, a few atomics, no allocation) when a buffer is parked and
// uncharged when it leaves; a refused charge returns ErrQuota (the
// class's own limit) or ErrBudget (the budget) and is counted by that
// reason. Buffers in flight are never charged: they come back within a
// burst or a ring turn.
//
//	consumer              quota        default limit (L = Cap − Reserve)
//	UDP receive queues    udp-rcvq     L/2 over all sockets; per socket 256 mbufs and 256 KiB (udp.Options)
//	ARP hold queues       arp-hold     L/4 over all neighbours; 16 packets per neighbour (ipv4.Options)
//	IPv4 reassembly       reassembly   min(256, L/4); on refusal the oldest datagram is evicted
//	capture taps          none         taps copy into their own ring and never hold an mbuf
//
// The default limits add up to at most L, so each class keeps its share
// under attack; raising one (udp.Options.Buffers) overcommits, and then
// the budget refuses whoever comes last. The stack takes the budget from
// stack.Options.Budget (one per pool; nil makes one with the default
// Reserve of Cap/4).
//
// The daemon's pool (tools/gopkt, --buffers 4096) with one e1000 at its
// default 512/512 descriptors: the reserve is a full RX ring (512), its
// refill cache (up to 2 × 128), a full TX ring (512), the TX cache (up to
// 128) and the interface's burst and transmit queue (64): 1472, more than
// Cap/4. So L = 4096 − 1472 = 2624: UDP sockets 1312 together, ARP hold
// queues 656, reassembly 256; 400 never used by default. Each further
// NIC adds its rings to the reserve (tools/gopkt budget.go).
//
// # Leak checks
//
// InUse counts buffers not in the pool or a cache; tests end with InUse() == 0.
// Outstanding splits what is not home into held and cached.
// A test that parks buffers also ends with every Quota's InUse() == 0.
package mbuf
