package tcp

import "errors"

// Errors callers branch on. At the socket API they are wrapped in a
// *net.OpError (and, where Go's net package reports an errno, the errno
// itself is underneath: syscall.ECONNREFUSED, ECONNRESET, ETIMEDOUT, EPIPE).
var (
	ErrAddrInUse     = errors.New("tcp: address already in use (another socket has this port; pick another or close it)")
	ErrNoPorts       = errors.New("tcp: no free ephemeral port (close sockets or wait for TIME-WAIT to end)")
	ErrBadAddress    = errors.New("tcp: not an IPv4 address and port (use host:port with an IPv4 address)")
	ErrBadNetwork    = errors.New("tcp: network must be \"tcp\" or \"tcp4\"")
	ErrNotAttached   = errors.New("tcp: not attached to a stack (pass tcp.New in ipv4.Options.Transports)")
	ErrClosedStack   = errors.New("tcp: protocol closed")
	ErrBadCongestion = errors.New("tcp: unknown congestion control (use \"cubic\" or \"newreno\")")
)
