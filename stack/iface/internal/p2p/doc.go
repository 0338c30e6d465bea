// Package p2p holds what point-to-point pseudo-interfaces (tun, gre, gif)
// share to fit the stack's Ethernet interfaces: the fixed peer MAC and the
// in-port ARP and neighbour advertisement answers, so IPv4 and IPv6
// resolve every next hop on a link that has no link layer without a
// special case. Only stack/iface packages import
// it.
package p2p
