// Package gif is the gif pseudo-device of the stack, after NetBSD's
// gif(4): point-to-point tunnels that carry IPv4 packets in IPv4 (IP
// protocol 4, RFC 2003; the configured-tunnel model of RFC 4213 §3, which
// RFC 2893 preceded), created and destroyed at runtime through a
// stack.Cloner.
//
// # Where to start
//
// A Module is both the IPv4 transport for protocol 4 and the cloner:
//
//	g := gif.New()
//	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{g}})
//	s, _ := stack.New(stack.Options{Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{g}})
//	gif0, _ := g.Add(s, "gif0", gif.Config{Local: a, Remote: b})
//
// # Data path
//
// Transmit: the inner packet (its Ethernet header dropped) goes to IPv4
// output towards Remote as the payload of an outer header with protocol 4
// and the inner TOS (RFC 2003 §3.1). Receive: IPv4 hands protocol 4 to the
// module, which finds the tunnel by outer source and destination, checks
// that the payload is an IPv4 header (RFC 2003 §3.1; else it is counted
// and dropped) and delivers it to the tunnel interface in the same burst.
// Packets no tunnel takes are counted and left to IPv4 (protocol
// unreachable). MTU handling and loop protection are gre's (see
// stack/iface/gre): the default MTU is 1480, a tunnel routed into itself
// counts and drops.
//
// # What it does not do
//
// IPv6 inside or outside (protocol 41 and IPv6 outer headers: the stack
// has no IPv6), the RFC 2003 §4 ICMP relaying and soft state, and outer
// path MTU discovery.
package gif
