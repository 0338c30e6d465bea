// Package flow is the flow cache of routed fast forwarding (NetBSD's
// ipflow, netinet/ip_flow.c, and io-pkt's fast forward): a bounded table
// from a flow's key (receiving interface and addresses, in 64-bit words)
// to what forwarding it needs — the egress interface, the next hop's MAC,
// the MTU — shared by IPv4 and IPv6 (stack/ipv4, stack/ipv6 fastfwd.go).
//
// Where to start: Cache (cache.go), what each family holds: the switch,
// the generation, the admission control (admission.go) and the counters
// around a Table made by the first install. Table (table.go): New, Lookup
// (the receive path, per packet), Install (the full forwarding path,
// after it forwarded a packet).
//
// Invalidation is by generation: an entry remembers the generation its
// owner passed to Install, and Lookup takes the current one; an entry of
// another generation is Stale, so the owner invalidates every entry at
// once by changing its generation (a route, neighbour or address change)
// and no one walks the table. Generations only grow.
//
// Memory is fixed at New: slots in buckets of four (an entry goes to the
// free, stale or a not recently hit way of its bucket, CLOCK's second
// chance: an install clears the other ways' hit bits). Nothing allocates
// after New.
//
// Concurrency: Lookup and Install run on any number of receive goroutines
// at once. Each slot is a sequence lock over atomic words: a writer makes
// the sequence odd (one compare-and-swap; a writer that loses skips its
// install), stores the key and the hop, and makes it even again; a reader
// takes the entry only if the sequence was even and unchanged around its
// reads, so it never sees one flow's key with another's hop. Every field
// is an atomic, so the race detector sees no race and the compiler keeps
// the order.
//
// What it does not do: per-flow statistics beyond a referenced bit,
// expiry by time (entries live until replaced or a generation change), or
// any decision about what may be cached: that is its owner's.
package flow
