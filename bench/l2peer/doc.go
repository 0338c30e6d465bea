// Package l2peer holds the side-by-side packets-per-second figure of
// gopkt's bridge and its pf-filtered IPv4 forwarding against the Linux
// kernel's bridge and nftables-filtered forwarding, in one run on this
// machine.
//
// Run it with ./run.sh (or GOPKT_BENCH=1 go test -run TestBenchL2Peer -v
// ./bench/l2peer) as root. Every side is measured the same way: a Linux
// sender namespace S sends 60-byte frames (UDP, 18 bytes of payload) as
// fast as one goroutine can (sendmmsg, 64 a call) through the device under
// test to a Linux receiver namespace R, which holds the destination port
// bound and unread (no ICMP comes back); the figure is R's interface
// receive counter over the window, in packets per second (the offered
// rate is printed beside it). The devices under test:
//
//   - linux-bridge: a Linux bridge in its own namespace, veth members to S
//     and R. Per frame: veth transmit, the bridge's FDB lookup, veth
//     transmit, all in the sender's softirq.
//   - gopkt-bridge: our bridge (bridge cloner) over two TAP members whose
//     Linux ends are S's and R's interfaces. Per frame: the kernel queues
//     it on the TAP, our receive goroutine reads it (one read(2) each), the
//     bridge looks the destination up and writes it to the other TAP
//     (one write(2) each), the kernel receives it in R.
//   - linux-nft: a Linux router namespace (ip_forward) between S
//     (198.18.50.0/24) and R (198.18.51.0/24), veth both sides, with an
//     nftables forward chain of 10 rules that do not match and an accept
//     (no conntrack: stateless, as our side).
//   - gopkt-pf: our stack forwarding between two TAPs with pf: 10 block
//     rules that do not match and a "pass ... no state" (the rules-10 shape
//     of stack/pf's BenchmarkFilter).
//   - linux-ip: linux-nft without the nftables table (plain forwarding).
//   - gopkt-ip-fast, gopkt-ip-full: our stack forwarding between two TAPs
//     with no filter, with the routed fast forwarding flow cache (the
//     default) and without it (-p ipv4,fastfwd=off); pf's hooks keep
//     gopkt-pf on the full path.
//
// The sides alternate in rounds (GOPKT_BENCH_ROUNDS, default 3, of
// GOPKT_BENCH_SECONDS, default 3) so they share the machine's noise; each
// figure is the median of the rounds. The comparison is of whole paths as
// a Linux host sees them: ours pays two system calls per frame for the
// TAPs where the kernel's veth pays none; the per-frame cost of our bridge
// and filter alone is in the in-process benchmarks (stack/iface/bridge
// BenchmarkForward, stack/pf BenchmarkFilter).
package l2peer
