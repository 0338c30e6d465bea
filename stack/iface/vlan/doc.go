// Package vlan is the vlan pseudo-device of the stack, after NetBSD's
// vlan(4): IEEE 802.1Q VLAN interfaces on any Ethernet interface (a port,
// a tap, a bridge), created and destroyed at runtime through a
// stack.Cloner.
//
// # Where to start
//
//	vc := vlan.NewCloner()                                   // in stack.Options.Cloners
//	v5, err := vc.Add(s, "vlan5", vlan.Config{Parent: eth0, VID: 5})
//	s.AddAddress(v5, netip.MustParsePrefix("198.18.5.2/24"))
//	s.Destroy("vlan5")
//
// Add is Linux's "ip link add link eth0 name vlan5 type vlan id 5": the
// parent and VID are fixed when the interface is made (a plain
// stack.Create of an unconfigured name fails with ErrNotConfigured). The
// vlan interface has its parent's MAC and MTU (the 4-byte tag is not
// counted in the MTU, IEEE 802.3 clause 3.5).
//
// # Data path
//
// Receive: the first vlan on a parent puts a trunk in front of the
// parent's receive path (stack.Interface.SetLinkInput). For each frame of a
// parent's burst the trunk reads the VID — from mbuf.Meta when the port
// stripped the tag (port.VLANStrip), else from the tag after the source
// address — removes the tag in place (the addresses move 4 bytes forward,
// nothing is copied elsewhere) and hands the frame to that vlan's
// interface (InputFrame), on the parent's receive goroutine, in the same
// burst. Untagged frames, priority-tagged frames (VID 0, IEEE 802.1Q
// clause 9.6: they belong to the untagged interface) and tags of VIDs no
// vlan serves go back to the parent's own Ethernet input, which strips
// priority tags and counts unknown VIDs as InUnknownProto. A tag cut short
// is counted (Stats.RxMalformed) and dropped.
//
// Transmit: the vlan's port inserts the tag in the headroom (the IPv4 send
// path reserves room for it, ipv4.Reserve) or, when the parent's port has
// port.VLANInsert, leaves it to the hardware through mbuf.FlagVLAN and
// Meta.VLAN; then it hands the batch to the parent (TransmitBurst), so
// the parent's hooks and taps see the tagged frames.
//
// # Ownership and concurrency
//
// Frames move, never copy: the trunk owns the parent's burst and hands each
// frame on exactly once (to a vlan, to the parent, or to the pool with a
// counter). A shared tagged frame (a bridge's flood clone handed up
// through the bridge interface) is copied once before its tag comes off
// (stack.Writable; NetBSD's bridge copies for local delivery too), or
// counted (RxShared) and dropped when the pool has no buffer. The VID table is an immutable
// snapshot behind an atomic pointer; Add and Destroy copy it. After
// Destroy returns no frame reaches the destroyed interface.
//
// # What it does not do
//
// 802.1ad (QinQ) S-tags, GVRP/MVRP, per-VLAN priority maps (frames leave
// with PCP 0), following the parent's link state (a vlan is up from Add
// until Destroy), and a bridge member as parent (one L2 layer per
// interface: put the vlans on the bridge interface, which works — the
// bridge hands its frames up through stack.Interface.InputFrame, which
// runs the trunk).
package vlan
