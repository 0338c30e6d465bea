package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
)

// VerbDial opens a TCP connection from the daemon's stack (DialRequest →
// DialResult, then the control connection is the byte stream of that TCP
// connection both ways): a Go program in another process gets a net.Conn
// over the daemon's stack (Client.DialTCP).
const VerbDial = "dial"

// DialRequest asks the daemon's stack to connect to Addr (an IP literal
// and port, "198.18.0.1:80"), within TimeoutMS (0: 10 s).
type DialRequest struct {
	Addr      string `json:"addr"`
	TimeoutMS int    `json:"timeout_ms,omitempty"`
}

// DialResult is the connection's two ends, as the daemon's stack sees them.
type DialResult struct {
	Local  string `json:"local"`
	Remote string `json:"remote"`
}

// PipeHandler answers a verb that turns the control connection into a
// byte pipe: it sets the pipe up (an error here is an ordinary error
// response) and returns the data of the response and run. The server
// sends the response (Stream "pipe"), then calls run with what the client
// sends (r: EOF when the client closes its writing side) and the way back
// (w); when run returns, the server ends the client's reading side. run
// must release what the setup took (a connection, a listener) when ctx
// ends: it is called with an ended ctx when the response could not be
// sent. The setup's ctx ends when the client goes away before it has its
// response.
type PipeHandler func(ctx context.Context, args json.RawMessage) (data any, run func(ctx context.Context, r *bufio.Reader, w net.Conn) error, err error)

// HandlePipe registers a pipe verb (see PipeHandler). Register every verb
// before Serve.
func (s *Server) HandlePipe(verb string, h PipeHandler) {
	delete(s.unary, verb)
	delete(s.stream, verb)
	s.pipe[verb] = h
}

// servePipe runs a pipe verb on c; br holds what the client sent after
// its request. The client sends nothing more until it has the response,
// so while the handler sets the pipe up (a dial, or an accept waiting
// for a connection) a read that returns means the client went away: the
// handler's ctx then ends, and it gives up.
func (s *Server) servePipe(ctx context.Context, c *net.UnixConn, br *bufio.Reader, h PipeHandler, req Request) {
	sctx, cancel := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if _, err := br.Peek(1); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			cancel()
		}
	}()
	data, run, err := h(sctx, req.Args)
	// Stop the watcher (a deadline in the past ends its read; Peek leaves
	// no error behind in br) before anyone else reads br.
	_ = c.SetReadDeadline(time.Unix(1, 0))
	<-watched
	_ = c.SetReadDeadline(time.Time{})
	cancel()
	if err != nil {
		s.o.Logger.Info("control: request failed", "verb", req.Verb, "err", err)
		s.reply(c, nil, err)
		return
	}
	raw, _ := json.Marshal(data)
	hdr, _ := json.Marshal(Response{V: Version, Stream: "pipe", Data: raw})
	if _, err := c.Write(append(hdr, '\n')); err != nil {
		// The client went away after all: run still gets the pipe's
		// resources, with its ctx already ended, to close them.
		dead, end := context.WithCancel(ctx)
		end()
		ctx = dead
	}
	if err := run(ctx, br, c); err != nil {
		s.o.Logger.Debug("control: pipe ended", "verb", req.Verb, "err", err)
	}
	_ = c.CloseWrite()
}

// DialTCP connects to addr ("198.18.0.1:80") through the daemon's stack
// and returns the connection as a net.Conn: reads and writes are the TCP
// stream, CloseWrite half-closes it, Close ends it, deadlines apply to
// the control connection carrying it, LocalAddr and RemoteAddr are the
// stack's ends.
func (c *Client) DialTCP(ctx context.Context, addr string) (*PipeConn, error) {
	var timeout int
	if dl, ok := ctx.Deadline(); ok {
		timeout = int(time.Until(dl) / time.Millisecond)
	}
	resp, br, conn, err := c.call(ctx, VerbDial, DialRequest{Addr: addr, TimeoutMS: max(timeout, 0)})
	if err != nil {
		return nil, err
	}
	var r DialResult
	sc, err := c.openPipe(ctx, VerbDial, resp, conn, &r)
	if err != nil {
		return nil, err
	}
	pc := newPipeConn(sc, br)
	pc.local, _ = net.ResolveTCPAddr("tcp", r.Local)
	pc.remote, _ = net.ResolveTCPAddr("tcp", r.Remote)
	return pc, nil
}

// openPipe checks that a pipe followed resp, decodes its data into
// result, and hands over the connection: the ctx that bounded the set-up
// no longer closes it, and its deadline is gone.
func (c *Client) openPipe(ctx context.Context, verb string, resp *Response, conn net.Conn, result any) (*net.UnixConn, error) {
	if resp.Stream != "pipe" {
		conn.Close()
		return nil, &OpError{Op: verb, Err: ErrProtocol, Fix: "no pipe followed"}
	}
	if err := json.Unmarshal(resp.Data, result); err != nil {
		conn.Close()
		return nil, &OpError{Op: verb, Err: ErrProtocol, Fix: err.Error()}
	}
	sc := conn.(*stopConn)
	if !sc.stop() {
		conn.Close()
		return nil, c.ioErr(ctx, verb, ctx.Err())
	}
	_ = sc.SetDeadline(time.Time{})
	return sc.Conn.(*net.UnixConn), nil
}

// PipeConn is a TCP connection of the daemon's stack carried over the
// control socket. Like every net.Conn it is safe for concurrent use.
type PipeConn struct {
	*net.UnixConn
	mu            sync.Mutex // guards pre
	pre           []byte     // what the response's reader had buffered past it
	local, remote *net.TCPAddr
}

var _ net.Conn = (*PipeConn)(nil)

// newPipeConn takes over uc, with the bytes br read past the response.
func newPipeConn(uc *net.UnixConn, br *bufio.Reader) *PipeConn {
	p := &PipeConn{UnixConn: uc}
	if n := br.Buffered(); n > 0 {
		p.pre, _ = br.Peek(n)
		p.pre = bytes.Clone(p.pre)
	}
	return p
}

// Read implements net.Conn: what came with the response first, then the
// socket (read directly, so concurrent reads and deadlines behave as the
// Unix connection's).
func (p *PipeConn) Read(b []byte) (int, error) {
	p.mu.Lock()
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		p.mu.Unlock()
		return n, nil
	}
	p.mu.Unlock()
	return p.UnixConn.Read(b)
}

// WriteTo implements io.WriterTo, so io.Copy from the connection sends
// what came with the response first: without it io.Copy to an *os.File
// (stdout) would splice straight from the socket (the embedded
// UnixConn's SyscallConn) and skip those bytes.
func (p *PipeConn) WriteTo(w io.Writer) (int64, error) {
	p.mu.Lock()
	pre := p.pre
	p.pre = nil
	p.mu.Unlock()
	var n int64
	if len(pre) > 0 {
		k, err := w.Write(pre)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	k, err := io.Copy(w, p.UnixConn)
	return n + k, err
}

// SyscallConn hides the socket while bytes that came with the response
// wait in the connection (reading the socket directly would skip them).
func (p *PipeConn) SyscallConn() (syscall.RawConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pre) > 0 {
		return nil, errPreBuffered
	}
	return p.UnixConn.SyscallConn()
}

var errPreBuffered = errors.New("control: bytes buffered ahead of the socket")

// LocalAddr is the stack's end of the TCP connection.
func (p *PipeConn) LocalAddr() net.Addr { return p.local }

// RemoteAddr is the TCP peer.
func (p *PipeConn) RemoteAddr() net.Addr { return p.remote }
