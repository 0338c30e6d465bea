// Package route holds the routing tables of the stack: longest-prefix match
// over connected, static and default routes (RFC 1812 §5.2.4.3), IPv4
// (Table) and IPv6 (Table6).
//
// Start with Table: Add, Delete, Lookup; NextHop4 is the forwarding path's
// lookup (an address word in, interface and next-hop word out, no Route
// copied; small enough to inline), NextHop the same for [4]byte, AddBatch
// loads a full table at once, Memory reports bytes per route.
//
// Two halves. The control plane (core.go) keeps every route by prefix, under
// a mutex; several routes to one prefix are allowed, the lowest metric (then
// the first added) is used. The forwarding plane (plane.go) is a multibit
// trie with a 16-bit first level and 8-bit levels below, prefixes expanded
// to their level and pushed to the leaves (Srinivasan and Varghese 1999):
// an IPv4 lookup is two loads up to /24 and three up to /32, however many
// routes there are, and allocates nothing. An IPv4 table of bigTable
// (65 536) prefixes or more is rebuilt with a 24-bit first level, the
// DIR-24-8 of DPDK's rte_lpm (Gupta, Lin and McKeown 1998): one load up to
// /24, two up to /32, for a 64 MiB root in huge pages; it goes back to
// 16-8-8 below a quarter of the threshold. Lookup takes no lock: the writer
// changes entries with single atomic stores after building anything they
// point to, never reuses a group or a next-hop record while readers may
// hold it, and rebuilds a fresh plane, published with one atomic pointer
// store, when the garbage outweighs the live part (and for big batches);
// a plane being rebuilt is written with plain stores, no reader seeing it
// before it is published (a bulk load of a million BGP-shaped routes
// takes about 2 s of CPU).
// Add and Delete cost what the prefix covers in the trie (a /24 writes one
// entry, a /8 256 and the groups below them), plus map operations: not the
// size of the table. Leaves name next-hop records (gateway, interface,
// metric, kind) that prefixes share; Lookup rebuilds the matched prefix
// from the address and the length in the leaf. Record 0 is "no route", so
// NextHop4's common case (a root entry that is a leaf) is two loads, the
// root entry and the record, with no branch on what it found; groups and
// records sit in address ranges each plane reserves (arena.go), so their
// bases never move and a lookup reloads nothing but the plane pointer.
// A plane reserves (does not commit) 8 GiB of address space for its groups
// and 96 MiB for its records; under an address-space limit (ulimit -v) it
// takes the largest power-of-two part of that the kernel grants, down to
// 64 MiB and 8 MiB, and a table that outgrows it panics, as a make out of
// memory does, saying so.
// In a full table a single lookup costs about the DRAM miss of its root
// entry; bench/route compares it with DPDK's rte_lpm in one run.
//
// Routes name their outgoing interface by index, not by pointer, so this
// package knows nothing about interfaces; the stack removes an interface's
// routes when it is destroyed (DeleteInterface).
//
// NextHopBurst is the batched lookup (DPDK's rte_lpm_lookup_bulk): it
// loads the root entries of up to 32 destinations before finishing any,
// so their cache misses overlap (bench/route).
//
// What it does not do: multipath (equal-cost routes: the lowest metric,
// then the first added, wins), policy routing, route metrics from
// protocols.
package route
