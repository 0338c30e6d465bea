package tcp

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// Listener is a passive open (RFC 9293 §3.10.1 OPEN, passive): a socket in
// LISTEN that spawns a connection per SYN. It implements net.Listener.
//
// Backlog: half-open connections (SYN-RECEIVED) and established ones not
// yet accepted together stay below the backlog; beyond it, SYNs are
// answered with SYN cookies (syncookie.go), so a SYN flood costs no state
// and a legitimate client still connects.
type Listener struct {
	t       *TCP
	addr    netip.AddrPort
	v6only  bool // [::] for IPv6 only ("tcp6", Go's IPV6_V6ONLY)
	backlog int

	mu       sync.Mutex
	halfOpen int
	closed   bool
	acceptq  chan *Conn
	done     chan struct{}
	dl       *deadline
	once     sync.Once
}

// accepts reports whether a segment of k is for this listener (Go's
// rules): 0.0.0.0 takes every IPv4 address, [::] every IPv6 address and,
// unless v6only, every IPv4 one too (dual stack: the connection is IPv4,
// its addresses shown IPv4-mapped in net.TCPAddr as Go's are); a
// specific address only itself (a link-local one on its zone's link).
func (l *Listener) accepts(k *fourTuple) bool {
	a := l.addr.Addr()
	if k.is4() {
		return a == netip.IPv4Unspecified() || (a == netip.IPv6Unspecified() && !l.v6only) ||
			(a.Is4() && a.As16() == k.laddr)
	}
	if !a.Is6() {
		return false
	}
	if a.WithZone("") == netip.IPv6Unspecified() {
		return true
	}
	if a.As16() != k.laddr {
		return false
	}
	return a.Zone() == "" || l.t.ip6 == nil || l.t.ip6.ZoneIndex(a) == int(k.ifx)
}

// input handles a segment for no connection on the listening port
// (§3.10.7.2 LISTEN state).
func (l *Listener) input(k fourTuple, s *segment, b *mbuf.Buf) {
	t := l.t
	if s.has(wire.TCPFlagACK) && !s.has(wire.TCPFlagSYN|wire.TCPFlagRST) {
		if mss, ok := t.checkCookie(k, s); ok {
			t.st.synCookiesOK.Add(1)
			if c := l.cookieConn(k, s, mss); c != nil {
				c.input(s, b) // the ACK may carry data (and a FIN)
				return
			}
		}
	}
	b.Free() // data on a SYN is not kept: the peer sends it again after the handshake
	switch {
	case s.has(wire.TCPFlagRST):
		return // "An incoming RST should be ignored"
	case s.has(wire.TCPFlagACK) && !s.has(wire.TCPFlagSYN):
		t.st.synCookiesBad.Add(1)
		t.sendResetFor(k, s) // "any acknowledgment is bad if it arrives on a connection still in the LISTEN state"
		return
	case !s.has(wire.TCPFlagSYN) || s.has(wire.TCPFlagACK):
		return
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		t.sendResetFor(k, s)
		return
	}
	if l.halfOpen+len(l.acceptq) >= l.backlog {
		l.mu.Unlock()
		t.sendCookie(k, s)
		return
	}
	l.halfOpen++
	l.mu.Unlock()
	c := t.newConn(k)
	c.fromListener = true
	c.l = l
	c.mu.Lock()
	c.state = SynReceived
	c.irs = s.seq
	c.rcvNxt = s.seq + 1
	c.negotiate(s)
	c.initSend()
	t.mu.Lock()
	ok := !t.closed && t.registerLocked(c)
	t.mu.Unlock()
	if !ok {
		c.l = nil
		l.halfOpenDone()
		c.state = Closed
		c.mu.Unlock()
		return
	}
	t.st.passiveOpens.Add(1)
	c.sendSyn()
	c.schedule()
	c.mu.Unlock()
}

// cookieConn builds the connection a valid cookie ACK completes (nil if
// it could not be registered or queued for Accept).
func (l *Listener) cookieConn(k fourTuple, s *segment, mss int) *Conn {
	t := l.t
	c := t.newConn(k)
	c.fromListener = true
	c.mu.Lock()
	defer c.mu.Unlock()
	c.irs = s.seq - 1
	c.rcvNxt = s.seq
	c.iss = s.ack - 1
	c.sndUna, c.sndNxt, c.sndMax = s.ack, s.ack, s.ack
	c.sbSeq, c.recover, c.highRxt = s.ack, s.ack, s.ack
	c.mss = min(mss, t.routeMSS(&k))
	c.cc.init(c.mss)
	c.sndWnd = uint32(s.wnd)
	c.maxSndWnd = c.sndWnd
	c.sndWL1, c.sndWL2 = s.seq, s.ack
	c.rcvAdv = c.rcvNxt + uint32(min(t.o.ReadBuffer, 0xffff))
	c.rcvEdge, c.rcvAdvMax = c.rcvAdv, c.rcvAdv
	t.mu.Lock()
	ok := !t.closed && t.registerLocked(c)
	t.mu.Unlock()
	if !ok {
		c.state = Closed
		return nil
	}
	t.st.passiveOpens.Add(1)
	c.establishedLocked()
	if !l.deliver(c) {
		c.sendRst()
		c.closeLocked(nil)
		return nil
	}
	return c
}

// deliver queues an established connection for Accept; false when the
// queue is full or the listener closed (the caller resets it).
func (l *Listener) deliver(c *Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	select {
	case l.acceptq <- c:
		return true
	default:
		l.t.st.dropAcceptQueue.Add(1)
		return false
	}
}

func (l *Listener) halfOpenDone() {
	l.mu.Lock()
	l.halfOpen--
	l.mu.Unlock()
}

// Accept implements net.Listener.
func (l *Listener) Accept() (net.Conn, error) { return l.AcceptTCP() }

// AcceptTCP waits for the next connection.
func (l *Listener) AcceptTCP() (*Conn, error) {
	for {
		select {
		case c := <-l.acceptq:
			return c, nil
		case <-l.done:
			return nil, l.opErr(net.ErrClosed)
		case <-l.dl.Wait():
			select {
			case <-l.done:
				return nil, l.opErr(net.ErrClosed)
			default:
			}
			if l.dl.Expired() {
				return nil, l.opErr(os.ErrDeadlineExceeded)
			}
		}
	}
}

func (l *Listener) opErr(err error) error {
	return &net.OpError{Op: "accept", Net: "tcp", Addr: net.TCPAddrFromAddrPort(l.addr), Err: err}
}

// SetDeadline sets the deadline for Accept (as *net.TCPListener).
func (l *Listener) SetDeadline(t time.Time) error {
	select {
	case <-l.done:
		return l.opErr(net.ErrClosed)
	default:
	}
	l.dl.Set(t)
	return nil
}

// Close implements net.Listener: the port is released, connections not
// yet accepted are reset, Accept returns net.ErrClosed.
func (l *Listener) Close() error {
	first := false
	l.once.Do(func() {
		first = true
		l.mu.Lock()
		l.closed = true
		close(l.done)
		l.mu.Unlock()
		l.t.mu.Lock()
		if l.t.listeners[l.addr.Port()] == l {
			delete(l.t.listeners, l.addr.Port())
		}
		l.t.mu.Unlock()
		for {
			select {
			case c := <-l.acceptq:
				c.abort(nil, true)
				continue
			default:
			}
			break
		}
	})
	if !first {
		return &net.OpError{Op: "close", Net: "tcp", Addr: net.TCPAddrFromAddrPort(l.addr), Err: net.ErrClosed}
	}
	return nil
}

// Addr implements net.Listener.
func (l *Listener) Addr() net.Addr { return net.TCPAddrFromAddrPort(l.addr) }

var _ net.Listener = (*Listener)(nil)
