// Package route is the IPv4 routing table of the stack: longest-prefix match
// over connected, static and default routes (RFC 1812 §5.2.4.3).
//
// Start with Table: Add, Delete, Lookup. The table is copy-on-write: writers
// (route add/delete, address changes) build a new immutable snapshot under a
// mutex and publish it with an atomic pointer, so Lookup on the forwarding
// path takes no lock and allocates nothing.
//
// Routes name their outgoing interface by index, not by pointer, so this
// package knows nothing about interfaces; the stack removes an interface's
// routes when it is destroyed (DeleteInterface).
//
// What it does not do: IPv6, multipath (equal-cost routes: the lowest metric,
// then the first added, wins), policy routing, route metrics from protocols.
package route
