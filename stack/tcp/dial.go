package tcp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
)

// parseAddr resolves "host:port" for network "tcp"/"tcp4": host is an IP
// literal (IPv4, or IPv4-mapped IPv6 as Go's net accepts: "[::ffff:a.b.c.d]")
// or empty (the unspecified address). There is no name resolution.
func parseAddr(network, address string) (netip.AddrPort, error) {
	if network != "tcp" && network != "tcp4" {
		return netip.AddrPort{}, ErrBadNetwork
	}
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return netip.AddrPort{}, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, &net.AddrError{Err: "invalid port", Addr: address}
	}
	a := netip.IPv4Unspecified()
	if host != "" {
		if a, err = netip.ParseAddr(host); err != nil {
			return netip.AddrPort{}, &net.AddrError{Err: "not an IP address (no name resolution)", Addr: address}
		}
	}
	return unmap(netip.AddrPortFrom(a, uint16(p)))
}

// unmap takes IPv4 and IPv4-mapped IPv6 addresses (Go's net treats
// ::ffff:a.b.c.d as a.b.c.d for "tcp4"); anything else is ErrBadAddress.
func unmap(ap netip.AddrPort) (netip.AddrPort, error) {
	a := ap.Addr().Unmap()
	if !a.Is4() {
		return ap, ErrBadAddress
	}
	return netip.AddrPortFrom(a, ap.Port()), nil
}

// Dial connects to address ("host:port") on network "tcp" or "tcp4".
func (t *TCP) Dial(network, address string) (*Conn, error) {
	return t.DialContext(context.Background(), network, address)
}

// DialContext is Dial with a context that bounds the handshake.
func (t *TCP) DialContext(ctx context.Context, network, address string) (*Conn, error) {
	ap, err := parseAddr(network, address)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	return t.DialAddrPort(ctx, netip.AddrPort{}, ap)
}

// DialAddrPort actively opens a connection from local (zero: the route's
// source address and an ephemeral port) to remote (RFC 9293 §3.10.1).
func (t *TCP) DialAddrPort(ctx context.Context, local, remote netip.AddrPort) (*Conn, error) {
	opErr := func(err error) error {
		e := &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(remote), Err: err}
		if local.IsValid() {
			e.Source = net.TCPAddrFromAddrPort(local)
		}
		return e
	}
	remote, err := unmap(remote)
	if err != nil || remote.Port() == 0 || remote.Addr().IsUnspecified() {
		return nil, opErr(ErrBadAddress)
	}
	if local.IsValid() {
		if local, err = unmap(local); err != nil {
			return nil, opErr(ErrBadAddress)
		}
	}
	if t.ip == nil {
		return nil, opErr(ErrNotAttached)
	}
	src := local.Addr()
	if !src.IsValid() || src.IsUnspecified() {
		a, err := t.ip.SourceAddr(remote.Addr().As4())
		if err != nil {
			return nil, opErr(err)
		}
		src = netip.AddrFrom4(a)
	}
	t.mu.Lock()
	port, err := t.bindLocked(local.Port(), false)
	if err != nil {
		t.mu.Unlock()
		return nil, opErr(err)
	}
	k := fourTuple{laddr: src.As4(), raddr: remote.Addr().As4(), lport: port, rport: remote.Port()}
	c := t.newConn(k)
	c.active = true
	if !t.registerLocked(c) {
		if t.ports[port]--; t.ports[port] <= 0 {
			delete(t.ports, port)
		}
		t.mu.Unlock()
		return nil, opErr(ErrAddrInUse)
	}
	t.mu.Unlock()
	t.st.activeOpens.Add(1)
	c.mu.Lock()
	c.state = SynSent
	c.initSend()
	c.sendSyn()
	if !c.t.o.NoTimestamps {
		c.rttTiming = false
	} else {
		c.rttTiming, c.rttSeq, c.rttStart = true, c.iss, t.now()
	}
	c.schedule()
	c.mu.Unlock()
	select {
	case <-c.estab:
	case <-ctx.Done():
		c.abort(nil, true)
		err := ctx.Err()
		if errors.Is(err, context.DeadlineExceeded) {
			err = os.ErrDeadlineExceeded
		}
		c.releaseUnaccepted()
		return nil, opErr(err)
	}
	c.mu.Lock()
	err = c.err
	c.mu.Unlock()
	if err != nil {
		c.releaseUnaccepted()
		return nil, opErr(os.NewSyscallError("connect", err))
	}
	return c, nil
}

// releaseUnaccepted marks a connection nobody will own as closed.
func (c *Conn) releaseUnaccepted() {
	c.closeOnce.Do(func() {
		c.mu.Lock()
		c.userClosed = true
		close(c.closing)
		c.rq.flush()
		c.mu.Unlock()
	})
}

// Listen opens a listener on address ("host:port"; an empty host listens
// on every address, port 0 picks one) on network "tcp" or "tcp4".
func (t *TCP) Listen(network, address string) (*Listener, error) {
	ap, err := parseAddr(network, address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	return t.ListenAddrPort(ap, 0)
}

// ListenAddrPort opens a listener on local with the given backlog (0:
// Options.Backlog).
func (t *TCP) ListenAddrPort(local netip.AddrPort, backlog int) (*Listener, error) {
	opErr := func(err error) error {
		return &net.OpError{Op: "listen", Net: "tcp", Source: nil, Addr: net.TCPAddrFromAddrPort(local), Err: err}
	}
	if !local.Addr().IsValid() {
		local = netip.AddrPortFrom(netip.IPv4Unspecified(), local.Port())
	}
	local, err := unmap(local)
	if err != nil {
		return nil, opErr(err)
	}
	if t.ip == nil {
		return nil, opErr(ErrNotAttached)
	}
	if backlog <= 0 {
		backlog = t.o.Backlog
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	port, err := t.bindLocked(local.Port(), true)
	if err != nil {
		return nil, opErr(err)
	}
	l := &Listener{t: t, addr: netip.AddrPortFrom(local.Addr(), port), backlog: backlog,
		acceptq: make(chan *Conn, backlog), done: make(chan struct{}), dl: newDeadline()}
	t.listeners[port] = l
	return l, nil
}
