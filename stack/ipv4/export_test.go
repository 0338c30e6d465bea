package ipv4

import (
	"golang.org/x/time/rate"
)

// Test-only access for the fuzz targets, which reuse one IPv4 instance for
// every input of a fuzz worker and must prove that nothing an input leaves
// behind reaches the next one.

// HeldBufs reports what the instance holds between packets: datagrams in
// reassembly and the mbuf segments they pin (as the reassembler counts
// them, and as counted fragment by fragment: the two must agree), and
// segments of packets queued on unresolved neighbours.
func (ip *IPv4) HeldBufs() (datagrams, reassBufs, reassSegs, queuedSegs int) {
	datagrams, reassBufs, reassSegs = ip.reass.t.Held()
	c := ip.neigh
	c.mu.Lock()
	for _, e := range c.m {
		for _, b := range e.queue {
			queuedSegs += b.Segs()
		}
	}
	c.mu.Unlock()
	return datagrams, reassBufs, reassSegs, queuedSegs
}

// ResetPerPacketState returns the instance to what New and Attach left, as
// far as packets can change it: neighbour entries (with their queued
// packets) and datagrams in reassembly are dropped, the ICMP error bucket is
// full again, IP identifications restart and cached flows are dropped
// (fastfwd.go). Counters are kept.
func (ip *IPv4) ResetPerPacketState() {
	ip.invalidateFlows()
	ip.neigh.flush(0)
	ip.reass.flush()
	ip.icmp.limit = rate.NewLimiter(ip.icmp.limit.Limit(), ip.icmp.limit.Burst())
	ip.id.Store(0)
}
