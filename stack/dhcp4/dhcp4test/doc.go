// Package dhcp4test holds the test double for stack/dhcp4: Server, a small in-process DHCP
// server on a stack interface that leases addresses from a range, can be
// told to ignore or refuse requests, and records what clients sent.
//
// The server answers from the receive goroutine of its interface, through
// the same Ethernet-in hook and frame builder the client uses. It is a
// test fake, not a production server: one subnet, no relay agents, no
// lease persistence, no address probing.
package dhcp4test
