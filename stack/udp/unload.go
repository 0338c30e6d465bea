package udp

// Unload takes UDP out of a running stack, after
// ipv4.IPv4.RemoveTransport stopped new datagrams: it closes every socket
// (blocked readers and writers get net.ErrClosed in a *net.OpError, queued
// datagrams go back to the pool) and removes the udp-rcvq quota from the
// stack's budget. Later ListenPacket and Dial fail with net.ErrClosed; a
// datagram a receive burst still delivers finds no socket and is refused
// as for a closed port. A new UDP (New, ipv4.IPv4.AddTransport) loads it
// again. Unload is not Close: a stack closing leaves sockets to their
// owners.
func (u *UDP) Unload() error {
	u.mu.Lock()
	if u.unloaded {
		u.mu.Unlock()
		return nil
	}
	u.unloaded = true
	var conns []*Conn
	for i := range u.ports.pages {
		p := u.ports.pages[i].Load()
		if p == nil {
			continue
		}
		for j := range p {
			if c := p[j].Load(); c != nil {
				conns = append(conns, c)
			}
		}
	}
	u.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
	if u.q != nil && u.ip != nil {
		u.ip.Stack().Budget().RemoveQuota(u.q)
	}
	return nil
}
