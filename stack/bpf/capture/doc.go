// Package capture is the tap side of the stack's BPF: a Tap is a
// read-only listener that an interface shows every frame it receives and
// sends; it runs a compiled filter, copies the accepted frames (up to the
// snap length) into a bounded ring and hands them to readers. It is the
// bpf(4) device of NetBSD without the device: pktdump and the gopkt daemon
// read from it in-process.
//
// # Where to start
//
//	tap, err := capture.New(capture.Options{Filter: "udp port 53", Snaplen: 256})
//	ifc.AddTap(tap)                          // stack.Interface: attach
//	defer ifc.RemoveTap(tap)
//	in, err := tap.Read(ctx, buf)            // blocks; ctx carries cancel/deadline
//	… buf[:in.CaptureLength], in.Time, in.Dir, in.IfIndex …
//
// # How the interface layer attaches taps
//
// Each stack.Interface holds an atomic.Pointer to an immutable slice of
// taps ([]stack.Tap, copy-on-write under a mutex in AddTap/RemoveTap). On
// every received frame (before demultiplexing) and every sent frame (after
// the Ethernet-out hooks, before the port) it does one atomic load; only
// when the pointer is non-nil does it call Tap(b) on each listener. Nobody
// listening therefore costs one pointer load and nil check per frame.
// Drivers never call taps.
//
// # Ownership and copying
//
// Tap(b) never retains, modifies or frees b: it runs the filter on the
// mbuf's bytes in place (single-segment frames, the common case) and
// copies only what it keeps. Chained (jumbo) frames and frames whose
// 802.1Q tag the NIC stripped into Meta.VLAN are first rebuilt
// contiguously, the tag put back as it was on the wire, so filters and
// pcap files see the real frame. The ring is one preallocated byte buffer
// of variable-length records; when the reader falls behind, new frames are
// dropped and counted (Stats.Dropped), never blocking the data path. The
// capture path allocates nothing.
//
// # What it does not do
//
// No kernel involvement (see tools/pktdump for AF_PACKET capture of Linux
// interfaces), no zero-copy capture (taps are read-only and must not hold
// mbufs, which is why taps have no quota in the mbuf budget: a slow
// reader costs ring space, counted in Stats.Dropped, never pool buffers),
// no per-reader filters (make one Tap per reader).
package capture
