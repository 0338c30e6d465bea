// Package bpf compiles tcpdump-style filter expressions into classic BPF
// and evaluates classic BPF programs fast. It is the filter half of the
// stack's taps (package capture is the other half) and what pktdump
// attaches to Linux sockets. Instructions are golang.org/x/net/bpf's types
// throughout, so programs move freely between this package, x/net/bpf's
// VM and assembler, and the kernel (SO_ATTACH_FILTER).
//
// # Where to start
//
//	prog, err := bpf.Compile("udp port 53 and host 198.18.0.1", bpf.LinkEthernet, 0)
//	p, err := bpf.NewProgram(prog)   // validate once, decode, thread
//	if p.Run(frame) != 0 { … }       // per packet: 0 allocations
//
// Parse gives the syntax tree (Expr; String prints the canonical, fully
// qualified form), CompileExpr compiles one. Errors are *SyntaxError with
// the byte offset and a fix-it message, matching ErrSyntax or
// ErrNotSupported.
//
// # The language (a documented subset of pcap-filter(7))
//
// No pure-Go, cgo-free compiler for pcap filter expressions is served by
// the module proxy in a state we could use (github.com/packetcap/go-pcap's
// filter package, last changed 2024, miscompiles "portrange", lacks "vlan"
// and "ip proto N", and pulls in logrus and a gopacket fork), so this
// package implements the subset below itself, with libpcap's semantics
// for Ethernet (gencode.c, checked against tcpdump -d and, in the tests,
// against "tcpdump -r" on a packet corpus):
//
//	ip ip6 arp rarp tcp udp icmp icmp6 igmp sctp     protocol present (tcp/udp/sctp over IPv4 or IPv6)
//	[ip|arp|rarp] [src|dst] host A.B.C.D             IPv4 address; without a protocol: IPv4, ARP and RARP
//	[ip|arp|rarp] [src|dst] net A.B.C.D/len          also "net A.B.C.D mask M" and short forms "net 10", "net 198.18"
//	[ip6] [src|dst] host X:Y::Z, net X:Y::/len       IPv6 address or prefix
//	ether broadcast, ether multicast                 destination address class
//	[tcp|udp|sctp] [src|dst] port N                  IPv4 (not later fragments, header length via ldxb 4*([14]&0xf))
//	[tcp|udp|sctp] [src|dst] portrange N-M           and IPv6 without extension headers, as libpcap
//	ether [src|dst] host MAC                         also "ether src MAC", "ether dst MAC"
//	ether proto N|ip|ip6|arp|rarp                    EtherType (names may be written \ip as tcpdump wants)
//	[ip|ip6] proto N|icmp|igmp|tcp|udp|sctp|icmp6    IP protocol (IPv6: also behind a fragment header)
//	vlan [ID]                                        802.1Q/802.1ad tag; shifts later offsets by 4, as libpcap
//	less N, greater N                                frame length
//	src or dst …, src and dst …                      combined direction qualifiers
//	not !  and &&  or ||  ( )                        not binds tightest; and/or equal precedence, left to right
//
// A bare value after and/or/not reuses the previous qualifiers ("host
// 198.18.0.1 or 198.18.0.2", "tcp port 80 or 443"). Not implemented (an
// ErrNotSupported error names them): host names and service names (no
// resolution), zoned IPv6 addresses, "gateway", IP-level "broadcast" and
// "multicast", byte-offset expressions (ip[6] & 0x20 != 0), MPLS, PPPoE,
// LLC, 802.11 and radiotap link types (LinkIEEE80211Radiotap is reserved
// for the wireless layer and rejected for now).
//
// Code generation is libpcap's model: each node jumps to a true or a false
// label; conditional jumps farther than 255 instructions are rewritten
// through 32-bit "ja" trampolines. Of libpcap's optimiser only one pass is
// done, dropping loads whose value A already holds on every incoming path
// (optimize.go), so programs are a little longer than tcpdump -d shows,
// with the same verdicts. As in libpcap, protocol tests read the untagged
// EtherType position, so a tagged frame matches them only after a "vlan"
// primitive has moved the offsets past one tag ("vlan and vlan and udp"
// for stacked tags).
//
// # The evaluator
//
// NewProgram validates with exactly x/net/bpf.NewVM's rules (plus known
// ALU operations) and decodes the program once into fixed-size
// instructions with absolute jump targets, fusing "load; compare" and
// "load; and; compare" pairs and triples when nothing jumps between them.
// Programs without scratch memory (all ordinary filters) are then threaded
// into one Go closure per instruction, each calling its successors
// directly, so the CPU predicts dispatch; others run in a switch loop. Run
// never allocates and cannot read outside the packet. Semantics match
// x/net/bpf's VM (out-of-bounds loads and division by zero return 0),
// except that NegateA, which the VM does not implement, works as the
// kernel defines it. Measured against the VM on the same filters and
// packets: BenchmarkFilterVsVM (bench/bpf/run.sh) interleaves both and
// reports the speedup.
//
// # Ownership
//
// Run reads the packet slice only during the call and keeps nothing. A
// Program is immutable and safe for concurrent use. Compile returns a
// fresh slice the caller owns.
package bpf
