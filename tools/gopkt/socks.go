package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"syscall"

	"github.com/gopkt/gopkt/socks"
)

// --socks ADDR: a SOCKS5 front (RFC 1928, package socks) whose CONNECTs
// are the stack's TCP connections and whose UDP ASSOCIATEs relay through
// a stack UDP socket, so SOCKS-aware programs on the host
// (curl --socks5-hostname) use gopkt's stack. No authentication, so it
// listens on loopback or a Unix socket only (metricsListen's check).
// Domain names must be IP literals: the stack has no resolver.

func (d *daemon) startSocks() error {
	if d.cfg.Socks == "" {
		return nil
	}
	if d.tcp == nil && d.udp == nil {
		return fmt.Errorf("--socks %s: neither TCP nor UDP is loaded (add -p tcp and/or -p udp)", d.cfg.Socks)
	}
	ln, err := metricsListen(d.cfg.Socks)
	if err != nil {
		return fmt.Errorf("--socks %s: %w", d.cfg.Socks, err)
	}
	d.socks = &socks.Server{Logger: d.log, Dial: func(ctx context.Context, dst netip.AddrPort) (net.Conn, error) {
		if !dst.Addr().Is4() {
			return nil, syscall.EAFNOSUPPORT
		}
		if d.tcp == nil {
			return nil, syscall.EPROTONOSUPPORT
		}
		return d.tcp.DialAddrPort(ctx, netip.AddrPort{}, dst)
	}}
	if d.udp != nil {
		d.socks.ListenPacket = func(context.Context) (socks.PacketConn, error) {
			return d.udp.ListenPacket(netip.AddrPort{})
		}
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := d.socks.Serve(ln); err != nil {
			d.log.Error("socks: serve", "err", err)
		}
	}()
	d.log.Info("socks5 listening", "addr", ln.Addr().String())
	return nil
}
