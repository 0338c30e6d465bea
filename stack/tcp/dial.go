package tcp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"

	"github.com/gopkt/gopkt/stack/network"
)

// parseAddr resolves "host:port" for network "tcp", "tcp4" or "tcp6":
// host is an IP literal (an IPv6 one in brackets, with a zone for a
// link-local address: "[fe80::1%eth0]") or empty (the unspecified
// address: see Listen). There is no name resolution.
func parseAddr(network, address string) (netip.AddrPort, error) {
	if network != "tcp" && network != "tcp4" && network != "tcp6" {
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
	var a netip.Addr
	if host != "" {
		if a, err = netip.ParseAddr(host); err != nil {
			return netip.AddrPort{}, &net.AddrError{Err: "not an IP address (no name resolution)", Addr: address}
		}
	}
	return checkFamily(network, netip.AddrPortFrom(a, uint16(p)))
}

// checkFamily applies Go's family rules to an address (invalid: none
// given): "tcp4" takes IPv4 and IPv4-mapped IPv6 (as a.b.c.d), "tcp6"
// IPv6 other than IPv4-mapped, "tcp" either (mapped as IPv4).
func checkFamily(network string, ap netip.AddrPort) (netip.AddrPort, error) {
	a := ap.Addr()
	if !a.IsValid() {
		return ap, nil
	}
	switch {
	case network == "tcp6" && (a.Is4() || a.Is4In6()):
		return ap, ErrBadAddress
	case network == "tcp4" && !a.Is4() && !a.Is4In6():
		return ap, ErrBadAddress
	}
	if a.Is4In6() {
		return netip.AddrPortFrom(a.Unmap(), ap.Port()), nil
	}
	return ap, nil
}

// layerFor is the network layer for a's family (nil: not attached).
func (t *TCP) layerFor(a netip.Addr) network.Layer {
	if a.Is4() {
		return t.net4
	}
	return t.net6
}

// keyFor is the connection key from local to remote (both of one family,
// IPv4 unmapped; a link-local remote's zone names its link).
func (t *TCP) keyFor(local, remote netip.AddrPort) fourTuple {
	k := fourTuple{laddr: local.Addr().As16(), raddr: remote.Addr().As16(), lport: local.Port(), rport: remote.Port()}
	if !k.is4() && (linkLocal(k.laddr) || linkLocal(k.raddr)) && t.ip6 != nil {
		z := remote.Addr()
		if z.Zone() == "" {
			z = local.Addr()
		}
		k.ifx = int32(max(t.ip6.ZoneIndex(z), 0))
	}
	return k
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
	if !ap.Addr().IsValid() {
		return nil, &net.OpError{Op: "dial", Net: network, Err: ErrBadAddress}
	}
	return t.DialAddrPort(ctx, netip.AddrPort{}, ap)
}

// DialAddrPort actively opens a connection from local (zero: the route's
// source address and an ephemeral port) to remote (RFC 9293 §3.10.1),
// over IPv4 or IPv6 by remote's family (IPv4-mapped remote: IPv4). A
// link-local IPv6 remote needs its zone (the interface name).
func (t *TCP) DialAddrPort(ctx context.Context, local, remote netip.AddrPort) (*Conn, error) {
	opErr := func(err error) error {
		e := &net.OpError{Op: "dial", Net: "tcp", Addr: net.TCPAddrFromAddrPort(remote), Err: err}
		if local.IsValid() {
			e.Source = net.TCPAddrFromAddrPort(local)
		}
		return e
	}
	remote, err := checkFamily("tcp", remote)
	if err != nil || !remote.Addr().IsValid() || remote.Port() == 0 || remote.Addr().IsUnspecified() || remote.Addr().IsMulticast() {
		return nil, opErr(ErrBadAddress)
	}
	if local.IsValid() {
		local, _ = checkFamily("tcp", local)
		if la := local.Addr(); la.IsValid() && !la.IsUnspecified() && la.Is4() != remote.Addr().Is4() {
			return nil, opErr(ErrBadAddress)
		}
	}
	l := t.layerFor(remote.Addr())
	if l == nil {
		return nil, opErr(ErrNotAttached)
	}
	src := local.Addr()
	if !src.IsValid() || src.IsUnspecified() {
		if src, err = l.Source(remote.Addr()); err != nil {
			return nil, opErr(err)
		}
	}
	t.mu.Lock()
	port, err := t.bindLocked(local.Port(), false)
	if err != nil {
		t.mu.Unlock()
		return nil, opErr(err)
	}
	k := t.keyFor(netip.AddrPortFrom(src, port), remote)
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

// Listen opens a listener on address ("host:port", port 0 picks one) on
// network "tcp", "tcp4" or "tcp6". An empty host listens on every
// address: for "tcp4" 0.0.0.0; for "tcp6" [::], IPv6 only; for "tcp" [::]
// dual stack (IPv4 peers too, as Go's net does) when IPv6 is attached,
// 0.0.0.0 otherwise. An explicit "0.0.0.0" is IPv4 only and "[::]" with
// "tcp" dual stack, as in stack/udp.
func (t *TCP) Listen(network, address string) (*Listener, error) {
	ap, err := parseAddr(network, address)
	if err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	v6only := network == "tcp6"
	if !ap.Addr().IsValid() {
		switch {
		case network == "tcp4", network == "tcp" && t.net6 == nil:
			ap = netip.AddrPortFrom(netip.IPv4Unspecified(), ap.Port())
		default:
			ap = netip.AddrPortFrom(netip.IPv6Unspecified(), ap.Port())
		}
	}
	return t.listen(ap, 0, v6only, network)
}

// ListenAddrPort opens a listener on local with the given backlog (0:
// Options.Backlog). An invalid or 0.0.0.0 address listens on every IPv4
// address, [::] on every address of both families (dual stack), any
// other address on itself only.
func (t *TCP) ListenAddrPort(local netip.AddrPort, backlog int) (*Listener, error) {
	return t.listen(local, backlog, false, "tcp")
}

func (t *TCP) listen(local netip.AddrPort, backlog int, v6only bool, netw string) (*Listener, error) {
	opErr := func(err error) error {
		return &net.OpError{Op: "listen", Net: netw, Source: nil, Addr: net.TCPAddrFromAddrPort(local), Err: err}
	}
	if !local.Addr().IsValid() {
		local = netip.AddrPortFrom(netip.IPv4Unspecified(), local.Port())
	}
	local, err := checkFamily("tcp", local)
	if err != nil || local.Addr().IsMulticast() {
		return nil, opErr(ErrBadAddress)
	}
	a := local.Addr()
	if (a.Is4() && t.net4 == nil) || (a.Is6() && t.net6 == nil && (v6only || a != netip.IPv6Unspecified())) ||
		(t.net4 == nil && t.net6 == nil) {
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
	l := &Listener{t: t, addr: netip.AddrPortFrom(local.Addr(), port), v6only: v6only, backlog: backlog,
		acceptq: make(chan *Conn, backlog), done: make(chan struct{}), dl: newDeadline()}
	t.listeners[port] = l
	return l, nil
}
