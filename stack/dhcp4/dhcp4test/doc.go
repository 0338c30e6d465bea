// Package dhcp4test holds the test doubles for stack/dhcp4: a manual
// Clock that moves only when the test says so (lease timers and
// retransmissions without sleeps), and Server, a small in-process DHCP
// server on a stack interface that leases addresses from a range, can be
// told to ignore or refuse requests, and records what clients sent.
//
// The server answers from the receive goroutine of its interface, through
// the same Ethernet-in hook and frame builder the client uses. It is a
// test fake, not a production server: one subnet, no relay agents, no
// lease persistence, no address probing.
package dhcp4test
