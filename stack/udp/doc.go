// Package udp is UDP over IPv4 (RFC 768) for the stack, with Go sockets.
//
// Start with New: pass it in ipv4.Options.Transports, then open sockets with
// ListenPacket (a net.PacketConn) or Dial (a connected net.Conn). Sockets
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
// Send: the payload is copied once into pool buffers (a chain above one
// buffer), the UDP header is pushed in front, IPv4 adds its header and
// fragments. When the pool is empty a writer waits, like a blocking socket
// waiting for send-buffer space, until buffers return, its deadline passes
// or the socket closes.
//
// ReadFromUDPAddrPort and WriteToUDPAddrPort do not allocate.
//
// What it does not do: IPv6, multicast group joins, SO_REUSEADDR (one
// socket per port), socket options (TTL, TOS), ICMP errors reported to
// sockets, checksum offload.
package udp
