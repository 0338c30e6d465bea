package udp

import "net/netip"

// SocketInfo describes one open socket (a netstat line).
type SocketInfo struct {
	Local     netip.AddrPort // bound address (unspecified: every address)
	Remote    netip.AddrPort // connected peer, or zero
	RecvQueue int            // payload bytes queued for the reader
	Datagrams int            // datagrams queued
}

// Sockets returns a snapshot of the open sockets in port order. It walks
// the port table under the bind lock, so its cost is the number of port
// pages in use, and it never delays the receive path.
func (u *UDP) Sockets() []SocketInfo {
	var out []SocketInfo
	u.mu.Lock()
	defer u.mu.Unlock()
	for hi := range u.ports.pages {
		p := u.ports.pages[hi].Load()
		if p == nil {
			continue
		}
		for lo := range p {
			c := p[lo].Load()
			if c == nil {
				continue
			}
			c.mu.Lock()
			out = append(out, SocketInfo{Local: c.local, Remote: c.remote, RecvQueue: c.bytes, Datagrams: c.n})
			c.mu.Unlock()
		}
	}
	return out
}
