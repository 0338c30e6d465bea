package tcp

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// The socket side of Conn: net.Conn with Go's contracts (deadlines fail
// with errors wrapping os.ErrDeadlineExceeded, use after Close with
// net.ErrClosed, failures are *net.OpError with the errno Go's net package
// reports underneath), plus the *net.TCPConn extras.

func (c *Conn) opErr(op string, err error) error {
	if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ETIMEDOUT) ||
		errors.Is(err, syscall.ECONNREFUSED) {
		if _, ok := err.(*os.SyscallError); !ok {
			err = os.NewSyscallError(op, err)
		}
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// Read implements net.Conn: it copies received data out of the queued
// mbufs (and frees them), io.EOF after the peer's FIN.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		c.mu.Lock()
		if c.userClosed {
			c.mu.Unlock()
			return 0, c.opErr("read", net.ErrClosed)
		}
		if c.rq.bytes > 0 {
			if len(p) == 0 {
				c.mu.Unlock()
				return 0, nil
			}
			n := c.rq.read(p)
			c.rcvSpaceAdjust(n)
			c.afterRead()
			more := c.rq.bytes > 0
			c.mu.Unlock()
			if more {
				c.wakeReaders()
			}
			return n, nil
		}
		if c.err != nil {
			err := c.err
			c.mu.Unlock()
			return 0, c.opErr("read", err)
		}
		if c.finRcvd || (c.state == Closed && c.estabDone) {
			c.mu.Unlock()
			return 0, io.EOF
		}
		c.mu.Unlock()
		if c.rd.Expired() {
			return 0, c.opErr("read", os.ErrDeadlineExceeded)
		}
		if len(p) == 0 {
			return 0, nil
		}
		select {
		case <-c.rdNotify:
		case <-c.closing:
		case <-c.rd.Wait():
		}
	}
}

// afterRead sends a window update when reading opened the window by at
// least two segments or half the buffer (RFC 9293 §3.8.6.2.2; RFC 1122
// §4.2.3.3).
func (c *Conn) afterRead() {
	if !c.state.canRecvData() {
		return
	}
	free := c.rcvbuf - c.rq.bytes
	cur := int(c.rcvAdv - c.rcvNxt)
	if free-cur >= min(2*c.mss, c.rcvbuf/2) {
		c.sendAck()
		c.schedule()
	}
}

// Write implements net.Conn: it copies p into the send buffer, waiting
// for room, and sends what the windows allow.
func (c *Conn) Write(p []byte) (int, error) {
	n := 0
	for {
		c.mu.Lock()
		switch {
		case c.userClosed:
			c.mu.Unlock()
			return n, c.opErr("write", net.ErrClosed)
		case c.err != nil:
			err := c.err
			c.mu.Unlock()
			if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ETIMEDOUT) {
				return n, c.opErr("write", err)
			}
			return n, c.opErr("write", syscall.EPIPE)
		case c.finQueued || !c.state.canSendData():
			c.mu.Unlock()
			return n, c.opErr("write", syscall.EPIPE)
		}
		if n == len(p) {
			c.mu.Unlock()
			return n, nil
		}
		if c.wd.Expired() {
			c.mu.Unlock()
			return n, c.opErr("write", os.ErrDeadlineExceeded)
		}
		if c.sb.free() > 0 {
			n += c.sb.write(p[n:])
			c.output()
			c.mu.Unlock()
			continue
		}
		c.mu.Unlock()
		select {
		case <-c.wrNotify:
		case <-c.closing:
		case <-c.wd.Wait():
		}
	}
}

// CloseWrite shuts the sending direction: a FIN follows the queued data
// (RFC 9293 §3.10.4 CLOSE in ESTABLISHED/CLOSE-WAIT: half close). Reading
// goes on.
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.userClosed {
		return c.opErr("close", net.ErrClosed)
	}
	if c.err != nil {
		return c.opErr("close", c.err)
	}
	c.shutdownLocked()
	return nil
}

// shutdownLocked queues our FIN and moves the state on (§3.10.4).
func (c *Conn) shutdownLocked() {
	if c.finQueued {
		return
	}
	switch c.state {
	case Established, SynReceived:
		c.state = FinWait1
	case CloseWait:
		c.state = LastAck
	default:
		return
	}
	c.finQueued = true
	c.output()
	c.wakeWriters()
}

// Close implements net.Conn. By default the connection closes gracefully
// in the background: queued data and our FIN are sent, the socket lingers
// through FIN-WAIT and TIME-WAIT without its owner. Unread received data,
// or SetLinger(0), aborts it with RST instead (RFC 9293 §3.10.4, RFC 2525
// §2.17). With SetLinger(n > 0), Close waits up to n seconds for the
// peer to acknowledge everything, then aborts.
func (c *Conn) Close() error {
	first := false
	c.closeOnce.Do(func() {
		first = true
		c.mu.Lock()
		c.userClosed = true
		close(c.closing)
		linger := c.linger
		switch {
		case c.state == Closed:
			c.rq.flush()
		case c.state == SynSent:
			c.closeLocked(nil)
		case linger == 0 || c.rq.bytes > 0 || len(c.rq.ooo) > 0:
			if c.state.synchronized() || c.state == SynReceived {
				c.sendRst()
			}
			c.closeLocked(nil)
		default:
			c.rq.flush()
			c.shutdownLocked()
			if c.state == FinWait2 {
				c.endAt = c.t.now() + int64(c.t.o.FinWait2Timeout)
			}
			c.schedule()
		}
		c.mu.Unlock()
		c.wakeReaders()
		c.wakeWriters()
		if linger > 0 {
			t := c.t.o.Clock.NewTimer()
			t.Reset(time.Duration(linger) * time.Second)
			defer t.Stop()
			for {
				c.mu.Lock()
				done := c.state == Closed || c.state == TimeWait || c.state == FinWait2
				c.mu.Unlock()
				if done {
					return
				}
				select {
				case <-c.finished:
					return
				case <-c.wrNotify:
				case <-t.C():
					c.abort(nil, true)
					return
				}
			}
		}
	})
	if !first {
		return c.opErr("close", net.ErrClosed)
	}
	return nil
}

// abort ends the connection now (§3.10.5 ABORT): RST to the peer when rst
// and the connection is synchronized.
func (c *Conn) abort(err error, rst bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state == Closed {
		return
	}
	if rst && (c.state.synchronized() || c.state == SynReceived) && c.state != TimeWait {
		c.sendRst()
	}
	c.closeLocked(err)
}

// LocalAddr implements net.Conn.
func (c *Conn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IP(append([]byte(nil), c.k.laddr[:]...)), Port: int(c.k.lport), Zone: c.r.src.Zone()}
}

// RemoteAddr implements net.Conn.
func (c *Conn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IP(append([]byte(nil), c.k.raddr[:]...)), Port: int(c.k.rport), Zone: c.r.dst.Zone()}
}

func (c *Conn) checkOpen(op string) error {
	select {
	case <-c.closing:
		return c.opErr(op, net.ErrClosed)
	default:
		return nil
	}
}

// SetDeadline implements net.Conn.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.checkOpen("set"); err != nil {
		return err
	}
	c.rd.Set(t)
	c.wd.Set(t)
	return nil
}

// SetReadDeadline implements net.Conn.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if err := c.checkOpen("set"); err != nil {
		return err
	}
	c.rd.Set(t)
	return nil
}

// SetWriteDeadline implements net.Conn.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if err := c.checkOpen("set"); err != nil {
		return err
	}
	c.wd.Set(t)
	return nil
}

// SetNoDelay turns Nagle's algorithm off (true, Go's default for TCP
// sockets) or on (RFC 1122 §4.2.3.4).
func (c *Conn) SetNoDelay(noDelay bool) error {
	if err := c.checkOpen("set"); err != nil {
		return err
	}
	c.mu.Lock()
	c.nodelay = noDelay
	if noDelay {
		c.output()
	}
	c.mu.Unlock()
	return nil
}

// SetKeepAlive turns keepalive probes on or off (RFC 9293 §3.8.4).
func (c *Conn) SetKeepAlive(on bool) error {
	if err := c.checkOpen("set"); err != nil {
		return err
	}
	c.mu.Lock()
	c.keepalive = on
	c.kaSent = 0
	c.kaAt = 0
	if on && c.state.synchronized() {
		c.kaAt = c.t.now() + int64(c.kaIdle)
	}
	c.schedule()
	c.mu.Unlock()
	return nil
}

// SetKeepAlivePeriod sets the idle time before a probe and between
// probes.
func (c *Conn) SetKeepAlivePeriod(d time.Duration) error {
	if err := c.checkOpen("set"); err != nil {
		return err
	}
	if d <= 0 {
		return c.opErr("set", os.ErrInvalid)
	}
	c.mu.Lock()
	c.kaIdle = d
	if c.kaAt != 0 {
		c.kaAt = c.t.now() + int64(d)
		c.schedule()
	}
	c.mu.Unlock()
	return nil
}

// SetLinger sets Close's behaviour as *net.TCPConn.SetLinger: sec < 0
// closes gracefully in the background (the default), 0 discards unsent
// data and resets the connection, sec > 0 makes Close wait up to sec
// seconds for the data to be acknowledged.
func (c *Conn) SetLinger(sec int) error {
	if err := c.checkOpen("set"); err != nil {
		return err
	}
	c.mu.Lock()
	c.linger = max(sec, -1)
	c.mu.Unlock()
	return nil
}

// SetReadBuffer sets the receive buffer (SO_RCVBUF) in bytes: the window
// advertised. It never shrinks a window already announced, and it ends
// receive-window auto-tuning for the socket (rcvtune.go).
func (c *Conn) SetReadBuffer(bytes int) error {
	if err := c.checkOpen("set"); err != nil {
		return err
	}
	if bytes <= 0 {
		return c.opErr("set", os.ErrInvalid)
	}
	c.mu.Lock()
	c.endRcvTune()
	c.rcvbuf = bytes
	c.mu.Unlock()
	return nil
}

// SetWriteBuffer sets the send buffer (SO_SNDBUF) in bytes (never below
// the data it holds).
func (c *Conn) SetWriteBuffer(bytes int) error {
	if err := c.checkOpen("set"); err != nil {
		return err
	}
	if bytes <= 0 {
		return c.opErr("set", os.ErrInvalid)
	}
	c.mu.Lock()
	c.sb.resize(bytes)
	c.mu.Unlock()
	c.wakeWriters()
	return nil
}

// SetCongestion chooses the congestion control of this connection
// ("cubic" or "newreno"); the window starts over from the current one.
func (c *Conn) SetCongestion(name string) error {
	cc := newCongestion(name)
	if cc == nil {
		return c.opErr("set", ErrBadCongestion)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mss > 0 {
		cc.init(c.mss)
		cc.setCwnd(c.cc.cwnd())
	}
	c.cc = cc
	return nil
}

var _ net.Conn = (*Conn)(nil)
