package control

import (
	"context"
	"net"
	"sync"
)

// Listening through the control socket. One Unix connection per TCP
// connection, as for dial, not streams multiplexed over one: each
// accepted connection is an ordinary pipe, so it has the kernel's flow
// control and half-close (CloseWrite), its own deadlines, and a slow
// reader of one connection never stalls another; a program holding N
// connections holds N file descriptors, as it would with the kernel's
// sockets. The listener itself is one more connection (verb listen) that
// the daemon keeps the stack's listener open for: closing it closes the
// listener; the daemon ending it (tcp unloaded, the daemon stopping) is
// the client's EOF there. Accept is a connection of its own (verb accept,
// naming the listener by the token listen returned) that the daemon
// answers once a connection is established; a client giving up (Close)
// just closes it, and the daemon stops waiting.

// VerbListen opens a TCP listener of the daemon's stack (ListenRequest →
// ListenResult); the control connection then holds it open until either
// end closes it (nothing flows on it).
const VerbListen = "listen"

// VerbAccept waits for the next connection of a listener (AcceptRequest
// → DialResult), then the control connection is that connection's byte
// stream, as for VerbDial.
const VerbAccept = "accept"

// ListenRequest asks for a listener on Addr (an IP literal and port;
// "0.0.0.0:80", "[::]:80" dual stack, port 0 picks one); Backlog 0 is the
// stack's default.
type ListenRequest struct {
	Addr    string `json:"addr"`
	Backlog int    `json:"backlog,omitempty"`
}

// ListenResult is the listener's address and the token that accepts on
// it. The token is unguessable (128 random bits) and only this caller has
// it: another user of the control socket cannot take its connections.
type ListenResult struct {
	Addr  string `json:"addr"`
	Token string `json:"token"`
}

// AcceptRequest names the listener to accept on.
type AcceptRequest struct {
	Token string `json:"token"`
}

// ListenTCP opens a TCP listener on addr ("0.0.0.0:8080", "[::]:0") in
// the daemon's stack and returns it as a net.Listener: Accept returns
// each connection as a *PipeConn (see DialTCP), Close releases the port
// and ends pending Accepts with net.ErrClosed, Addr is the stack's
// address. ctx bounds the set-up only.
func (c *Client) ListenTCP(ctx context.Context, addr string) (*Listener, error) {
	resp, _, conn, err := c.call(ctx, VerbListen, ListenRequest{Addr: addr})
	if err != nil {
		return nil, err
	}
	var r ListenResult
	uc, err := c.openPipe(ctx, VerbListen, resp, conn, &r)
	if err != nil {
		return nil, err
	}
	l := &Listener{c: c, conn: uc, token: r.Token}
	l.addr, _ = net.ResolveTCPAddr("tcp", r.Addr)
	l.ctx, l.cancel = context.WithCancel(context.Background())
	return l, nil
}

// Listener is a TCP listener of the daemon's stack held through the
// control socket. It is safe for concurrent use.
type Listener struct {
	c      *Client
	conn   *net.UnixConn
	token  string
	addr   *net.TCPAddr
	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	once   sync.Once
}

var _ net.Listener = (*Listener)(nil)

// Accept implements net.Listener.
func (l *Listener) Accept() (net.Conn, error) { return l.AcceptPipe() }

// AcceptPipe waits for the next connection. After Close it returns a
// *net.OpError wrapping net.ErrClosed; when the daemon closed the
// listener (tcp unloaded, the daemon stopping) it wraps this package's
// *OpError (ErrNotFound, or the transport's error).
func (l *Listener) AcceptPipe() (*PipeConn, error) {
	opErr := func(err error) error {
		if l.ctx.Err() != nil {
			err = net.ErrClosed
		}
		return &net.OpError{Op: "accept", Net: "tcp", Addr: l.addr, Err: err}
	}
	if l.ctx.Err() != nil {
		return nil, opErr(net.ErrClosed)
	}
	resp, br, conn, err := l.c.call(l.ctx, VerbAccept, AcceptRequest{Token: l.token})
	if err != nil {
		return nil, opErr(err)
	}
	var r DialResult
	uc, err := l.c.openPipe(l.ctx, VerbAccept, resp, conn, &r)
	if err != nil {
		return nil, opErr(err)
	}
	pc := newPipeConn(uc, br)
	pc.local, _ = net.ResolveTCPAddr("tcp", r.Local)
	pc.remote, _ = net.ResolveTCPAddr("tcp", r.Remote)
	return pc, nil
}

// Close closes the listener: the daemon releases the port and resets
// connections not yet accepted; pending Accepts return net.ErrClosed.
// Connections already accepted stay open.
func (l *Listener) Close() error {
	err := error(&net.OpError{Op: "close", Net: "tcp", Addr: l.addr, Err: net.ErrClosed})
	l.once.Do(func() {
		l.cancel()
		err = l.conn.Close()
	})
	return err
}

// Addr is the listener's address in the daemon's stack.
func (l *Listener) Addr() net.Addr { return l.addr }
