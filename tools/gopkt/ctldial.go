package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/stack/tcp"
)

// ctlDial is the control service's dial: a TCP connection from the
// stack, carried over the control connection as a byte pipe, so a Go
// program in another process gets a net.Conn over gopkt's stack
// (control.Client.DialTCP). The client's half-close (CloseWrite) becomes
// the TCP connection's FIN and the peer's FIN the client's EOF; the TCP
// connection closes when both directions are done, the control
// connection breaks, or the daemon stops (the client's read then ends
// with EOF, or with a reset if it had sent bytes the daemon never read).
func (d *daemon) ctlDial(ctx context.Context, args json.RawMessage) (any, func(context.Context, *bufio.Reader, net.Conn) error, error) {
	var r control.DialRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, nil, err
	}
	dst, err := netip.ParseAddrPort(r.Addr)
	if err != nil {
		return nil, nil, control.Errorf(control.ErrBadRequest, "dial %q: want an IP literal and a port, such as 198.18.0.1:80", r.Addr)
	}
	d.protoMu.RLock()
	t := d.tcp
	d.protoMu.RUnlock()
	if t == nil {
		return nil, nil, control.Errorf(control.ErrBadRequest, "tcp is not loaded (-p tcp, or gopktctl proto load tcp)")
	}
	timeout := 10 * time.Second
	if r.TimeoutMS > 0 {
		timeout = time.Duration(r.TimeoutMS) * time.Millisecond
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	conn, err := t.DialAddrPort(dctx, netip.AddrPort{}, dst)
	cancel()
	if err != nil {
		return nil, nil, err
	}
	res := control.DialResult{Local: conn.LocalAddr().String(), Remote: conn.RemoteAddr().String()}
	d.log.Info("control: dial", "local", res.Local, "remote", res.Remote)
	return res, pipeTCP(conn), nil
}

// pipeTCP is the run of a pipe carrying conn (dial, and accept in
// ctllisten.go): the client's half-close becomes conn's FIN, the peer's
// FIN the client's EOF; conn closes when both directions are done, the
// control connection breaks, or ctx ends (the daemon stops).
func pipeTCP(conn *tcp.Conn) func(context.Context, *bufio.Reader, net.Conn) error {
	return func(ctx context.Context, in *bufio.Reader, out net.Conn) error {
		stop := context.AfterFunc(ctx, func() { _ = conn.Close() }) // the daemon stops
		defer stop()
		done := make(chan struct{})
		go func() { // client → peer; EOF is the client's CloseWrite
			defer close(done)
			if _, err := io.Copy(conn, in); err != nil {
				_ = conn.Close() // the control connection broke
				return
			}
			_ = conn.CloseWrite()
		}()
		_, err := io.Copy(out, conn) // peer → client, until the peer's FIN
		if uc, ok := out.(interface{ CloseWrite() error }); ok {
			_ = uc.CloseWrite() // the client reads EOF
		}
		<-done
		_ = conn.Close()
		return err
	}
}
