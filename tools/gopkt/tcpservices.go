package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/stack/tcp"
)

// tcpService is --tcp-echo (RFC 862: every byte back) or --tcp-discard
// (RFC 863: every byte dropped) on one port, a goroutine per connection.
type tcpService struct {
	name  string
	port  uint16
	l     *tcp.Listener
	echo  bool
	conns atomic.Uint64
	bytes atomic.Uint64

	mu   sync.Mutex
	open map[*tcp.Conn]struct{}
}

func startTCPService(t *tcp.TCP, name string, port uint16, echo bool, wg *sync.WaitGroup) (*tcpService, error) {
	l, err := listenAll(t, port)
	if err != nil {
		return nil, err
	}
	s := &tcpService{name: name, port: port, l: l, echo: echo, open: map[*tcp.Conn]struct{}{}}
	wg.Add(1)
	go s.serve(wg)
	return s, nil
}

func (s *tcpService) serve(wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		c, err := s.l.AcceptTCP()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		s.conns.Add(1)
		s.mu.Lock()
		s.open[c] = struct{}{}
		s.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.open, c)
				s.mu.Unlock()
				_ = c.Close()
			}()
			var n int64
			if s.echo {
				n, _ = io.Copy(c, c)
				_ = c.CloseWrite()
			} else {
				n, _ = io.Copy(io.Discard, c)
			}
			s.bytes.Add(uint64(n))
		}()
	}
}

// close stops accepting and ends the open connections.
func (s *tcpService) close() {
	_ = s.l.Close()
	s.mu.Lock()
	for c := range s.open {
		_ = c.SetLinger(0)
		_ = c.Close()
	}
	s.mu.Unlock()
}

// httpService is --http DIR: net/http's file server on TCP port 80 of the
// stack, unmodified.
type httpService struct {
	dir string
	srv *http.Server
}

func startHTTP(t *tcp.TCP, dir string, wg *sync.WaitGroup) (*httpService, error) {
	l, err := listenAll(t, 80)
	if err != nil {
		return nil, err
	}
	h := &httpService{dir: dir, srv: &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 30 * time.Second}}
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = h.srv.Serve(l)
	}()
	return h, nil
}

func (h *httpService) close() { _ = h.srv.Close() }
