// Package tcp is TCP over IPv4 (RFC 9293) for the stack, with Go sockets:
// conns implement net.Conn (and the *net.TCPConn extras CloseWrite,
// SetNoDelay, SetKeepAlive, SetLinger, SetReadBuffer, SetWriteBuffer),
// listeners net.Listener.
//
// Start with New: pass it in ipv4.Options.Transports (it registers IP
// protocol 6), then Dial/DialContext/DialAddrPort or Listen/ListenAddrPort
// on it. Sockets keep Go's contracts: deadlines fail with errors wrapping
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
// icmp.go (ICMP errors),
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
// the buffers receive refill needs. Receive-window auto-tuning (rcvtune.go,
// dynamic right-sizing as Linux does it) grows a socket's buffer from
// ReadBuffer towards MaxReadBuffer when the application reads more per
// round trip than the window allows; the growth of all sockets together
// is reserved from a share of that quota (AutoTuneBuffers), so tuned
// windows cannot promise more than the quota holds. Read copies out and
// frees. Send:
// Write copies into the socket's send buffer (a byte ring); each
// (re)transmission copies the bytes into a fresh mbuf behind the header,
// and IPv4 pushes its header into the headroom. Steady-state transfer
// allocates nothing per segment.
//
// Concurrency: one mutex per connection; the interface's receive
// goroutine, the connection's timer and the application take it. Segments
// are handed to IPv4 under it. Lock order: connection, then protocol
// tables.
//
// Loss detection: with SACK, RACK-TLP (RFC 8985) alone decides what is
// lost (no duplicate-ACK threshold, no RFC 5827 early retransmit), as
// Linux does. Without SACK, NewReno (RFC 6582). After an RTO the
// sender goes back to SND.UNA (RFC 5681 §3.1) with the SACK marks
// cleared (RFC 2018 §8), rather than RFC 8985 §6.3's marking.
//
// What it does not do: IPv6, urgent data (URG is ignored), TCP Fast Open,
// ECN, path MTU discovery by ICMP (the MSS is clamped to the
// route's MTU), SO_REUSEADDR, reopening a connection from TIME-WAIT
// (RFC 6191). SYN-cookie connections run without window scaling,
// timestamps and SACK.
package tcp
