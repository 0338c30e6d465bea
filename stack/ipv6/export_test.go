package ipv6

// ResetPerPacketState drops what packets leave behind (reassembly in
// progress, dynamic neighbour entries and their queues), for fuzz fixtures
// reused between inputs.
func (ip *IPv6) ResetPerPacketState() {
	ip.reass.flush()
	ip.pmtu.mu.Lock()
	clear(ip.pmtu.m)
	ip.pmtu.n.Store(0)
	ip.pmtu.mu.Unlock()
	c := ip.neigh
	c.mu.Lock()
	for k, e := range c.m {
		if e.state != Permanent {
			for _, b := range c.takeQueueLocked(e) {
				b.Free()
			}
			delete(c.m, k)
		}
	}
	c.mu.Unlock()
}

// Pending is the number of packets in reassembly.
func (ip *IPv6) Pending() int { return ip.reass.pending() }
