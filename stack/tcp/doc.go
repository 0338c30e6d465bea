// Package tcp is TCP over IPv4 and IPv6 (RFC 9293) for the stack, with Go
// sockets:
// conns implement net.Conn (and the *net.TCPConn extras CloseWrite,
// SetNoDelay, SetKeepAlive, SetLinger, SetReadBuffer, SetWriteBuffer),
// listeners net.Listener.
//
// Start with New: pass it in ipv4.Options.Transports (it registers IP
// protocol 6) and its V6() in ipv6.Options.Transports (next header 6),
// then Dial/DialContext/DialAddrPort or Listen/ListenAddrPort on it. Sockets keep Go's contracts: deadlines fail with errors wrapping
// os.ErrDeadlineExceeded, use after Close fails with net.ErrClosed, errors
// are *net.OpError with syscall.ECONNREFUSED, ECONNRESET, ETIMEDOUT or
// EPIPE underneath where Go reports them, Read returns io.EOF after the
// peer's FIN.
//
// Files are the table of contents: tcp.go (protocol, demultiplexing,
// ports, counters), segment.go (parsing and option decoding), input.go
// (the RFC 9293 §3.10.7 state machine, RFC 5961 checks, ACK processing),
// output.go (segment building, windows, Nagle, RFC 6675 recovery
// output), sack.go (the scoreboard: one record per segment in flight
// with its transmission time and SACKed/lost/retransmitted marks),
// rack.go (RACK loss detection, RFC 8985 §6, whose lost marks drive
// RFC 6675 recovery), tlp.go (tail loss probe, RFC 8985 §7),
// tcp6.go (the IPv6 face: input, multicast and IPv4-mapped addresses
// refused), icmp.go (ICMP and ICMPv6 errors, path MTU), pmtu4.go (the
// IPv4 path MTUs learned, for new connections),
// timer.go (RTO, RACK, TLP, persist, delayed ACK, keepalive, TIME-WAIT),
// rtt.go (RFC 6298), cc.go/newreno.go/cubic.go
// (congestion control behind one interface), listener.go (backlog),
// syncookie.go (RFC 4987 SYN cookies), isn.go/siphash.go (RFC 6528
// ISNs), recvq.go and sendbuf.go (buffers), rcvtune.go (receive-window
// auto-tuning), conn.go and dial.go (sockets).
//
// Memory and ownership: received segments stay in the mbufs they arrived
// in — the header is pulled, the payload queued (zero copy); small
// payloads are coalesced into the tail buffer. Every mbuf a receive queue
// holds (in order or out of order) is charged to the "tcp-rcvq" quota of
// the stack's mbuf budget; a segment the quota refuses is dropped and
// counted (Stats.DropQuota) and the peer resends it, so TCP cannot take
// the buffers receive refill needs. The quota's last eighth is kept for
// queues holding fewer than four mbufs (recvq.go, rcvGuarantee), so one
// socket with unread data cannot starve the others; TCP removes the
// quota from the budget when it closes. Receive-window auto-tuning (rcvtune.go,
// dynamic right-sizing as Linux does it) grows a socket's buffer from
// ReadBuffer towards MaxReadBuffer when the application reads more per
// round trip than the window allows; the growth of all sockets together
// is reserved from a share of that quota (AutoTuneBuffers), so tuned
// windows cannot promise more than the quota holds. Read copies out and
// frees. Send:
// Write copies into the socket's send buffer (a byte ring); each
// (re)transmission copies the bytes into a fresh mbuf behind the header,
// and the network layer pushes its header into the headroom. Steady-state transfer
// allocates nothing per segment.
//
// Families: one TCP serves IPv4 and IPv6 with one port space and one
// connection table. A connection's key is fixed-size and comparable (two
// 16-byte addresses, IPv4 ones IPv4-mapped; the ports; the interface of
// a link-local connection), so demultiplexing allocates nothing; ISNs
// (RFC 6528) and SYN cookies hash all of it. Networks follow Go: "tcp4"
// is IPv4, "tcp6" IPv6, "tcp" either (IPv4-mapped addresses are IPv4).
// Listen("tcp", ":port") and a [::] listener are dual stack: IPv4 peers
// are accepted as IPv4 connections whose net.TCPAddr shows them
// IPv4-mapped, as Go's; "tcp6" on ":port" is IPv6 only (IPV6_V6ONLY),
// 0.0.0.0 IPv4 only. A link-local peer needs its zone ("[fe80::1%eth0]").
// Segments leave through stack/network.Layer of the connection's family
// (route in output.go), the layer pushing its header into the headroom.
// The MSS is the path MTU less 40 (IPv4) or 60 (IPv6) bytes, at least
// 536 or 1220.
//
// Path MTU (icmp.go): packet too big (RFC 8201 §5.5, the MTU from
// stack/ipv6's PMTU cache), fragmentation needed (RFC 1191 §6.3, the
// next-hop MTU, at least 576; a pre-RFC 1191 router's zero steps down
// the §7 plateau table) and a send the network layer refuses as larger
// than the path MTU all lower the connection's MSS; the flight is then
// resent from SND.UNA in smaller segments at once, cwnd untouched (not a
// congestion signal), like Linux's tcp_simple_retransmit. The quoted
// sequence number must be in flight (RFC 5927 §4.1). IPv4 keeps no path
// MTU cache, so TCP keeps what validated fragmentation needed messages
// taught per destination (pmtu4.go, 10 minutes): a new IPv4 connection
// starts from it as an IPv6 one does from stack/ipv6's cache. Unreachables end a
// connection only in SYN-SENT (RFC 1122 §4.2.3.9, RFC 5461).
//
// Concurrency: one mutex per connection; the interface's receive
// goroutine, the connection's timer and the application take it. Segments
// are handed to the network layer under it. Lock order: connection, then protocol
// tables.
//
// Loss detection: with SACK, RACK-TLP (RFC 8985) alone decides what is
// lost (no duplicate-ACK threshold, no RFC 5827 early retransmit), as
// Linux does. Without SACK, NewReno (RFC 6582). After an RTO a SACK
// sender keeps its scoreboard (RFC 6675 §5.1, as Linux): RACK marks the
// segment at SND.UNA and every one older than RACK.rtt + reo_wnd lost
// (RFC 8985 §6.3), slow start resends the lost ones and skips what the
// receiver SACKed, and RACK keeps marking on every ACK, so a lost
// retransmission is resent once a later segment arrives instead of at a
// second RTO. A cumulative ACK stopping at SACKed data shows the receiver
// reneged: the SACK marks go (RFC 2018 §8) and the RTO fires shortly.
// Without SACK the sender goes back to SND.UNA (RFC 5681 §3.1).
//
// What it does not do: urgent data (URG is ignored), TCP Fast Open,
// ECN, PMTU black-hole probing (RFC 4821), raising the MSS again when a
// learned path MTU expires, separate IPv4 and IPv6 sockets on one port
// (one listener per port serves both), SO_REUSEADDR, reopening a connection from TIME-WAIT
// (RFC 6191). SYN-cookie connections run without window scaling,
// timestamps and SACK.
package tcp
