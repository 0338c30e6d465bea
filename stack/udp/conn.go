package udp

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/network"
	"github.com/gopkt/gopkt/stack/wire"
)

// Conn is a UDP socket. It implements net.PacketConn (ReadFrom, WriteTo)
// and, once connected (Dial), net.Conn (Read, Write) with Go's contracts:
// deadlines fail with an error wrapping os.ErrDeadlineExceeded, use after
// Close fails with net.ErrClosed, and every error is a *net.OpError.
//
// The zero-allocation forms are ReadFromUDPAddrPort and
// WriteToUDPAddrPort, as on *net.UDPConn.
type Conn struct {
	u      *UDP
	local  netip.AddrPort
	remote netip.AddrPort // valid when connected

	mu      sync.Mutex
	q       []qent // ring of received datagrams, grown on demand up to Options.Queue
	head    int
	n       int
	bufs    int // mbufs queued (charged to u.q)
	bytes   int // payload bytes queued
	rcvbuf  int // limit on bytes (SetReadBuffer)
	notify  chan struct{}
	waiters atomic.Int32 // readers blocked (or about to block) on notify
	closed  atomic.Bool
	softErr atomic.Pointer[error] // from ICMP, reported once by the next read
	done    chan struct{}
	once    sync.Once

	rd, wd *deadline
	rc     *replyCache // wildcard sockets: our address each peer wrote to (replysrc.go)
}

type qent struct {
	b    *mbuf.Buf // payload (UDP header pulled)
	from netip.AddrPort
}

// ListenPacket opens a socket bound to local (a zero address is every
// address; port 0 picks an ephemeral port).
func (u *UDP) ListenPacket(local netip.AddrPort) (*Conn, error) {
	return u.open(local, netip.AddrPort{})
}

// Dial opens a socket connected to remote: Write sends there and only its
// datagrams are received. A zero local picks the address and port.
func (u *UDP) Dial(local, remote netip.AddrPort) (*Conn, error) {
	remote = unmap(remote)
	if !remote.Addr().IsValid() || remote.Port() == 0 {
		return nil, &net.OpError{Op: "dial", Net: "udp", Addr: net.UDPAddrFromAddrPort(remote), Err: ErrBadAddress}
	}
	return u.open(local, remote)
}

func (u *UDP) open(local, remote netip.AddrPort) (*Conn, error) {
	op := "listen"
	if remote.IsValid() {
		op = "dial"
	}
	if !local.Addr().IsValid() {
		local = netip.AddrPortFrom(netip.IPv4Unspecified(), local.Port())
	}
	local = unmap(local)
	if remote.IsValid() && remote.Addr().Is6() && local.Addr() == netip.IPv4Unspecified() {
		local = netip.AddrPortFrom(netip.IPv6Unspecified(), local.Port())
	}
	if remote.IsValid() && remote.Addr().Is4() != local.Addr().Is4() && !local.Addr().IsUnspecified() {
		return nil, &net.OpError{Op: op, Net: "udp", Source: net.UDPAddrFromAddrPort(local), Addr: net.UDPAddrFromAddrPort(remote), Err: ErrBadAddress}
	}
	if local.Addr().Is4() && u.ip == nil || local.Addr().Is6() && u.ip6 == nil && !local.Addr().IsUnspecified() || u.ip == nil && u.ip6 == nil {
		return nil, &net.OpError{Op: op, Net: "udp", Err: os.ErrInvalid}
	}
	if remote.IsValid() && local.Addr().IsUnspecified() {
		src, err := u.sourceFor(remote)
		if err != nil {
			return nil, &net.OpError{Op: op, Net: "udp", Addr: net.UDPAddrFromAddrPort(remote), Err: err}
		}
		local = netip.AddrPortFrom(src, local.Port())
	}
	c := &Conn{u: u, remote: remote, rcvbuf: u.o.ReadBuffer, notify: make(chan struct{}, 1),
		done: make(chan struct{}), rd: newDeadline(), wd: newDeadline()}
	if _, err := u.bind(c, local); err != nil {
		return nil, &net.OpError{Op: op, Net: "udp", Source: net.UDPAddrFromAddrPort(local), Err: err}
	}
	return c, nil
}

// accepts reports whether a datagram to dst from src (both of the
// datagram's family) is for this socket: a socket bound to 0.0.0.0 or an
// IPv4 address takes IPv4 only, one bound to an IPv6 address IPv6 only,
// one bound to [::] both (dual stack, as Go's "udp" on [::]; IPv4 peers
// then appear as IPv4-mapped addresses, which the caller passes in src).
func (c *Conn) accepts(dst netip.Addr, src netip.AddrPort) bool {
	a := c.local.Addr()
	switch {
	case a.IsUnspecified():
		if a.Is4() && !dst.Is4() {
			return false
		}
	case a.WithZone("") != dst:
		return false
	}
	return !c.remote.IsValid() || c.remote == src
}

// dualStack reports whether c takes IPv4 datagrams as IPv4-mapped IPv6.
func (c *Conn) dualStack() bool { return c.local.Addr() == netip.IPv6Unspecified() }

// enqueue takes ownership of b (the payload) from the receive path. The
// socket's limits (mbufs, bytes) are checked first, then the datagram's
// mbufs are charged to the quota of all sockets, which the pool budget
// bounds; a refusal drops the datagram and counts it by reason.
//
// dst is the datagram's unicast destination (invalid for broadcast and
// multicast): a wildcard socket remembers it as the reply source.
func (c *Conn) enqueue(b *mbuf.Buf, from netip.AddrPort, dst netip.Addr) {
	u := c.u
	segs, size := b.Segs(), b.PktLen()
	c.mu.Lock()
	var refused *atomic.Uint64
	switch {
	case c.closed.Load():
		refused = &u.rcvbufClosed
	case c.n == u.o.Queue || c.bufs+segs > u.o.Queue:
		refused = &u.rcvbufSockBufs
	case c.bytes > 0 && c.bytes+size > c.rcvbuf:
		refused = &u.rcvbufSockBytes
	case u.q.Charge(segs) != nil: // counted by reason in the quota
	default:
		if c.n == len(c.q) {
			c.growLocked()
		}
		t := c.head + c.n
		if t >= len(c.q) {
			t -= len(c.q)
		}
		c.q[t] = qent{b, from}
		c.n++
		c.bufs += segs
		c.bytes += size
		if dst.IsValid() && c.local.Addr().IsUnspecified() && !c.remote.IsValid() {
			c.noteDstLocked(from, dst)
		}
		c.mu.Unlock()
		if c.waiters.Load() > 0 { // a channel operation only when someone sleeps
			select {
			case c.notify <- struct{}{}:
			default:
			}
		}
		return
	}
	c.mu.Unlock()
	if refused != nil {
		refused.Add(1)
	}
	u.rcvbufErrors.Add(1)
	b.Free()
}

// growLocked doubles the ring (from 4 entries, up to Options.Queue), so an
// idle socket holds no queue and a busy one grows to what it uses.
func (c *Conn) growLocked() {
	q := make([]qent, min(max(4, 2*len(c.q)), c.u.o.Queue))
	k := copy(q, c.q[c.head:])
	copy(q[k:], c.q[:c.head])
	c.q, c.head = q, 0
}

// unqueueLocked takes the oldest datagram off the ring and gives back its
// charge. c.mu is held and c.n > 0.
func (c *Conn) unqueueLocked() qent {
	e := c.q[c.head]
	c.q[c.head] = qent{}
	c.head++
	if c.head == len(c.q) {
		c.head = 0
	}
	c.n--
	segs := e.b.Segs()
	c.bufs -= segs
	c.bytes -= e.b.PktLen()
	c.u.q.Uncharge(segs)
	return e
}

func (c *Conn) dequeue() (qent, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		return qent{}, false
	}
	e := c.unqueueLocked()
	if c.n > 0 && c.waiters.Load() > 0 {
		// Pass the wake-up on to other readers.
		select {
		case c.notify <- struct{}{}:
		default:
		}
	}
	return e, true
}

// SetReadBuffer sets the socket's receive queue limit in payload bytes
// (SO_RCVBUF, as on *net.UDPConn); datagrams past it are dropped and
// counted (Stats.RcvbufSocketBytes). It does not shrink what is queued.
func (c *Conn) SetReadBuffer(bytes int) error {
	if c.closed.Load() {
		return c.opErr("set", c.remote, net.ErrClosed)
	}
	if bytes <= 0 {
		return c.opErr("set", c.remote, os.ErrInvalid)
	}
	c.mu.Lock()
	c.rcvbuf = bytes
	c.mu.Unlock()
	return nil
}

func (c *Conn) opErr(op string, addr netip.AddrPort, err error) error {
	e := &net.OpError{Op: op, Net: "udp", Source: net.UDPAddrFromAddrPort(c.local), Err: err}
	if addr.IsValid() {
		e.Addr = net.UDPAddrFromAddrPort(addr)
	}
	return e
}

// ReadFromUDPAddrPort receives one datagram into p (excess bytes are
// discarded, as a socket does) and reports its sender. It does not allocate.
func (c *Conn) ReadFromUDPAddrPort(p []byte) (int, netip.AddrPort, error) {
	for {
		if c.closed.Load() {
			return 0, netip.AddrPort{}, c.opErr("read", c.remote, net.ErrClosed)
		}
		if c.rd.Expired() {
			return 0, netip.AddrPort{}, c.opErr("read", c.remote, os.ErrDeadlineExceeded)
		}
		if c.softErr.Load() != nil {
			if e := c.softErr.Swap(nil); e != nil {
				return 0, netip.AddrPort{}, c.opErr("read", c.remote, *e)
			}
		}
		if e, ok := c.dequeue(); ok {
			n := e.b.CopyTo(p)
			e.b.Free()
			return n, e.from, nil
		}
		// Announce the wait, then look once more: an enqueue after the
		// announcement sends the token, one before it is seen here.
		c.waiters.Add(1)
		if e, ok := c.dequeue(); ok || c.softErr.Load() != nil {
			c.waiters.Add(-1)
			if !ok {
				continue // report the ICMP error
			}
			n := e.b.CopyTo(p)
			e.b.Free()
			return n, e.from, nil
		}
		select {
		case <-c.notify:
		case <-c.done:
		case <-c.rd.Wait():
		}
		c.waiters.Add(-1)
	}
}

// icmpError records an ICMP error about a datagram this socket sent, for
// the next read (connected sockets only, as Linux does without IP_RECVERR).
func (c *Conn) icmpError(err error) {
	c.softErr.Store(&err)
	if c.waiters.Load() > 0 {
		select {
		case c.notify <- struct{}{}:
		default:
		}
	}
}

// ReadFrom implements net.PacketConn.
func (c *Conn) ReadFrom(p []byte) (int, net.Addr, error) {
	n, from, err := c.ReadFromUDPAddrPort(p)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(from), nil
}

// Read implements net.Conn.
func (c *Conn) Read(p []byte) (int, error) {
	n, _, err := c.ReadFromUDPAddrPort(p)
	return n, err
}

// unmap turns an IPv4-mapped IPv6 address (::ffff:a.b.c.d) into the IPv4
// address, as Go's net package accepts them for IPv4 sockets.
func unmap(ap netip.AddrPort) netip.AddrPort {
	if ap.Addr().Is4In6() {
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return ap
}

// WriteToUDPAddrPort sends p as one datagram to to. The payload is copied
// once, into a pool buffer that then carries the UDP, IP and link headers
// in its headroom. It does not allocate. On a connected socket it fails
// with net.ErrWriteToConnected, as *net.UDPConn does (use Write).
func (c *Conn) WriteToUDPAddrPort(p []byte, to netip.AddrPort) (int, error) {
	if c.remote.IsValid() {
		return 0, c.opErr("write", to, net.ErrWriteToConnected)
	}
	return c.writeTo(p, unmap(to))
}

func (c *Conn) writeTo(p []byte, to netip.AddrPort) (int, error) {
	if c.closed.Load() {
		return 0, c.opErr("write", to, net.ErrClosed)
	}
	if c.wd.Expired() {
		return 0, c.opErr("write", to, os.ErrDeadlineExceeded)
	}
	if !to.Addr().IsValid() || to.Port() == 0 || !c.local.Addr().IsUnspecified() && c.local.Addr().Is4() != to.Addr().Is4() ||
		c.local.Addr() == netip.IPv4Unspecified() && !to.Addr().Is4() {
		return 0, c.opErr("write", to, ErrBadAddress)
	}
	if len(p) > MaxPayload {
		return 0, c.opErr("write", to, ErrTooBig)
	}
	local := c.local
	if local.Addr().IsUnspecified() {
		if src := c.replySource(to); src.IsValid() {
			local = netip.AddrPortFrom(src, local.Port())
		}
	}
	backoff := 20 * time.Microsecond
	for {
		err := c.u.send(local, to, p)
		if err == nil {
			return len(p), nil
		}
		if err != errNoBuffers {
			return 0, c.opErr("write", to, err)
		}
		// The pool is empty: wait for buffers like a blocking socket
		// waits for send-buffer space, until the deadline or Close.
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-c.done:
			t.Stop()
			return 0, c.opErr("write", to, net.ErrClosed)
		case <-c.wd.Wait():
			t.Stop()
			return 0, c.opErr("write", to, os.ErrDeadlineExceeded)
		}
		backoff = min(2*backoff, 5*time.Millisecond)
	}
}

// errNoBuffers is send's "nothing was sent, the pool is empty": the one
// failure a writer waits out.
var errNoBuffers = errors.New("udp: packet buffer pool exhausted")

// WriteTo implements net.PacketConn.
func (c *Conn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return 0, c.opErr("write", netip.AddrPort{}, &net.AddrError{Err: "not a *net.UDPAddr", Addr: addr.String()})
	}
	ap := ua.AddrPort()
	return c.WriteToUDPAddrPort(p, ap)
}

// Write implements net.Conn (connected sockets only).
func (c *Conn) Write(p []byte) (int, error) {
	if !c.remote.IsValid() {
		return 0, c.opErr("write", netip.AddrPort{}, ErrNotConnected)
	}
	return c.writeTo(p, c.remote)
}

// Close releases the port and frees queued datagrams. Blocked reads return
// net.ErrClosed.
func (c *Conn) Close() error {
	first := false
	c.once.Do(func() {
		first = true
		c.closed.Store(true)
		close(c.done)
		c.u.unbind(c.local.Port(), c)
		c.mu.Lock()
		for c.n > 0 {
			c.unqueueLocked().b.Free()
		}
		c.mu.Unlock()
	})
	if !first {
		return c.opErr("close", c.remote, net.ErrClosed)
	}
	return nil
}

// LocalAddr implements net.Conn and net.PacketConn.
func (c *Conn) LocalAddr() net.Addr { return net.UDPAddrFromAddrPort(c.local) }

// RemoteAddr implements net.Conn; nil when not connected.
func (c *Conn) RemoteAddr() net.Addr {
	if !c.remote.IsValid() {
		return nil
	}
	return net.UDPAddrFromAddrPort(c.remote)
}

// SetDeadline implements net.Conn.
func (c *Conn) SetDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opErr("set deadline", c.remote, net.ErrClosed)
	}
	c.rd.Set(t)
	c.wd.Set(t)
	return nil
}

// SetReadDeadline implements net.Conn.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opErr("set deadline", c.remote, net.ErrClosed)
	}
	c.rd.Set(t)
	return nil
}

// SetWriteDeadline implements net.Conn.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opErr("set deadline", c.remote, net.ErrClosed)
	}
	c.wd.Set(t)
	return nil
}

// send builds and sends one datagram from local to to (RFC 768) through
// the network layer of to's family; over IPv6 the checksum is mandatory
// (RFC 8200 §8.1).
func (u *UDP) send(local, to netip.AddrPort, p []byte) error {
	l := u.layer(to.Addr())
	if l == nil {
		return ErrBadAddress
	}
	dst := to.Addr()
	src := local.Addr()
	if src.IsUnspecified() {
		var err error
		if src, err = l.Source(dst); err != nil {
			return err
		}
	}
	b, err := l.NewPacket(wire.UDPHeaderLen, p)
	if errors.Is(err, network.ErrNoBuffers) {
		return errNoBuffers
	}
	if err != nil {
		return err
	}
	d, err := b.Push(wire.UDPHeaderLen)
	if err != nil {
		b.Free()
		return ipv4.ErrNoHeadroom
	}
	n := len(p) + wire.UDPHeaderLen
	h := wire.UDP(d)
	h.SetSrcPort(local.Port())
	h.SetDstPort(to.Port())
	h.SetLength(uint16(n))
	h.SetChecksum(0)
	if !u.o.NoChecksum || dst.Is6() {
		cs := ^b.Checksum(l.PseudoHeaderSum(wire.IPProtocolUDP, src, dst, n))
		if cs == 0 {
			cs = 0xffff // RFC 768: a computed zero is sent as all ones
		}
		h.SetChecksum(cs)
	}
	u.outDatagrams.Add(1)
	return l.Send(b, wire.IPProtocolUDP, src, dst, network.SendOptions{})
}

var (
	_ net.PacketConn = (*Conn)(nil)
	_ net.Conn       = (*Conn)(nil)
)
