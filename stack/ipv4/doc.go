// Package ipv4 is the IPv4 layer of the stack: IP input and output
// (RFC 791, RFC 1122 §3), forwarding (RFC 1812), fragmentation and
// reassembly, ARP and the neighbour cache (RFC 826), and ICMP (RFC 792).
//
// Start with New: pass the result in stack.Options.Protocols. Attach
// registers EtherTypes 0x0800 (IPv4) and 0x0806 (ARP, which belongs to IPv4
// and is switched off per interface with stack.FlagNoARP) and the IP
// protocol table: ICMP built in, the Options.Transports (UDP, …) by number.
// Transports send with Output and receive through Transport.Input. The
// table is read with one atomic load per datagram, so AddTransport and
// RemoveTransport load and unload a transport while the stack runs
// (transports.go); a removed protocol is answered with ICMP protocol
// unreachable.
//
// Data path: input validates the header (version, IHL, lengths, checksum
// unless the NIC verified it, martian addresses), runs the In hooks, then
// delivers (reassembling fragments first) or forwards (TTL, route, Forward
// hooks, next hop). Output builds the header in the buffer's headroom, runs
// the Out hooks, fragments to the MTU and resolves the next hop; packets wait
// on the neighbour entry (a bounded queue) while ARP runs. Nothing on the
// unfragmented path allocates.
//
// Routed fast forwarding (fastfwd.go, NetBSD's ipflow): a flow the full
// path forwarded — (receiving interface, source, destination) to egress
// and next-hop MAC — is cached, and the stack hands its later datagrams
// straight from the receive burst to the egress TxBurst: checksum and TTL
// checked, TTL decremented with RFC 1624's update, Ethernet header
// rewritten, nothing else. Options, fragments, TTL 1, datagrams over the
// MTU and everything while an IPv4 In or Forward hook (pf) is installed
// take the full path. Entries are invalidated all at once by a generation
// (routes, neighbours, addresses, interfaces, switches), never walked.
// Options.NoFastForward and SetFastForward switch it; Stats.FastHits and
// the rest count it.
//
// Ownership: every function that takes an *mbuf.Buf owns it from then on
// and frees it on every error path; buffers queued in the neighbour cache or
// the reassembler are freed by timeouts, limits, Close, or interface removal.
// While queued they are charged to two quotas of the stack's mbuf budget
// (quota.go): "arp-hold" over every neighbour's queue and "reassembly"; a
// refusal is counted by reason (Stats ARPHoldRefused*, ReasmRefused*), so
// neither a flood towards next hops that never answer nor incomplete
// fragments can hold more than their share of the pool.
//
// Neighbour cache (neigh.go, neighfast.go): the data path looks resolved
// entries up in a lock-free open-addressing table (atomic loads, no
// allocation), so its cost does not depend on the number of neighbours;
// the state machine, hold queues and timers sit behind a mutex that only
// misses take. Dynamic entries (Options.NeighMax) and permanent ones
// (Options.NeighStaticMax, AddStaticNeighbour returns ErrNeighFull past
// it) are counted apart, so a new neighbour always resolves: a full table
// evicts an unresolved entry, else the least recently used resolved one
// (CLOCK). ARP learns a sender it did not ask for only from a request to
// us from one of the interface's subnets (ARPInRefused counts the rest).
//
// Address conflicts (RFC 5227, acd.go): another host's ARP packet with
// one of our addresses as sender is counted and answered by one
// announcement per 10 s (the address is defended, never given up: §2.4
// policy (c)); ProbeAddress runs §2.1's probes before an address is
// configured and reports ErrAddressInUse.
//
// Concurrency: input runs on each interface's RX goroutine, Output on any
// goroutine. The neighbour cache's slow path and the reassembler are
// mutex-protected; routes, resolved neighbours, addresses and hooks are
// read lock-free. One timer goroutine runs
// ARP retries and expiry and the reassembly timeout every Options.Tick.
//
// Malformed input never panics: it is counted in Stats and dropped.
//
// What it does not do: IP options processing beyond tolerating them (record
// route, timestamps and source routes are passed through, not acted on), ICMP
// redirects, path MTU discovery, multicast group membership (IGMP),
// per-interface forwarding switches.
package ipv4
