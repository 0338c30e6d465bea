// Package gre is the gre pseudo-device of the stack, after NetBSD's
// gre(4): point-to-point tunnels that carry IPv4 (and IPv6) packets in GRE
// (RFC 2784) over IPv4, with RFC 2890's key and sequence number, created
// and destroyed at runtime through a stack.Cloner.
//
// # Where to start
//
// A Module is both the IPv4 transport for protocol 47 and the cloner, so
// the program passes it twice:
//
//	g := gre.New()
//	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{g}})
//	s, _ := stack.New(stack.Options{Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{g}})
//	gre0, _ := g.Add(s, "gre0", gre.Config{Local: a, Remote: b, Key: 42, HasKey: true})
//	s.AddAddress(gre0, netip.MustParsePrefix("198.18.71.1/30"))
//
// # Data path
//
// Transmit: the tunnel interface's frames lose their Ethernet header, gain
// the GRE header in the headroom and go to IPv4 output towards Remote
// (routed, fragmented if the path needs it). Receive: IPv4 hands protocol
// 47 to the module, which checks the header (NewGRE: version 0, no RFC
// 1701 routing; the checksum when present), finds the tunnel by outer
// source, destination and key, strips the header and delivers the inner
// packet (IPv4 or IPv6, by the GRE protocol type) to the tunnel interface
// in the same burst; IPv6 neighbour solicitations are answered inside the
// port like ARP (stack/iface/internal/p2p), so IPv6 runs over the tunnel
// (Linux's ip_gre carries it too). Malformed headers are
// counted (Stats.Malformed) and dropped; packets that match no tunnel are
// counted (NoTunnel) and left to IPv4, which answers protocol
// unreachable.
//
// MTU: the interface's MTU is 1500 less the outer IPv4 and GRE headers by
// default, so inner packets fit an Ethernet path unfragmented; larger
// ones are fragmented by the inner IPv4 (or refused with ICMP
// fragmentation needed when forwarding with DF). A tunnel whose remote is
// routed through itself (or through more than tunnel.MaxNesting tunnels)
// drops and counts every frame (TxLoops) instead of recursing.
//
// # What it does not do
//
// IPv6 outer headers, Ethernet over GRE (gretap), keepalives, path MTU
// discovery for the outer path (the outer DF is clear), per-tunnel sequence
// checking on receive (sequence numbers are sent and accepted, not
// reordered), and ICMP errors quoting the outer packet translated back to
// the inner sender.
package gre
