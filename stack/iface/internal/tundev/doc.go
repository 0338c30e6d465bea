// Package tundev is what the tap and tun pseudo-devices share: one Linux
// /dev/net/tun descriptor (TUNSETIFF with IFF_NO_PI, non-blocking), the
// receive loop that reads straight into pool buffers, the transmit write
// (chains gathered into a scratch buffer first), poll(2) for port.Waiter,
// the MAC, MTU, link and counters of a port.Port, and the name mapping of
// their cloners. The two kinds differ only in the TUNSETIFF mode and in
// how a read packet becomes a frame (tun writes an Ethernet header in
// front), which the kind passes in Config. Only stack/iface packages
// import it.
//
// The port's link (carrier.go) is the Linux end's IFF_UP, watched over
// rtnetlink in whatever namespace the device is in (TUNGETDEVNETNS), so
// ip link set down/up on the Linux side is a link flap; a new device counts
// as up until Linux brings it up the first time.
//
// Concurrency: Receive runs on one goroutine (the interface's receive
// goroutine; the spare buffer is its own), Send under the interface's
// transmit lock; both hold the read side of the close lock, Close the
// write side, so no read or write reaches a closed descriptor.
package tundev
