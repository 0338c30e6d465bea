package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/udp"
	"github.com/gopkt/gopkt/stack/wire"
)

// Protocols at run time (io-pkt mounts protocol modules as it mounts
// drivers): udp and tcp load and unload through the control service,
// with the -p syntax and checks. Unload takes the transport out of IPv4
// and, with -p ipv6, IPv6 (ipv4.RemoveTransport, ipv6.RemoveTransport:
// datagrams for it are answered with ICMP protocol unreachable and ICMPv6
// parameter problem, unrecognized next header, from then on), closes the
// daemon's services on it (--udp-echo, --udp-sink, --tcp-echo,
// --tcp-discard, --http) and every other socket (blocked readers get
// net.ErrClosed; queued buffers go back to the pool), and removes its
// quota from the budget. Load builds a new instance, registers it with
// both (AddTransport) and starts the services the command line configured
// on it again, dual stack as at start. ipv4 and ipv6 are fixed at start;
// udp and tcp stay while --socks uses them.

// runtimeProto reports whether name loads and unloads at run time.
func runtimeProto(name string) bool { return name == "udp" || name == "tcp" }

func (d *daemon) ctlProtocols() []control.Protocol {
	d.protoMu.RLock()
	defer d.protoMu.RUnlock()
	return d.protoRows()
}

// protoRows describes the registry's protocols. protoMu is held.
func (d *daemon) protoRows() []control.Protocol {
	var out []control.Protocol
	for _, l := range d.reg.protos {
		p := control.Protocol{Name: l.Name, Usage: l.Usage, Runtime: runtimeProto(l.Name), Loaded: d.cfg.Protos.has(l.Name)}
		switch l.Name {
		case "udp":
			p.Loaded = d.udp != nil
			if d.udp != nil {
				p.Sockets = len(d.udp.Sockets())
			}
			for _, e := range d.echo {
				p.Services = append(p.Services, fmt.Sprintf("udp-echo %d", e.port))
			}
			for _, s := range d.sinks {
				p.Services = append(p.Services, fmt.Sprintf("udp-sink %v", s.ports))
			}
		case "tcp":
			p.Loaded = d.tcp != nil
			if d.tcp != nil {
				p.Sockets = len(d.tcp.Listeners()) + len(d.tcp.Connections())
			}
			for _, s := range d.tcpSvcs {
				p.Services = append(p.Services, fmt.Sprintf("%s %d", s.name, s.port))
			}
			if d.http != nil {
				p.Services = append(p.Services, "http 80")
			}
		}
		out = append(out, p)
	}
	return out
}

// protoRequest checks a load or unload request against the registry and
// the daemon's state. d.mu is held.
func (d *daemon) protoRequest(name string) error {
	if d.stopping {
		return control.Errorf(errStopping, "%v", errStopping)
	}
	if _, err := d.reg.proto(name); err != nil {
		return control.Errorf(control.ErrNotFound, "%v", err)
	}
	if !runtimeProto(name) {
		return control.Errorf(control.ErrBadRequest, "%s is fixed at start: udp and tcp load and unload at run time", name)
	}
	if d.ip == nil {
		return control.Errorf(control.ErrBadRequest, "%s needs ipv4, which this daemon was started without (-p ipv4)", name)
	}
	if d.socks != nil {
		return control.Errorf(control.ErrBadRequest, "--socks uses udp and tcp: they stay while it runs")
	}
	return nil
}

func (d *daemon) ctlLoad(_ context.Context, args json.RawMessage) (any, error) {
	var r control.LoadRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, err
	}
	name, o, err := splitModule(strings.TrimSpace(r.Proto + " " + r.Options))
	if err != nil {
		return nil, control.Errorf(control.ErrBadRequest, "%v", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.protoRequest(name); err != nil {
		return nil, err
	}
	if name == "udp" && d.udp != nil || name == "tcp" && d.tcp != nil {
		return nil, control.Errorf(control.ErrExists, "%s is loaded (unload it first to change its options)", name)
	}
	l, _ := d.reg.proto(name)
	if err := o.check(l.Keys); err != nil {
		return nil, control.Errorf(control.ErrBadRequest, "%s: %v", name, err)
	}
	var ps protoSet
	if err := l.Apply(o, &ps); err != nil {
		return nil, control.Errorf(control.ErrBadRequest, "%s: %v", name, err)
	}
	d.protoMu.Lock()
	defer d.protoMu.Unlock()
	switch name {
	case "udp":
		u := udp.New(*ps.udp)
		if err := d.addTransport(u, u.V6()); err != nil {
			return nil, err
		}
		d.udp = u
		err = d.startUDPServices()
	case "tcp":
		t, terr := tcp.New(*ps.tcp)
		if terr != nil {
			return nil, control.Errorf(control.ErrBadRequest, "tcp: %v", terr)
		}
		if err := d.addTransport(t, t.V6()); err != nil {
			return nil, err
		}
		d.tcp = t
		err = d.startTCPServices()
	}
	if err != nil {
		d.log.Error("protocol loaded, a service did not start", "proto", name, "err", err)
		return nil, err
	}
	d.log.Info("protocol loaded", "proto", name, "options", r.Options)
	for _, p := range d.protoRows() {
		if p.Name == name {
			return p, nil
		}
	}
	return nil, nil
}

// addTransport registers a transport with IPv4 and, when the daemon runs
// IPv6, its IPv6 side; a failure leaves neither registered.
func (d *daemon) addTransport(t4 ipv4.Transport, t6 ipv6.Transport) error {
	if err := d.ip.AddTransport(t4); err != nil {
		return err
	}
	if d.ip6 != nil {
		if err := d.ip6.AddTransport(t6); err != nil {
			_, _ = d.ip.RemoveTransport(t4.Protocol())
			return err
		}
	}
	return nil
}

// removeTransport takes protocol p out of IPv4 and IPv6.
func (d *daemon) removeTransport(p wire.IPProtocol) error {
	if _, err := d.ip.RemoveTransport(p); err != nil {
		return err
	}
	if d.ip6 != nil {
		if _, err := d.ip6.RemoveTransport(p); err != nil {
			return err
		}
	}
	return nil
}

// unspecified is the address the UDP services bind: [::] (dual stack)
// when the daemon runs IPv6, else 0.0.0.0.
func (d *daemon) unspecified() netip.Addr {
	if d.ip6 != nil {
		return netip.IPv6Unspecified()
	}
	return netip.IPv4Unspecified()
}

// startUDPServices starts --udp-echo and --udp-sink on d.udp (at load;
// start does the same at startup). protoMu is held.
func (d *daemon) startUDPServices() error {
	for _, port := range d.cfg.Echo {
		e, err := startEcho(d.udp, d.unspecified(), port, &d.wg)
		if err != nil {
			return fmt.Errorf("--udp-echo %d: %w", port, err)
		}
		d.echo = append(d.echo, e)
	}
	for _, r := range d.cfg.Sinks {
		s, err := startSink(d.udp, r)
		if err != nil {
			return fmt.Errorf("--udp-sink %v: %w", r, err)
		}
		d.sinks = append(d.sinks, s)
	}
	return nil
}

// startTCPServices starts --tcp-echo, --tcp-discard and --http on d.tcp.
// protoMu is held.
func (d *daemon) startTCPServices() error {
	for _, port := range d.cfg.TCPEcho {
		s, err := startTCPService(d.tcp, "tcp-echo", port, true, &d.wg)
		if err != nil {
			return fmt.Errorf("--tcp-echo %d: %w", port, err)
		}
		d.tcpSvcs = append(d.tcpSvcs, s)
	}
	for _, port := range d.cfg.TCPDiscard {
		s, err := startTCPService(d.tcp, "tcp-discard", port, false, &d.wg)
		if err != nil {
			return fmt.Errorf("--tcp-discard %d: %w", port, err)
		}
		d.tcpSvcs = append(d.tcpSvcs, s)
	}
	if d.cfg.HTTP != "" {
		h, err := startHTTP(d.tcp, d.cfg.HTTP, &d.wg)
		if err != nil {
			return fmt.Errorf("--http %s: %w", d.cfg.HTTP, err)
		}
		d.http = h
	}
	return nil
}

func (d *daemon) ctlUnload(_ context.Context, args json.RawMessage) (any, error) {
	var r control.UnloadRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.protoRequest(r.Proto); err != nil {
		return nil, err
	}
	d.protoMu.Lock()
	defer d.protoMu.Unlock()
	switch r.Proto {
	case "udp":
		if d.udp == nil {
			return nil, control.Errorf(control.ErrNotFound, "udp is not loaded")
		}
		if err := d.removeTransport(wire.IPProtocolUDP); err != nil {
			return nil, err
		}
		for _, e := range d.echo {
			e.close()
			d.log.Info("udp-echo stopped", "port", e.port, "echoed", e.echoed.Load(), "failures", e.failures.Load())
		}
		for _, s := range d.sinks {
			s.close()
		}
		d.echo, d.sinks = nil, nil
		n := len(d.udp.Sockets())
		if err := d.udp.Unload(); err != nil {
			return nil, err
		}
		d.udp = nil
		d.log.Info("protocol unloaded", "proto", "udp", "sockets closed", n, "pool in use", d.pool.InUse())
	case "tcp":
		if d.tcp == nil {
			return nil, control.Errorf(control.ErrNotFound, "tcp is not loaded")
		}
		if err := d.removeTransport(wire.IPProtocolTCP); err != nil {
			return nil, err
		}
		for _, s := range d.tcpSvcs {
			s.close()
		}
		if d.http != nil {
			d.http.close()
		}
		d.tcpSvcs, d.http = nil, nil
		n := len(d.tcp.Listeners()) + len(d.tcp.Connections())
		if err := d.tcp.Close(); err != nil { // also removes its tcp-rcvq quota
			return nil, err
		}
		d.tcp = nil
		d.log.Info("protocol unloaded", "proto", "tcp", "sockets closed", n, "pool in use", d.pool.InUse())
	}
	return nil, nil
}
