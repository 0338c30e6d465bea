// Package udp is UDP over IPv4 and IPv6 (RFC 768, RFC 8200 §8.1) for the
// stack, with Go sockets.
//
// Start with New: pass it in ipv4.Options.Transports and its V6() in
// ipv6.Options.Transports (one port space for both), then open sockets with
// ListenPacket (a net.PacketConn) or Dial (a connected net.Conn). To take
// UDP out of a running stack, ipv4.IPv4.RemoveTransport it and Unload
// (every socket closed, its quota gone; unload.go). Sockets
// keep Go's contracts: deadlines fail with errors wrapping
// os.ErrDeadlineExceeded, use after Close fails with net.ErrClosed, every
// error is a *net.OpError, and nettest.TestConn passes (except its two
// stream-only cases, BasicIO and PingPong, which wait for io.EOF).
//
// Receive: Input validates the length and checksum (the pseudo-header sum
// over the whole chain; 0 means none, RFC 768) and queues the payload mbuf
// — no copy — on the socket bound to the destination port, found in a
// lock-free two-level port table (ports.go: two loads, whatever the number
// of sockets). A socket's queue is a ring that starts empty and doubles on
// demand, so an idle socket holds no queue (about 730 bytes in all); it is
// bounded in mbufs (Options.Queue) and payload bytes
// (Options.ReadBuffer, Conn.SetReadBuffer), and all sockets together by
// the "udp-rcvq" quota of the stack's mbuf budget, so unread sockets
// cannot empty the pool; a refused datagram is dropped and counted
// (RcvbufErrors, split by reason). No listener: IPv4 sends ICMP port
// unreachable. Read copies the payload out, frees the buffer and gives
// its charge back.
//
// Families (udp6.go): a socket bound to 0.0.0.0 or an IPv4 address is
// IPv4 only, one bound to an IPv6 address IPv6 only, one bound to [::]
// both, with IPv4 peers as IPv4-mapped addresses (Go's dual-stack "udp"
// sockets); IPv4-mapped destinations are sent as IPv4. Over IPv6 the
// checksum is mandatory both ways (a zero one is dropped), a link-local
// peer carries its interface as zone, and ICMPv6 errors reach connected
// sockets as the errno Linux uses (ECONNREFUSED, EHOSTUNREACH, ...).
//
// Send: the payload is copied once into pool buffers (a chain above one
// buffer), the UDP header is pushed in front, and the network layer of
// the destination's family (stack/network.Layer: IPv4 or IPv6) adds its
// header and fragments. When the pool is empty a writer waits, like a blocking socket
// waiting for send-buffer space, until buffers return, its deadline passes
// or the socket closes.
//
// Reply source (replysrc.go): a socket bound to 0.0.0.0 or [::] answers a
// peer from the address of ours that peer's last datagram was sent to
// (RFC 1122 §4.1.3.5), remembered per peer in a small direct-mapped
// cache, since net.PacketConn has no IP_PKTINFO to pass it back; other
// destinations get the route's source address.
//
// ReadFromUDPAddrPort and WriteToUDPAddrPort do not allocate.
//
// What it does not do: multicast group joins, SO_REUSEADDR (one socket
// per port, shared by both families: an IPv4 and an IPv6 socket cannot
// bind the same port apart, as they can on Linux), socket options (TTL,
// TOS, IPV6_V6ONLY), checksum offload.
package udp
