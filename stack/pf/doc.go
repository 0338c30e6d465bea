// Package pf is a pf-style packet filter on the stack's IPv4 and IPv6 hook
// points (stack/pfil): an ordered rule set with last-match and quick
// semantics, stateful passing of UDP, TCP connections and ICMP and ICMPv6
// echo, address translation for IPv4 (nat with port allocation, rdr port
// forwarding), per-rule counters, and a rules text close to OpenBSD's
// pf.conf, replaced atomically at runtime.
//
// # Where to start
//
//	f := pf.New(s, pf.Options{})
//	if err := f.Load(rules); err != nil { ... }       // *ParseError says line and token
//	f.Attach(ip)                                     // ipv4's In, Out and Forward hooks
//	f.AttachIPv6(ip6)                                // ipv6's: the same rules and states
//	f.Load(newRules)                                 // at runtime: all or nothing
//	f.Rules(); f.Stats()
//
// # Rules syntax
//
// One rule per line; # starts a comment. Words in brackets are optional:
//
//	rule    = filter | translation
//	filter  = action [dir] [quick] [on IFNAME] [inet | inet6] [proto PROTO]
//	          [all | [from HOST] [to HOST]] [option...]
//	action  = pass | block [drop]
//	dir     = in | out                         (neither: both directions)
//	PROTO   = tcp | udp | icmp | icmp6 | gre | ipencap | NUMBER
//	HOST    = [!] (any | ADDRESS | ADDRESS/LEN) [port PORT] | port PORT   (port alone: any address;
//	          ADDRESS IPv4 or IPv6)
//	PORT    = N | = N | != N | < N | > N | LOW:HIGH     (tcp and udp only)
//	option  = flags SET/MASK | flags any       (tcp only; letters FSRPAUEW, "flags S/SA")
//	        | icmp-type (N | echoreq | echorep | unreach | timex | ...) [code N]
//	        | icmp6-type (N | echoreq | echorep | unreach | toobig | timex | paramprob
//	          | neighbrsol | neighbradv | routersol | routeradv | redir | ...) [code N]
//	        | keep state | no state
//	translation = nat on IFNAME [inet] [proto PROTO] [all | [from HOST] [to HOST]]
//	                  -> (ADDRESS | (IFNAME)) [port LOW[:HIGH]]
//	            | rdr on IFNAME [inet] [proto PROTO] [all | [from HOST] [to HOST]]
//	                  -> ADDRESS [port N]
//
// Examples:
//
//	block in all
//	pass out all
//	pass in quick on tap0 proto tcp from 198.18.0.0/15 to any port 22 flags S/SA
//	pass in proto udp to 198.18.0.2 port 7
//	pass in proto icmp icmp-type echoreq
//	block in quick from ! 198.18.0.0/15
//	nat on tap1 from 198.18.92.0/24 to any -> (tap1)
//	rdr on tap1 proto tcp to 198.18.93.2 port 47080 -> 198.18.92.1 port 47081
//	pass in inet6 proto icmp6 icmp6-type echoreq
//	pass in quick proto udp from 2001:db8:96::/64 to 2001:db8:97::1 port 7
//
// # Semantics
//
// As in pf: every rule is evaluated in order and the last one that
// matches decides; a matching quick rule decides at once. A packet no rule
// matches passes. Pass rules keep state unless they say "no state": the
// passing packet enters the state table, and later packets of the same
// connection in either direction (for ICMP, the echo replies) pass without
// the rules, and so do ICMP and ICMPv6 errors (unreachable, time
// exceeded, parameter problem, packet too big) quoting one of its packets
// (Stats.ErrorMatches). Forwarded packets are checked "in" on the interface they
// arrived on and "out" on the one they leave by. A later fragment has no
// ports: it passes as its datagram's first fragment did (natfrag.go),
// and when that was not seen, rules with ports, flags or ICMP types do
// not match it. Loopback
// interfaces are not filtered. Each rule counts the packets and bytes it
// decided and the states it made; Load replaces the whole rule set with
// one atomic store (states stay, counters start over).
//
// # IPv6
//
// A rule applies to the family it names (inet, inet6), or its addresses or
// protocol (icmp is inet, icmp6 inet6) imply, which must agree; a rule
// with none applies to both, and an address never matches one of the
// other family (so "block from ! 198.18.0.0/15" leaves IPv6 alone). For
// IPv6 "proto" is the upper-layer protocol after the extension headers
// (hop-by-hop, routing, destination options, fragment); a fragment other
// than the first has no ports, as for IPv4. States are kept in one table
// for both families. Neighbour discovery (RFC 4861: router and neighbour
// solicitations and advertisements, redirects, all with hop limit 255)
// and MLD (RFC 3810, hop limit 1 from a link-local or the unspecified
// source) pass before the rules, counted in Stats.LinkControl: they never
// leave the link, and without them there is no address resolution, DAD or
// router discovery (RFC 4890 §4.4.1 lists them as traffic a filter must
// not drop), so "block all" blocks IPv6 traffic, not IPv6 itself. The
// stack sends its own neighbour discovery and MLD without the Out hook.
//
// # Translation
//
// nat rewrites the source of packets leaving by IFNAME (forwarded or our
// own) to ADDRESS or IFNAME's first address, with a source port (an ICMP
// echo identifier) from the range (50001:65535 by default), RFC 3022
// NAPT; rdr rewrites the destination of packets arriving on IFNAME, and
// its port when one is given. The first matching translation rule of the
// packet's direction makes a translation, which is two keys in a bounded
// table (Options.MaxStates translations): one for the connection's
// direction, one for its replies, so both are rewritten without the rules
// until the protocol's timeout passes idle. Translation happens before
// filtering in both directions (as in pf: filter rules see rdr's new
// destination and nat's new source). The IPv4 header checksum and the TCP,
// UDP (unless zero) and ICMP checksums are updated incrementally, 16 bits
// at a time (RFC 1624 eqn. 3). A packet a rule wants translated but that
// cannot be (table full, no free port, buffer shared with a clone) is
// dropped and counted (NATStats).
//
// ICMP errors (destination unreachable, time exceeded, parameter problem)
// about a translated connection are translated with it (RFC 5508 §4, as
// pf does): the quoted datagram back to what its sender sent, the outer
// destination (and the outer source when the far end itself reports) to
// match, every checksum updated incrementally (quoted IPv4 header, quoted
// transport checksum when quoted, outer ICMP, outer IPv4), so traceroute,
// path MTU discovery and "port unreachable" work through nat and rdr. Such
// an error passes as its connection does, without the rules. Later
// fragments (offset ≠ 0, no transport header) get the addresses their
// first fragment was translated to, found by the datagram's identity
// (source, destination, protocol, Identification: RFC 791 §3.2) instead
// of pf's reassembly, which a hook cannot hand back to forwarding
// (natfrag.go says why and what it costs: a later fragment ahead of its
// first that would leave by a nat interface is dropped and counted).
// A redirection to one of this host's own addresses is answered by this
// host: its replies are met at the Out hook and translated back there.
//
// # Costs and ownership
//
// The hook reads the packet in place (first segment), allocates nothing,
// and never keeps the buffer: a blocked packet is freed by IPv4 and
// counted there (InFiltered). The state table is bounded (exactly
// Options.MaxStates entries, in shards preallocated for twice their share);
// when it is full of live states, new ones are refused and counted and
// the packets still pass by their rule. A state made for a translated
// connection takes two entries, one for each side of the rewrite. The
// translation table is preallocated too and has one lock, taken only while
// translation rules or translations exist.
//
// # What it does not do
//
// binat, static-port, address pools, TCP sequence-window
// tracking (TCP states match on the endpoints only), tables, lists ({ a, b }), macros, anchors, logging,
// "block return", translation of IPv6 (nat66, NPTv6), translation of
// IPv6 fragments, scrub and queueing.
package pf
