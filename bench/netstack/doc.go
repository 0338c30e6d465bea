// Package netstack benchmarks gopkt's stack against gVisor's netstack on the
// same workload, in one run, so the figures compare like with like on a
// noisy machine. It is a separate module: gopkt itself never depends on
// gVisor (the replace directive points this module at the checkout).
//
// Workload (BenchmarkUDP64): two stacks joined by an in-memory Ethernet link,
// ARP resolved, one goroutine. Each op is one 64-byte UDP datagram from a
// socket on stack A to a socket on stack B, processed in bursts of 32: write
// 32, move the frames across the link, read 32.
//
//   - gopkt: udp.Conn.Write (connected) / ReadFromUDPAddrPort, link.Pair,
//     stack.Interface.Poll.
//   - gVisor: tcpip.Endpoint Write / Read (the raw endpoint API, faster than
//     gonet), ethernet.New(channel.New(...)) link endpoints; frames move by
//     channel.Endpoint.Read and InjectInbound.
//
// BenchmarkUDP64v6 is the same over IPv6 (2001:db8::1 to ::2, neighbour
// discovery done first; the UDP checksum is mandatory there): gopkt with
// stack/ipv6 and udp.UDP.V6, gVisor with its ipv6 protocol. Run it with
// go test -run '^$' -bench BenchmarkUDP64v6 -benchtime 200000x -count 3 .
//
// TCP (tcp_test.go, ./run-tcp.sh): two stacks on an in-memory link, each
// direction moved by its own goroutine, gopkt's tcp.Conn against gVisor's
// gonet.TCPConn. BenchmarkTCPBulk writes 64 KiB per op on one connection
// (MTU 1500 and 9000, CUBIC and Reno); BenchmarkTCPRR is 64-byte request
// and response on one connection (transactions per second, Nagle off);
// BenchmarkTCPConnect opens and closes one connection per op (dial,
// accept, FIN both ways: connections per second).
//
// Run ./run.sh to print both and the ratio.
package netstack
