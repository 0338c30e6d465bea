// Package ipv6 is the IPv6 layer of the stack: input with extension
// header processing (RFC 8200 §4), output with source address selection
// (RFC 6724 §5), fragmentation and reassembly (RFC 8200 §4.5, RFC 5722,
// RFC 7112, RFC 8021), ICMPv6 (RFC 4443) and neighbour discovery
// (RFC 4861: the neighbour cache state machine, solicitations and
// advertisements).
//
// Start with New: pass the result in stack.Options.Protocols beside
// ipv4.New. Attach registers EtherType 0x86DD; ICMPv6 is built in and the
// Options.Transports are registered by next-header number; AddTransport
// and RemoveTransport load and unload one while the stack runs (the
// table is read with one atomic load per packet; a removed number is
// answered with a parameter problem, code 1). Addresses and
// routes are IPv6's own (AddAddress, Routes, a route.Table6): every
// interface gets its link-local address from its MAC (RFC 4291 Appendix
// A; ::1 on the loopback) and joins all-nodes and the solicited-node group
// of each address (RFC 4291 §2.7.1, §2.8); a port with a multicast filter
// (hw/port.Filter) is programmed with those groups' MAC addresses
// (RFC 2464 §7).
//
// Data path: input checks the fixed header and addresses (multicast or
// loopback sources, groups not joined), walks the extension headers —
// hop-by-hop only first; options acted on by their type's high bits;
// routing headers with segments left (type 0 included, RFC 5095)
// refused with a parameter problem; fragments reassembled (atomic ones
// processed alone) — and delivers to ICMPv6 or a transport. An unknown
// next header is answered with a parameter problem, code 1, an unbound
// port with destination unreachable, code 4. Output builds the header in
// the buffer's headroom, fragments at the source when the packet exceeds
// the interface MTU (unpredictable identifications, RFC 7739) and resolves
// the next hop.
//
// Neighbour discovery (neigh.go, ndp.go): entries go INCOMPLETE
// (multicast solicitations every RetransTimer, packets queued against the
// "nd-hold" quota) → REACHABLE (a solicited advertisement) → STALE (after
// ReachableTime, or unsolicited news) → DELAY (used while stale) → PROBE
// (unicast solicitations) and are deleted when probes go unanswered, with
// address unreachable errors for what was queued. Messages with a hop
// limit other than 255, options of length 0 and the other §7.1 failures
// are counted by reason and dropped.
//
// ICMPv6 errors follow RFC 4443 §2.4 (e) (never about errors, to
// multicast, or to an unspecified or multicast source, except packet too
// big and unknown options) and are rate limited by a token bucket
// (Options.ICMPRate, ICMPBurst). Ping sends echo requests and matches
// replies and errors.
//
// Ownership and concurrency are IPv4's: a function taking an *mbuf.Buf
// owns it; queued buffers are freed by timeouts, limits, Close or
// interface removal; input runs on each interface's receive goroutine,
// Output anywhere; one timer goroutine runs neighbour and reassembly
// timers every Options.Tick. Malformed input never panics: it is counted
// in Stats and dropped.
//
// Addresses (addr.go, dad.go): new addresses are tentative until
// duplicate address detection (RFC 4862 §5.4) passes; an answer makes
// them duplicates, never assigned (WaitDAD reports it). Router discovery
// and SLAAC (ra.go) run per interface once SetAutoconf turns them on:
// default routes with the router lifetime, on-link prefixes, and
// addresses with RFC 7217 stable opaque identifiers; past its preferred
// lifetime such an address is deprecated (RFC 4862 §5.5.4), avoided as a
// source (RFC 6724 rule 3) but kept until its valid lifetime ends.
// AddressInfo (addrinfo.go) lists each address with its state (tentative,
// preferred, deprecated, duplicate), origin and remaining lifetimes.
// LinkUp (relink.go) is the caller telling IPv6 that an interface
// (re)attached to a link — a wireless station's every association: the
// addresses run DAD again, the groups are reported, routers are solicited
// again and neighbours re-confirmed (RFC 4862 §5.3, §5.4; RFC 4861
// §6.3.7); with autoconfiguration on, the routers it knew are probed by
// unicast solicitations to their old link-layer addresses (RFC 6059,
// dna.go), and if none answers while another router advertises, what
// the old link taught (routers, prefixes, SLAAC addresses) is dropped at
// once. MLDv2 (mld.go) reports
// the groups joined, each state change retransmitted once (RFC 3810 §6.1). Path MTU discovery (pmtu.go, RFC 8201)
// lowers a per-destination MTU from packet too big messages quoting our
// packets. Forwarding (forward.go, Options.Forwarding) decrements the
// hop limit and answers with time exceeded, no route and packet too big.
// Routed fast forwarding (fastfwd.go, NetBSD's ip6flow; the scheme of
// stack/ipv4's) caches what the full path decided per (interface, source,
// destination) and forwards a cached flow's later packets from the
// receive burst to the egress TxBurst; hop limit 1, a hop-by-hop header,
// packets over the path MTU, flows back out their own link (redirects)
// and everything while an In or Forward hook is installed take the full
// path. A generation (routes, neighbours leaving REACHABLE, addresses,
// redirects, path and link MTUs) invalidates every entry at once.
// network.go is the transports' seam (stack/network.Layer). Hook points
// (stack/pfil, where stack/pf attaches): In for every received packet
// before reassembly, delivery or forwarding; Out for what Output sends,
// before fragmentation; Forward for forwarded packets.
//
// Per-interface host variables (linkparams.go, RFC 4861 §6.3.2):
// CurHopLimit, LinkMTU, BaseReachableTime with the randomised
// ReachableTime, and RetransTimer start from Options and the device's MTU;
// router advertisements set them (§6.3.4; an MTU option only between 1280
// and the device's MTU). Params shows them.
//
// Redirects (redirect.go, RFC 4861 §8): a host follows a valid redirect
// from a destination's first-hop router (the destination's next hop
// becomes the target for Options.RedirectTimeout; the target's neighbour
// entry takes the Target Link-Layer Address option); a router forwarding
// a packet back out the link it came from, from a neighbour there, sends
// the sender a redirect, at most Options.RedirectRate a second.
//
// What it does not do yet: temporary addresses (RFC 8981), DHCPv6 (and
// so RFC 6059's DHCPv6 part), MLD's randomised delay before answering a
// query, and hop-by-hop options on forwarded packets.
package ipv6
