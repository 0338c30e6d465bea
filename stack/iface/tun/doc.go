// Package tun is the tun pseudo-device of the stack, after NetBSD's
// tun(4): a point-to-point IP interface whose other end is a Linux TUN
// device (/dev/net/tun in TUN mode, IFF_TUN|IFF_NO_PI), so the Linux
// kernel routes packets into our stack and out of it.
//
// # Where to start
//
// Open (one device) or Cloner (tunN interfaces by name through
// stack.Options.Cloners). A Port implements hw/port.Port and port.Waiter.
// Give the interface an address and route through it like any other:
//
//	ifc, _ := s.Create("tun0")
//	s.AddAddress(ifc, netip.MustParsePrefix("198.18.60.2/24"))
//	s.Routes().Add(route.Route{Prefix: far, Gateway: linuxEnd, IfIndex: ifc.Index()})
//
// # How an L3 link fits an Ethernet stack
//
// The stack's interfaces speak Ethernet frames; a TUN device carries bare
// IP packets. The port frames them: a packet read from the kernel lands
// 14 bytes into the buffer's data room, behind an Ethernet header the port
// writes (to our MAC, from the fixed p2p.PeerMAC, EtherType from the IP version
// nibble); on transmit the port drops the Ethernet header and writes the
// packet. Nothing is copied. There is no link layer to resolve, so the
// port answers the stack's own ARP requests for any address but ours with
// the peer MAC itself (a proxy answer, RFC 1027 style, generated inside
// the port): IPv4 resolves every next hop on the link without a special
// case. Announcements (sender = target, RFC 5227) are not answered.
//
// # Ownership
//
// RxBurst hands the caller pool buffers it read into (and the ARP answers
// it made); TxBurst writes each packet with one write(2) (chains are
// gathered first) and frees it.
//
// # What it does not do
//
// IFF_VNET_HDR offloads, multi-queue, packets larger than the data room
// minus the Ethernet header, IPv6 above the port (frames of EtherType IPv6
// are counted as unknown by the stack, which has no IPv6), and persistent
// devices.
package tun
