// Package flood is the hostile network of the host interop lane: traffic
// generators that run on the Linux side of a test (inside a network
// namespace the test created, with kernel sockets) against gopkt, whether
// the target is the stack library on a TAP device or the gopkt daemon.
//
// # Where to start
//
// A Plan is the attack (issue 9's hostile network): UDP to ports nobody
// reads, traffic to be forwarded to next hops that never answer ARP,
// incomplete fragmented datagrams and an ARP storm, all paced for the
// plan's duration. A Pinger is the well-behaved peer: an ICMP echo request
// every interval, counted as answered when its reply came within the
// timeout. Plan.Send and Pinger.Run send from the calling process, so they
// must run inside the namespace.
//
// Tests run them as helper processes: the test binary re-executed inside
// the namespace (ip netns exec), which keeps the generators' CPU and
// sockets apart from the process under test. The test package declares
// one helper test whose body is Helper, and starts it with Start:
//
//	func TestHostileHelper(t *testing.T) { flood.Helper(t) }
//
//	f := flood.Start(t, floodNS, "TestHostileHelper", flood.Job{Flood: &plan})
//	p := flood.Start(t, pingNS, "TestHostileHelper", flood.Job{Ping: &pinger})
//	ping := p.Wait(t).Ping // sent, answered
//	sent := f.Wait(t).Flood
//
// # What it does not do
//
// It judges nothing about the target: tests read the target's counters.
// It sends only to the addresses a plan names (gopkt's tests use
// 198.18.0.0/15) and only from the namespace it runs in. Only tests import
// it (it depends on package testing).
package flood
