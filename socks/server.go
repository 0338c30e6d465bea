package socks

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"
)

// Server answers SOCKS5 connections.
type Server struct {
	// Dial connects to a destination (required): the daemon's stack TCP.
	Dial func(ctx context.Context, dst netip.AddrPort) (net.Conn, error)
	// Resolve turns a domain name into an address; nil accepts only IP
	// literals.
	Resolve func(ctx context.Context, host string) (netip.Addr, error)
	// ListenPacket opens the upstream socket of a UDP ASSOCIATE; nil
	// answers UDP ASSOCIATE "command not supported".
	ListenPacket func(ctx context.Context) (PacketConn, error)
	// Logger gets one line per connection; nil discards.
	Logger *slog.Logger
	// Timeout bounds the handshake and the dial (default 30 s).
	Timeout time.Duration

	mu     sync.Mutex
	lns    []net.Listener
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
	closed bool
}

// Serve accepts connections on ln until Close.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return net.ErrClosed
	}
	s.lns = append(s.lns, ln)
	if s.conns == nil {
		s.conns = map[net.Conn]struct{}{}
	}
	s.mu.Unlock()
	for {
		c, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			return err
		}
		if !s.track(c, true) {
			c.Close()
			return nil
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
		}()
	}
}

func (s *Server) track(c net.Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed {
			return false
		}
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
	}
	return true
}

// Close stops the listeners, closes every connection and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	var errs []error
	for _, ln := range s.lns {
		errs = append(errs, ln.Close())
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return errors.Join(errs...)
}

func (s *Server) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// readMsg reads into buf until parse stops saying ErrTruncated.
func readMsg[T any](c net.Conn, buf []byte, have *int, parse func([]byte) (T, error)) (T, error) {
	for {
		v, err := parse(buf[:*have])
		if !errors.Is(err, ErrTruncated) {
			return v, err
		}
		if *have == len(buf) {
			return v, ErrMalformed
		}
		n, rerr := c.Read(buf[*have:])
		*have += n
		if rerr != nil && n == 0 {
			return v, rerr
		}
	}
}

func (s *Server) serve(c net.Conn) {
	defer s.track(c, false)
	defer c.Close()
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	_ = c.SetDeadline(time.Now().Add(timeout))
	buf := make([]byte, 2+255+255+6) // a greeting and a request, at most
	have := 0
	g, err := readMsg(c, buf, &have, ParseGreeting)
	if err != nil {
		s.log().Info("socks: bad greeting", "peer", c.RemoteAddr(), "err", err)
		return
	}
	if !g.Offers(MethodNoAuth) {
		_, _ = c.Write([]byte{Version, MethodNoAcceptable})
		s.log().Info("socks: refused: the client offers no method we support", "peer", c.RemoteAddr())
		return
	}
	if _, err := c.Write([]byte{Version, MethodNoAuth}); err != nil {
		return
	}
	have = copy(buf, buf[len(g):have]) // a client may send the request at once
	req, err := readMsg(c, buf, &have, ParseRequest)
	if err != nil {
		if errors.Is(err, ErrAtyp) {
			_, _ = c.Write(AppendReply(nil, RepAtypNotSupported, netip.AddrPort{}))
		}
		s.log().Info("socks: bad request", "peer", c.RemoteAddr(), "err", err)
		return
	}
	if req.Cmd == CmdUDPAssociate && s.ListenPacket != nil {
		ctx, cancel := context.WithCancel(context.Background()) // lives as long as the association
		defer cancel()
		s.associate(ctx, c, req) // udp.go
		return
	}
	if req.Cmd != CmdConnect {
		_, _ = c.Write(AppendReply(nil, RepCmdNotSupported, netip.AddrPort{}))
		s.log().Info("socks: command not supported", "cmd", req.Cmd)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	dst := req.Addr
	if req.Host != "" {
		if a, err := netip.ParseAddr(req.Host); err == nil {
			dst = a
		} else if s.Resolve != nil {
			if dst, err = s.Resolve(ctx, req.Host); err != nil {
				_, _ = c.Write(AppendReply(nil, RepHostUnreachable, netip.AddrPort{}))
				s.log().Info("socks: cannot resolve", "host", req.Host, "err", err)
				return
			}
		} else {
			_, _ = c.Write(AppendReply(nil, RepHostUnreachable, netip.AddrPort{}))
			s.log().Info("socks: domain names need a resolver; give an IP address", "host", req.Host)
			return
		}
	}
	target := netip.AddrPortFrom(dst.Unmap(), req.Port)
	up, err := s.Dial(ctx, target)
	if err != nil {
		_, _ = c.Write(AppendReply(nil, replyFor(err), netip.AddrPort{}))
		s.log().Info("socks: connect failed", "dst", target, "err", err)
		return
	}
	defer up.Close()
	if !s.track(up, true) {
		return
	}
	defer s.track(up, false)
	var bound netip.AddrPort
	if a, ok := up.LocalAddr().(*net.TCPAddr); ok {
		bound = a.AddrPort()
	}
	if _, err := c.Write(AppendReply(nil, RepSucceeded, bound)); err != nil {
		return
	}
	_ = c.SetDeadline(time.Time{})
	s.log().Debug("socks: connected", "peer", c.RemoteAddr(), "dst", target)
	// Bytes the client sent after the request go first.
	if have > req.Len {
		if _, err := up.Write(buf[req.Len:have]); err != nil {
			return
		}
	}
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if cw, ok := dst.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		} else {
			dst.Close()
		}
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	<-done
}

// replyFor maps a dial error to a §6 reply code.
func replyFor(err error) byte {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return RepConnectionRefused
	case errors.Is(err, syscall.ENETUNREACH):
		return RepNetworkUnreachable
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, context.DeadlineExceeded):
		return RepHostUnreachable
	case errors.Is(err, syscall.EAFNOSUPPORT):
		return RepAtypNotSupported
	}
	return RepGeneralFailure
}
