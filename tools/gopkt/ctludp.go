package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"syscall"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/stack/udp"
)

// ctlUDP is the udp verb: a UDP socket of the stack whose datagrams
// travel over the control connection as frames (control/packet.go), so a
// program in another process gets a net.PacketConn
// (control.Client.ListenPacket, DialUDP). The socket closes when the
// client closes the connection, udp unloads (the client's reads then end
// with control.ErrSocketClosed) or the daemon stops.
func (d *daemon) ctlUDP(_ context.Context, args json.RawMessage) (any, func(context.Context, *bufio.Reader, net.Conn) error, error) {
	var r control.UDPRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, nil, err
	}
	var local, remote netip.AddrPort
	var err error
	if r.Local != "" {
		if local, err = netip.ParseAddrPort(r.Local); err != nil {
			return nil, nil, control.Errorf(control.ErrBadRequest, "local %q: want an IP literal and a port, such as 0.0.0.0:5353 or [::]:0", r.Local)
		}
	}
	if r.Remote != "" {
		if remote, err = netip.ParseAddrPort(r.Remote); err != nil {
			return nil, nil, control.Errorf(control.ErrBadRequest, "remote %q: want an IP literal and a port, such as 198.18.0.1:53", r.Remote)
		}
	}
	d.protoMu.RLock()
	u := d.udp
	d.protoMu.RUnlock()
	if u == nil {
		return nil, nil, control.Errorf(control.ErrBadRequest, "udp is not loaded (-p udp, or gopktctl proto load udp)")
	}
	var conn *udp.Conn
	if remote.IsValid() {
		conn, err = u.Dial(local, remote)
	} else {
		conn, err = u.ListenPacket(local)
	}
	if err != nil {
		return nil, nil, err
	}
	res := control.UDPResult{Local: conn.LocalAddr().String()}
	if remote.IsValid() {
		res.Remote = conn.RemoteAddr().String()
	}
	d.log.Info("control: udp socket", "local", res.Local, "remote", res.Remote)
	run := func(ctx context.Context, in *bufio.Reader, out net.Conn) error {
		stop := context.AfterFunc(ctx, func() { _ = conn.Close() }) // the daemon stops
		defer stop()
		go func() { // client → stack, until the client closes
			dr := control.NewDatagramReader(in)
			for {
				to, p, err := dr.Next()
				if err != nil { // the client closed, or broke the protocol (an error frame is the daemon's to send)
					_ = conn.Close()
					return
				}
				if remote.IsValid() {
					_, err = conn.Write(p)
				} else {
					_, err = conn.WriteToUDPAddrPort(p, to)
				}
				if err != nil { // lost on the way: no route, no neighbour, too big
					d.log.Debug("control: udp send", "local", res.Local, "to", to, "err", err)
				}
			}
		}()
		// stack → client, until the socket closes (the client's close
		// above, udp unloaded, the daemon stopping); the server then
		// closes the connection, which ends the goroutine.
		buf := make([]byte, control.MaxDatagram)
		frame := make([]byte, 0, 32+control.MaxDatagram)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			if err != nil { // an ICMP error on a connected socket
				var errno syscall.Errno
				if !r.Errors || !errors.As(err, &errno) {
					d.log.Debug("control: udp receive", "local", res.Local, "err", err)
					continue
				}
				frame = control.AppendSocketError(frame[:0], errno)
			} else {
				frame = control.AppendDatagram(frame[:0], from, buf[:n])
			}
			if _, err := out.Write(frame); err != nil {
				_ = conn.Close()
				return err
			}
		}
	}
	return res, run, nil
}
