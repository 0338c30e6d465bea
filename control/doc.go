// Package control is the gopkt daemon's control protocol: the messages a
// program outside the daemon's process exchanges with it over a Unix
// socket, the Client that speaks it (what gopktctl uses), and the Server
// that accepts connections, authenticates them by peer credentials and
// dispatches verbs to handlers the daemon registers.
//
// It plays the part of QNX io-pkt's resource manager for configuration and
// monitoring: ifconfig, route, arp, netstat, nicinfo (stat), a BPF-like
// capture stream (dump) and sloginfo (log) work against the running stack.
//
// # Where to start
//
//	c := control.Dial("/run/gopkt/gopkt.sock")
//	ifs, err := c.Interfaces(ctx)
//	err = c.Dump(ctx, control.DumpRequest{Iface: "tap0", Count: 100}, os.Stdout) // a pcap stream
//
// # Protocol (version 1)
//
// One request per connection. The client writes one JSON object (Request:
// version, verb, arguments) terminated by a newline; the server answers
// one JSON object (Response: version, an error with a code, or data). A
// verb that streams (dump: a libpcap file; log.follow: text lines)
// answers a Response with Stream set, then the raw stream follows until
// the server ends it (count reached) or the client closes the connection
// (the server notices and stops). A request whose major version the
// server does not speak is refused with code "version". proto.go has the
// messages, verbs.go the verbs and their argument and result types;
// ping.go (echo requests from the daemon's stack), protocols.go (load
// and unload a transport at run time) and the socket verbs add theirs:
// pipe.go (dial: a TCP connection of the daemon's stack as a net.Conn,
// Client.DialTCP), listen.go (listen and accept: a net.Listener,
// Client.ListenTCP; why one connection per accepted connection rather
// than streams multiplexed on one is explained there) and packet.go (udp:
// a net.PacketConn, Client.ListenPacket and DialUDP, datagrams framed
// with their addresses, and a connected socket's ICMP errors as error
// frames that its next read returns as the kernel's errno).
//
// # Authentication
//
// The socket file is world-connectable (mode 0666 in a 0755 directory) on
// purpose: authorization is the server's, from the peer's credentials
// (SO_PEERCRED, unix(7)) so that a refused caller gets a reason and the
// daemon logs the refusal. Root (uid 0) and members of the configured
// group (primary or supplementary: the peer's Groups line in
// /proc/PID/status) are served; anyone else gets code "denied".
//
// # What it does not do
//
// No domain names for the socket verbs (IP literals; package socks, the
// SOCKS5 front, resolves names); no TCP transport (Unix socket only); one request per
// connection (no multiplexing).
package control
