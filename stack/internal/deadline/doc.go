// Package deadline is the socket deadline the stack's transports share
// (stack/udp and stack/tcp conns and listeners): one direction's deadline
// as a channel closed when it passes and replaced when it is moved, the
// scheme of net.Pipe, so Go's SetReadDeadline/SetWriteDeadline contracts
// (a deadline in the past fails blocked and future calls at once; moving
// it revives them) hold without a goroutine per socket.
//
// A blocked operation selects on Wait() and re-reads it after waking; the
// fast path checks Expired() without the lock. Concurrency: every method
// may be called from any goroutine.
package deadline
