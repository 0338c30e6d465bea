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
// Run ./run.sh to print both and the ratio.
package netstack
