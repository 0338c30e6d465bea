package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/netip"
	"sync"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/stack/tcp"
)

// Listening sockets for programs outside the process
// (control.Client.ListenTCP; the protocol is in control/listen.go): the
// listen pipe holds a listener of the stack open, a goroutine accepts on
// it and hands each connection to the next accept pipe naming its token,
// which then carries it as dial does (pipeTCP).

// ctlListeners are the listeners opened through the control socket, by
// token.
type ctlListeners struct {
	mu sync.Mutex
	m  map[string]*ctlListener
}

// ctlListener is one of them: conns hands accepted connections to accept
// pipes; done closes when the stack's listener is gone (closed by its
// listen pipe, tcp unloaded, the stack closed).
type ctlListener struct {
	l     *tcp.Listener
	conns chan *tcp.Conn
	done  chan struct{}
	stop  chan struct{}
}

func (ls *ctlListeners) add(l *tcp.Listener) (string, *ctlListener) {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	tok := hex.EncodeToString(b[:])
	cl := &ctlListener{l: l, conns: make(chan *tcp.Conn), done: make(chan struct{}), stop: make(chan struct{})}
	ls.mu.Lock()
	if ls.m == nil {
		ls.m = map[string]*ctlListener{}
	}
	ls.m[tok] = cl
	ls.mu.Unlock()
	go cl.acceptLoop()
	return tok, cl
}

func (ls *ctlListeners) get(tok string) *ctlListener {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.m[tok]
}

// remove closes the listener (connections not yet handed on are reset)
// and forgets its token.
func (ls *ctlListeners) remove(tok string, cl *ctlListener) {
	ls.mu.Lock()
	delete(ls.m, tok)
	ls.mu.Unlock()
	close(cl.stop)
	_ = cl.l.Close()
	<-cl.done
}

// acceptLoop accepts until the listener closes, holding one connection
// at a time until an accept pipe takes it (the stack's backlog holds the
// rest).
func (cl *ctlListener) acceptLoop() {
	defer close(cl.done)
	for {
		c, err := cl.l.AcceptTCP()
		if err != nil {
			return
		}
		select {
		case cl.conns <- c:
		case <-cl.stop:
			_ = c.Close()
			return
		}
	}
}

// ctlListen is the listen verb: a listener of the stack that lives as
// long as the control connection asking for it (or until tcp unloads or
// the daemon stops, which ends that connection).
func (d *daemon) ctlListen(_ context.Context, args json.RawMessage) (any, func(context.Context, *bufio.Reader, net.Conn) error, error) {
	var r control.ListenRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, nil, err
	}
	local, err := netip.ParseAddrPort(r.Addr)
	if err != nil || r.Backlog < 0 {
		return nil, nil, control.Errorf(control.ErrBadRequest, "listen %q backlog %d: want an IP literal and a port, such as 0.0.0.0:8080 or [::]:8080, and a backlog of 0 (the default) or more", r.Addr, r.Backlog)
	}
	d.protoMu.RLock()
	t := d.tcp
	d.protoMu.RUnlock()
	if t == nil {
		return nil, nil, control.Errorf(control.ErrBadRequest, "tcp is not loaded (-p tcp, or gopktctl proto load tcp)")
	}
	l, err := t.ListenAddrPort(local, r.Backlog)
	if err != nil {
		return nil, nil, err
	}
	tok, cl := d.ctlLns.add(l)
	d.log.Info("control: listen", "addr", l.Addr())
	run := func(ctx context.Context, in *bufio.Reader, _ net.Conn) error {
		defer func() {
			d.ctlLns.remove(tok, cl)
			d.log.Info("control: listener closed", "addr", l.Addr())
		}()
		gone := make(chan struct{})
		go func() { // the client sends nothing: a read that returns is its Close
			_, _ = in.ReadByte()
			close(gone)
		}()
		select {
		case <-gone:
		case <-cl.done: // tcp unloaded, the stack closed
		case <-ctx.Done(): // the daemon stops
		}
		return nil
	}
	return control.ListenResult{Addr: l.Addr().String(), Token: tok}, run, nil
}

// ctlAccept is the accept verb: it waits for the named listener's next
// connection (or for the client to give up, or the listener to close)
// and pipes it.
func (d *daemon) ctlAccept(ctx context.Context, args json.RawMessage) (any, func(context.Context, *bufio.Reader, net.Conn) error, error) {
	var r control.AcceptRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, nil, err
	}
	cl := d.ctlLns.get(r.Token)
	if cl == nil {
		return nil, nil, control.Errorf(control.ErrNotFound, "no listener with this token: it was closed (by its owner, tcp unloaded, or the daemon stopping)")
	}
	select {
	case c := <-cl.conns:
		return control.DialResult{Local: c.LocalAddr().String(), Remote: c.RemoteAddr().String()}, pipeTCP(c), nil
	case <-cl.done:
		return nil, nil, control.Errorf(control.ErrNotFound, "listener %s closed", cl.l.Addr())
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}
