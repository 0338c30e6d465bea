// Package socks is a SOCKS version 5 server (RFC 1928) over any dialer:
// gopkt's daemon hands it its stack's TCP, so SOCKS-aware programs
// (curl --socks5-hostname, browsers, ssh -o ProxyCommand) use gopkt's
// stack unmodified.
//
// # Where to start
//
//	srv := &socks.Server{Dial: func(ctx context.Context, dst netip.AddrPort) (net.Conn, error) { ... }}
//	err := srv.Serve(listener) // a loopback or Unix-socket listener
//
// wire.go parses and builds the messages (method selection §3, request
// §4, reply §6, the UDP relay header §7), every parser with a fuzz
// target; server.go runs a connection: method selection, the request, the
// dial, the reply, then bytes both ways until both sides have closed (a
// half-close is passed on with CloseWrite); udp.go runs a UDP ASSOCIATE
// (§7) when Server.ListenPacket is set: a relay socket on the control
// connection's local address, datagrams accepted from the client's
// address only, until the control connection closes.
//
// # What it does not do
//
// Authentication: only "no authentication required" (method 0x00) is
// offered, so listen only where every caller is trusted (loopback, a Unix
// socket whose directory guards it). BIND is answered "command not
// supported" (0x07), and so is UDP ASSOCIATE without ListenPacket; relayed
// datagrams with FRAG ≠ 0 are dropped (§7 allows it). Domain names are resolved
// by Server.Resolve when set; without it only names that are IP literals
// work (reply 0x04 otherwise). IPv6 destinations are passed to Dial,
// which refuses them while the stack has no IPv6.
package socks
