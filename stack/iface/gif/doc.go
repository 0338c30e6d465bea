// Package gif is the gif pseudo-device of the stack, after NetBSD's
// gif(4): point-to-point tunnels that carry IPv4 packets in IPv4 (IP
// protocol 4, RFC 2003) and IPv6 packets in IPv4 (protocol 41, RFC 4213
// §3.5, the configured tunnels RFC 2893 preceded; Linux's sit is the
// peer), created and destroyed at runtime through a stack.Cloner.
//
// # Where to start
//
// A Module is both the IPv4 transport for protocol 4 and the cloner; its
// IPv6 method is the transport for protocol 41 on the same tunnels:
//
//	g := gif.New()
//	ip := ipv4.New(ipv4.Options{Transports: []ipv4.Transport{g, g.IPv6()}})
//	s, _ := stack.New(stack.Options{Protocols: []stack.Protocol{ip, ip6}, Cloners: []stack.Cloner{g}})
//	gif0, _ := g.Add(s, "gif0", gif.Config{Local: a, Remote: b})
//
// # Data path
//
// Transmit: the inner packet (its Ethernet header dropped) goes to IPv4
// output towards Remote as the payload of an outer header with protocol 4
// (IPv4 inside, with the inner TOS, RFC 2003 §3.1) or 41 (IPv6 inside).
// Receive: IPv4 hands protocol 4 or 41 to the module, which finds the
// tunnel by outer source and destination, checks that the payload is an
// IPv4 (RFC 2003 §3.1) or IPv6 header (else it is counted and dropped)
// and delivers it to the tunnel interface in the same burst. Packets no
// tunnel takes are counted and left to IPv4 (protocol unreachable). IPv6
// neighbour discovery is answered inside the port, like ARP
// (stack/iface/internal/p2p). MTU handling and loop protection are gre's
// (see stack/iface/gre): the default MTU is 1480, a tunnel routed into
// itself counts and drops.
//
// # What it does not do
//
// IPv6 outer headers (IPv4 or IPv6 in IPv6), the RFC 2003 §4 and RFC 4213
// §3.4 ICMP relaying and soft state, RFC 4213 §3.6's ingress check that
// an IPv6 source belongs to the tunnel's peer, and outer path MTU
// discovery.
package gif
