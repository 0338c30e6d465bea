// Package pktdump is the capture tool's library: Run copies frames from a
// Source (an in-process capture.Tap on a stack interface, AFPacket on a
// Linux interface, or File, a pcap file filtered in user space) into a
// pcap file (gopacket's pcapgo, libpcap format) and/or one-line
// tcpdump-style summaries. The command is tools/pktdump; the gopkt daemon
// calls Run with a tap as the source.
//
// # Where to start
//
//	src, err := pktdump.OpenAFPacket("veth0", pktdump.AFPacketOptions{Filter: "udp port 53"})
//	// or, in-process: src, err := capture.New(capture.Options{Filter: "udp port 53"}); ifc.AddTap(src)
//	res, err := pktdump.Run(ctx, src, pktdump.Options{Count: 10, Pcap: file})
//
// The pcap link type comes from the source (Ethernet today; the wireless
// layer's taps will report 802.11 + radiotap, 127). Filters are compiled by
// package bpf; AFPacket attaches them in the kernel with SO_ATTACH_FILTER,
// a capture.Tap runs them in-process.
//
// # Ownership
//
// Run owns one buffer of the snap length and writes each frame out before
// reading the next; it does not close the source. Errors at the API edge
// are *OpError, naming the operation and interface with a fix-it hint.
//
// # What it does not do
//
// No live decoding beyond one line per frame (open the pcap in tshark),
// no pcapng, no TPACKET_V3 ring (AFPacket reads one frame per recvmsg,
// plenty for a debugging tool). On Linux interfaces the kernel strips
// 802.1Q tags before taps see frames: AFPacket puts the tag back into the
// captured bytes, but the in-kernel filter sees the untagged frame, so
// "vlan" primitives do not match there.
package pktdump
