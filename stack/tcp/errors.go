package tcp

import "errors"

// Errors callers branch on. At the socket API they are wrapped in a
// *net.OpError (and, where Go's net package reports an errno, the errno
// itself is underneath: syscall.ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE).
var (
	ErrAddrInUse     = errors.New("tcp: address already in use (another socket has this port; pick another or close it)")
	ErrNoPorts       = errors.New("tcp: no free ephemeral port (close sockets or wait for TIME-WAIT to end)")
	ErrBadAddress    = errors.New("tcp: not a usable address and port for this network (tcp4: IPv4, tcp6: IPv6 other than IPv4-mapped)")
	ErrBadNetwork    = errors.New("tcp: network must be \"tcp\", \"tcp4\" or \"tcp6\"")
	ErrNotAttached   = errors.New("tcp: not attached to a network layer of this family (pass tcp.New in ipv4.Options.Transports, its V6() in ipv6.Options.Transports)")
	ErrClosedStack   = errors.New("tcp: protocol closed")
	ErrBadCongestion = errors.New("tcp: unknown congestion control (use \"cubic\" or \"newreno\")")
)
