package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Handler answers one unary verb: args is the request's raw arguments
// (decode with Decode), the result is marshalled into Response.Data.
type Handler func(ctx context.Context, args json.RawMessage) (any, error)

// StreamHandler answers a streaming verb in two steps: it checks the
// arguments and sets the stream up (an error here is an ordinary error
// response), then the server sends the Stream header and calls the
// returned function with the connection, whose ctx ends when the client
// closes it. format names the stream ("pcap", "text").
type StreamHandler func(ctx context.Context, args json.RawMessage) (format string, run func(ctx context.Context, w io.Writer) error, err error)

// Decode unmarshals a request's arguments strictly (unknown fields are an
// ErrBadRequest, so a newer client's option is not silently ignored).
func Decode(args json.RawMessage, v any) error {
	if len(args) == 0 {
		args = []byte("{}")
	}
	d := json.NewDecoder(bytes.NewReader(args))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return Errorf(ErrBadRequest, "arguments: %v", err)
	}
	return nil
}

// ServerOptions configure a Server.
type ServerOptions struct {
	// GIDs may use the socket besides root (the daemon's control group).
	GIDs []uint32
	// Logger receives refusals and handler failures; nil discards.
	Logger *slog.Logger
	// Timeout bounds reading a request (default 10 s).
	Timeout time.Duration
}

// Server accepts control connections on a Unix socket.
type Server struct {
	o      ServerOptions
	ln     *net.UnixListener
	path   string
	unary  map[string]Handler
	stream map[string]StreamHandler
	pipe   map[string]PipeHandler // pipe.go
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// Listen creates the socket at path (its directory with mode 0755 if
// missing). A stale socket file (nobody listening) is replaced; a live
// one is an error naming the path. The socket is mode 0666: the server
// authorizes each peer by its credentials (see the package doc).
func Listen(path string, o ServerOptions) (*Server, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, &OpError{Op: "listen", Err: err, Fix: "pick a writable place with --control PATH"}
	}
	if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
		c.Close()
		return nil, &OpError{Op: "listen", Err: ErrExists, Fix: fmt.Sprintf("a daemon already serves %s; stop it or pick another path with --control PATH", path)}
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, &OpError{Op: "listen", Err: ErrExists, Fix: path + " exists and is not a socket; remove it or pick another path"}
		}
		_ = os.Remove(path) // stale: nobody answered
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, &OpError{Op: "listen", Err: err}
	}
	ln.SetUnlinkOnClose(true)
	if err := os.Chmod(path, 0o666); err != nil {
		ln.Close()
		return nil, &OpError{Op: "listen", Err: err}
	}
	return &Server{o: o, ln: ln, path: path, unary: map[string]Handler{}, stream: map[string]StreamHandler{}, pipe: map[string]PipeHandler{},
		conns: map[net.Conn]struct{}{}}, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.path }

// Handle registers a unary verb (replacing a streaming one of that
// name: a verb is one or the other). Register every verb before Serve.
func (s *Server) Handle(verb string, h Handler) {
	delete(s.stream, verb)
	delete(s.pipe, verb)
	s.unary[verb] = h
}

// HandleStream registers a streaming verb (replacing a unary one).
func (s *Server) HandleStream(verb string, h StreamHandler) {
	delete(s.unary, verb)
	s.stream[verb] = h
}

// Serve accepts connections until Close, each on its own goroutine.
func (s *Server) Serve(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			return &OpError{Op: "accept", Err: err}
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return nil
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serveConn(ctx, c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
			c.Close()
		}()
	}
}

// Close stops accepting, closes every connection (ending streams) and
// waits for the handlers to return; the socket file is removed.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

func (s *Server) serveConn(ctx context.Context, c *net.UnixConn) {
	cred, err := peerCred(c)
	if err != nil {
		s.o.Logger.Warn("control: peer credentials unavailable; connection refused", "err", err)
		return
	}
	_ = c.SetReadDeadline(time.Now().Add(s.o.Timeout))
	br := bufio.NewReader(c)
	var req Request
	line, err := br.ReadBytes('\n') // read before refusing, so the client's write does not meet a closed socket
	if err == nil {
		err = json.Unmarshal(line, &req)
	}
	if !s.allowed(cred) {
		s.o.Logger.Warn("control: connection refused", "uid", cred.UID, "gid", cred.GID, "pid", cred.PID,
			"verb", req.Verb, "reason", "neither root nor in the control group")
		s.reply(c, nil, Errorf(ErrDenied, "uid %d (pid %d) is neither root nor in the daemon's control group%s; run as root or add the user to that group",
			cred.UID, cred.PID, s.groupList()))
		return
	}
	if err != nil {
		s.o.Logger.Warn("control: bad request", "uid", cred.UID, "err", err)
		s.reply(c, nil, Errorf(ErrBadRequest, "want one JSON request and a newline: %v", err))
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	if req.V != Version {
		s.reply(c, nil, Errorf(ErrVersion, "protocol version %d requested; this daemon speaks %d (use a gopktctl of the same release)", req.V, Version))
		return
	}
	s.o.Logger.Debug("control: request", "verb", req.Verb, "uid", cred.UID, "pid", cred.PID)
	if h, ok := s.unary[req.Verb]; ok {
		data, err := h(ctx, req.Args)
		if err != nil {
			s.o.Logger.Info("control: request failed", "verb", req.Verb, "uid", cred.UID, "err", err)
		}
		s.reply(c, data, err)
		return
	}
	if h, ok := s.pipe[req.Verb]; ok {
		s.servePipe(ctx, c, br, h, req)
		return
	}
	h, ok := s.stream[req.Verb]
	if !ok {
		s.reply(c, nil, Errorf(ErrUnknownVerb, "verb %q is not known to this daemon", req.Verb))
		return
	}
	format, run, err := h(ctx, req.Args)
	if err != nil {
		s.o.Logger.Info("control: request failed", "verb", req.Verb, "uid", cred.UID, "err", err)
		s.reply(c, nil, err)
		return
	}
	hdr, _ := json.Marshal(Response{V: Version, Stream: format})
	if _, err := c.Write(append(hdr, '\n')); err != nil {
		return
	}
	// The client sends nothing more: a read that returns means it closed.
	sctx, cancel := context.WithCancel(ctx)
	go func() {
		_, _ = br.ReadByte()
		cancel()
	}()
	bw := bufio.NewWriterSize(c, 64<<10)
	if err := run(sctx, &flushWriter{bw}); err != nil && sctx.Err() == nil {
		s.o.Logger.Info("control: stream ended with an error", "verb", req.Verb, "err", err)
	}
	_ = bw.Flush()
	cancel()
	_ = c.CloseWrite()
}

// flushWriter flushes after every write, so a slow stream (a capture on
// a quiet interface) reaches the client frame by frame; the buffer still
// joins a pcap record's header and data into one write.
type flushWriter struct{ w *bufio.Writer }

func (f *flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	if err == nil && f.w.Buffered() > 0 {
		err = f.w.Flush()
	}
	return n, err
}

func (s *Server) reply(w io.Writer, data any, err error) {
	resp := Response{V: Version}
	if err != nil {
		resp.Error = &ErrorBody{Code: codeOf(err), Message: err.Error()}
	} else if data != nil {
		raw, merr := json.Marshal(data)
		if merr != nil {
			resp.Error = &ErrorBody{Code: "failed", Message: merr.Error()}
		} else {
			resp.Data = raw
		}
	}
	b, _ := json.Marshal(resp)
	_, _ = w.Write(append(b, '\n'))
}

func (s *Server) allowed(c Cred) bool {
	if c.UID == 0 {
		return true
	}
	for _, g := range s.o.GIDs {
		if c.GID == g {
			return true
		}
		for _, sg := range c.Groups {
			if sg == g {
				return true
			}
		}
	}
	return false
}

func (s *Server) groupList() string {
	if len(s.o.GIDs) == 0 {
		return " (no group configured: only root)"
	}
	return fmt.Sprintf(" (gid %v)", s.o.GIDs)
}

var errNoCred = errors.New("no peer credentials")
