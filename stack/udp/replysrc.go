package udp

import "net/netip"

// Reply source addresses of wildcard sockets (RFC 1122 §4.1.3.5: a reply
// should come from the address the request was sent to, or the client
// may not recognise it — a request to 198.18.50.2 answered from
// 198.18.49.2, the outgoing interface's primary address, is dropped by a
// connected client).
//
// Linux does this for an unconnected socket only when the application
// reads the destination with IP_PKTINFO and passes it back on send; Go's
// net.PacketConn has no such API. So a socket bound to 0.0.0.0 or [::]
// remembers, per peer, the unicast address of ours its last datagram was
// sent to, and WriteTo that peer uses it as the source. The memory is a
// direct-mapped cache of replySlots entries per socket, allocated on the
// first datagram (an idle socket pays nothing; a busy one a fixed ~1 KiB
// and no allocation per datagram): a peer whose slot another peer took
// since gets the route's source address, as before. Broadcast and
// multicast requests are not remembered (the reply comes from the
// route's unicast source, as on Linux). A socket bound to one address
// always sends from it.
const replySlots = 16

type replyEnt struct {
	peer  netip.AddrPort // unmapped
	local netip.Addr
}

type replyCache [replySlots]replyEnt

func replySlot(peer netip.AddrPort) int {
	a := peer.Addr().As16()
	h := uint32(peer.Port())
	for _, x := range a[8:] {
		h = h*31 + uint32(x)
	}
	return int(h % replySlots)
}

// noteDstLocked records that peer's datagram was sent to local (c.mu held).
func (c *Conn) noteDstLocked(peer netip.AddrPort, local netip.Addr) {
	if c.rc == nil {
		c.rc = new(replyCache)
	}
	peer = unmap(peer)
	c.rc[replySlot(peer)] = replyEnt{peer, local.Unmap().WithZone("")}
}

// replySource is the source address for a datagram of a wildcard socket
// to to (unmapped): the address to's last datagram reached, or invalid.
func (c *Conn) replySource(to netip.AddrPort) netip.Addr {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rc == nil {
		return netip.Addr{}
	}
	if e := &c.rc[replySlot(to)]; e.peer == to && e.local.Is4() == to.Addr().Is4() {
		return e.local
	}
	return netip.Addr{}
}
