// Package tap is the tap pseudo-device of the stack, after NetBSD's tap(4):
// an Ethernet interface whose "wire" is a Linux TAP device (/dev/net/tun in
// TAP mode, IFF_TAP|IFF_NO_PI), so the Linux kernel's own stack is the peer
// on the other side. Tests move the Linux end into a network namespace and
// talk to it with ping, nc and tcpdump.
//
// Start with Open (one device) or Cloner (tapN interfaces created by name
// through stack.Options.Cloners). A Port implements hw/port.Port and
// port.Waiter: the stack's receive goroutine sleeps in poll(2) until the
// kernel has a frame. Its link follows the Linux end: "ip link set tap0
// down" there is link down here, "up" link up (the stack's LinkChanges and
// OnLinkChange see it).
//
// Ownership: RxBurst reads each frame straight into a pool buffer's data
// room and hands the buffer to the caller; TxBurst writes each frame with
// one write(2) (chains are gathered first) and frees the buffers.
//
// What it does not do: IFF_VNET_HDR offloads, multi-queue TAP, frames larger
// than mbuf.DataRoom (the MTU is capped at 2048-14), TUN (L3) mode, and
// persistent devices (the Linux device disappears when the Port is closed).
package tap
