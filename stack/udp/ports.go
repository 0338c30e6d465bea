package udp

import "sync/atomic"

// portTable maps a local port to its socket for the receive path with two
// atomic loads and no lock: 256 pages of 256 slots, a page allocated when
// its first port is bound (2 KiB) and kept. Writers (bind, unbind) hold
// UDP.mu; a reader sees each slot before or after a change, like the map
// under a read lock it replaces, at a cost that does not depend on how many
// sockets are open.
type portTable struct {
	pages [256]atomic.Pointer[portPage]
}

type portPage [256]atomic.Pointer[Conn]

// get returns the socket bound to port, or nil.
func (t *portTable) get(port uint16) *Conn {
	p := t.pages[port>>8].Load()
	if p == nil {
		return nil
	}
	return p[port&0xff].Load()
}

// set binds port to c (nil: unbinds). The caller holds UDP.mu.
func (t *portTable) set(port uint16, c *Conn) {
	p := t.pages[port>>8].Load()
	if p == nil {
		if c == nil {
			return
		}
		p = new(portPage)
		t.pages[port>>8].Store(p)
	}
	p[port&0xff].Store(c)
}
