// Package pfil is the packet-filter hook framework of the stack, shaped like
// NetBSD's pfil(9): ordered lists of hooks at fixed points of the data path
// that may pass, drop, consume or modify a packet.
//
// The stack owns one Head per hook point: Ethernet in and out (the frame
// starts at the Ethernet header) and IPv4 in, out and forward (the packet
// starts at the IPv4 header). Start with Head.Add and Head.Run.
//
// Readers are lock-free: the hook list is an immutable slice behind an
// atomic.Pointer, so Run is one atomic load and, with no hooks, one nil check.
// Add and Remove copy the slice under a mutex and publish the new one.
//
// Ownership: a hook borrows the buffer. It returns Drop (the caller frees the
// buffer), Consumed (the hook took ownership and the caller must forget the
// buffer), Modified (it rewrote bytes in place; the caller re-parses) or
// Pass. A hook must not keep the buffer after returning anything but
// Consumed. Hooks run on the RX goroutine (run to completion) and must not
// block.
//
// AddrFilter is a small example filter: drop IPv4 packets by address prefix,
// protocol and port.
//
// What it does not do: stateful filtering, NAT, per-hook counters beyond
// what a hook keeps itself.
package pfil
