// Package tunnel is what the IP tunnel pseudo-interfaces (gre, gif) share:
// the port behind a tunnel interface, which takes the stack's Ethernet
// frames off and on (an IP tunnel has no link layer; p2p answers ARP),
// encapsulates through an Encap and sends through IPv4 to the remote
// endpoint; the delivery of decapsulated packets into the tunnel
// interface; the table that finds the tunnel a received packet belongs
// to; the loop check that keeps a tunnel routed into itself from
// recursing; and the cloner half of a kind's Module (attach to IPv4,
// endpoint checks, Create, counters by interface), so gre and gif keep
// only their header. Package tunneltest is their shared test harness.
// Only stack/iface packages import it.
//
// Ownership: TxBurst takes every frame (sent, or freed and counted);
// Deliver takes the packet. Concurrency: TxBurst runs under the tunnel
// interface's transmit lock; Deliver runs on the receive goroutine of the
// interface the outer packet arrived on, inside its burst.
package tunnel
