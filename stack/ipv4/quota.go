package ipv4

import "github.com/gopkt/gopkt/hw/mbuf"

// Buffer quotas. IPv4 parks buffers in two places that a remote host
// controls: neighbour hold queues (packets waiting for an ARP reply that
// may never come, RFC 1122 §2.3.2.2) and reassembly (fragments waiting for
// the rest of their datagram, RFC 791 §3.2). Each is one quota of the
// stack's mbuf budget, a total over all entries, so neither a flood
// towards next hops that never answer ARP nor a stream of incomplete
// fragmented datagrams can hold more than its share, and together with
// every other consumer they never reach the pool's receive reserve.
// Refusals are counted by reason in Stats (ARPHoldRefused*,
// ReasmRefused*).

// takeQuotas registers the two quotas with b, sizing the ones the options
// left at 0 from the budget: a quarter of what may be parked each, and
// reassembly at most 256 buffers (five 64 KiB datagrams of 45 fragments
// each, one mbuf per fragment).
func (ip *IPv4) takeQuotas(b *mbuf.Budget) {
	if ip.o.ARPHoldBuffers <= 0 {
		ip.o.ARPHoldBuffers = max(1, b.Limit()/4)
	}
	if ip.o.ReassemblyBuffers <= 0 {
		ip.o.ReassemblyBuffers = max(1, min(256, b.Limit()/4))
	}
	ip.holdQ = b.NewQuota("arp-hold", ip.o.ARPHoldBuffers)
	ip.reassQ = b.NewQuota("reassembly", ip.o.ReassemblyBuffers)
	ip.reass.t.SetQuota(ip.reassQ)
}

// Quotas returns the IPv4 quotas: the neighbour hold queues and
// reassembly (nil before Attach).
func (ip *IPv4) Quotas() (arpHold, reassembly *mbuf.Quota) { return ip.holdQ, ip.reassQ }
