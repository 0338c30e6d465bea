// Package bridge is the bridge pseudo-device of the stack, after NetBSD's
// bridge(4): a transparent learning bridge (the IEEE 802.1D clause 7 relay:
// learning, filtering database with ageing, forwarding, flooding) between
// member interfaces, with fast forwarding in the members' receive bursts.
// The bridge is also an interface of the stack, which can carry addresses.
//
// # Where to start
//
//	bc := &bridge.Cloner{}                               // in stack.Options.Cloners
//	br, err := bc.Add(s, "bridge0")                      // or s.Create("bridge0") then bridge.Of
//	br.AddMember(tap0); br.AddMember(tap1)               // at runtime; RemoveMember too
//	s.AddAddress(s.InterfaceByName("bridge0"), prefix)   // optional
//	br.FDB(); br.Counters(); m.Stats()                   // learned addresses, counters
//	s.Destroy("bridge0")                                 // members go back to the stack
//
// # Data path
//
// A member's receive bursts come to the bridge instead of the stack's
// Ethernet input (stack.Interface.SetLinkInput). For each frame the bridge
// learns the source on the member, then looks the destination up:
//
//   - known, on another member: staged for that member; at the end of the
//     burst each member's staged frames go to its port in one
//     stack.Interface.TransmitBurst, straight from the receiving port's
//     burst to the egress port's TxBurst (the fast path: no EtherType demux,
//     no IP, no per-frame hook or tap work). When the egress interface has
//     a tap or the stack an Ethernet-out hook, TransmitBurst sends frame by
//     frame through Transmit so they see it; Options.NoFastPath forces that
//     full path, for comparison.
//   - the bridge's own MAC: up through the bridge interface (InputFrame).
//   - broadcast, multicast (but the 802.1D 7.12.6 reserved group, never
//     relayed) and unknown unicast: flooded to every other member by
//     reference-counted clones of the one buffer (mbuf.Buf.Clone); the
//     original goes up through the bridge interface for broadcast and
//     multicast, or to the last member.
//   - known on the member it came from: discarded (802.1D 7.7.1), counted.
//
// Frames the bridge interface sends are relayed the same way. Ethernet-in
// hooks of the stack run on member frames (as NetBSD runs pfil on members).
//
// The filtering database (fdb.go) is a fixed lock-free table shared by
// every member's goroutine; ageing is checked on lookup (an expired entry
// is unknown) and expired entries are reused by learning. The ageing time
// can be changed at runtime (SetAgeingTime, 802.1D 14.4.1.2) and applies
// to the entries already learned.
//
// # Ownership and concurrency
//
// The bridge owns each frame of a member's burst and hands it on exactly
// once: to a member's port, to the bridge interface, or back to the pool
// with a counter. Clones are read-only (the stack's layers copy or refuse
// before writing a shared buffer). A member's staging belongs to its
// receive goroutine; the bridge interface's output staging is serialised
// by its transmit lock. Membership is an immutable snapshot behind an
// atomic pointer. RemoveMember and Destroy wait for the member's burst in
// progress, so they must not be called from a handler running on a
// member's receive goroutine.
//
// # Spanning tree
//
// With Options.STP set (or EnableSTP called before the first member), the
// bridge runs IEEE 802.1D-1998 STP (stp.go,
// BPDUs in bpdu.go): BPDUs to the bridge group address go to it from every
// member, the members move through blocking, listening, learning and
// forwarding, and the data path checks one atomic state word per burst
// and per egress member (a member not forwarding neither relays what it
// receives nor gets frames). A link down (member down or carrier lost) or
// information aged past Max Age recomputes the tree; topology changes
// flush the filtering database (TCN to the root, TC from it). Bridge.STP
// reports roles, states and counters.
//
// # What it does not do
//
// RSTP (802.1w/802.1D-2004 clause 17: proposal/agreement, edge ports) and
// 802.1D-1998's finer points: the root's timer values are not adopted
// (each bridge uses its own), configuration BPDUs are sent on each
// bridge's own hello rather than relayed on receipt, the hold timer is not
// kept, and a topology change flushes the database instead of shortening
// the ageing time. Without STP, BPDUs (to the reserved group) are dropped,
// so a loop through two bridges is not broken. What bounds a loop then: a
// frame with the bridge's own source address coming back is counted
// (Dropped) and discarded, and each member may flood at most
// Options.FloodRate frames a second (token bucket; the excess is counted
// as FloodLimited, and the bridge logs a warning at most once a second
// while it lasts). Also missing: static FDB entries, per-member VLAN
// filtering, a member as a vlan parent (one L2 layer per interface: put
// vlans on the bridge interface), and MTU checks between members. Routed
// (IP flow) fast forwarding is IPv4's and IPv6's (stack/fastfwd.go); it
// does not take frames that enter through a bridge (they reach the bridge
// interface one by one, through InputFrame), so routing between a bridge
// and another interface is the full IP path.
package bridge
