package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/socks"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/pf"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/udp"
	"github.com/gopkt/gopkt/stack/wire"
	"github.com/gopkt/gopkt/vfio"
)

// ErrLeak is the shutdown error when buffers did not come back to the pool.
var ErrLeak = errors.New("mbufs leaked")

// env is what the daemon gets from its surroundings; tests replace the
// PCI host with the e1000 device model's bus and may extend the table.
type env struct {
	out     io.Writer // status, ping and dump reports
	log     *slog.Logger
	pciHost func(o vfio.Options) pciHost // nil: a VFIO container
	reg     *registry                    // nil: defaultRegistry()
	logs    *logRing                     // the log kept for gopktctl log; nil: none kept
}

// iface is one loaded driver and its interface.
type iface struct {
	arg driverArg
	ifc *stack.Interface
}

// daemon is one gopkt process: the pool, the stack, the loaded drivers and
// the services. start builds it in a fixed order, stop takes it apart in
// reverse and checks the pool.
type daemon struct {
	cfg *config
	env
	log *slog.Logger

	host    pciHost // made on first use (the pool, or a PCI driver's Open)
	pool    *mbuf.Pool
	s       *stack.Stack
	ip      *ipv4.IPv4
	ip6     *ipv6.IPv6
	udp     *udp.UDP
	tcp     *tcp.TCP
	tcpSvcs []*tcpService
	http    *httpService
	ifaces  []iface
	cloners cloners       // vlan and bridge (l2drivers.go)
	tunnels tunnelModules // gre and gif (tunneldrivers.go)
	filters []*installedFilter
	pf      *pf.Filter // --filter rules in pf syntax (pf.go)
	dumps   []*dump
	echo    []*echoServer
	sinks   []*udpSink
	ctl     *control.Server // --control (control.go)
	metrics *http.Server    // --metrics (metrics.go)
	socks   *socks.Server   // --socks (socks.go)
	ctlLns  ctlListeners    // TCP listeners of control clients (ctllisten.go)

	// mu guards the live driver list (drivers, ifaces: -d lines, then
	// mounts) against the control service; stopping refuses new mounts.
	// Loading and unloading a protocol hold mu too, and protoMu while they
	// change udp, tcp and their services (ctlproto.go); the status and the
	// control service's readers hold protoMu for reading.
	protoMu  sync.RWMutex
	mu       sync.Mutex
	drivers  []driverArg
	stopping bool

	cancel   context.CancelFunc // ends the services
	wg       sync.WaitGroup
	pingMu   sync.Mutex
	pingFail []string // pings that got no reply
}

func newDaemon(cfg *config, e env) *daemon {
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.pciHost == nil {
		e.pciHost = newVFIOHost
	}
	if e.reg == nil {
		e.reg = defaultRegistry()
	}
	if e.logs == nil {
		e.logs = newLogRing(io.Discard, 1)
	}
	return &daemon{cfg: cfg, env: e, log: e.log}
}

// pciHost makes the shared VFIO container (or the test bus) once, sized
// for the pool and the descriptor rings. Making it opens nothing: a VFIO
// container opens /dev/vfio when its first device does.
func (d *daemon) pciHost() pciHost {
	if d.host == nil {
		bytes := uint64(d.cfg.Buffers)*mbuf.SlotSize + uint64(len(d.cfg.Drivers))*(1<<20)
		d.host = d.env.pciHost(vfio.Options{DMABytes: bytes, Logger: d.log, Backend: d.cfg.VFIO})
	}
	return d.host
}

// start opens the devices, builds the pool and the stack with the
// protocols, attaches the drivers in command-line order, configures
// addresses, routes, neighbours and filters, and starts dumps and services.
// On failure it undoes what it did.
func (d *daemon) start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			err = errors.Join(err, d.stop())
		}
	}()
	d.drivers = slices.Clone(d.cfg.Drivers) // stop detaches each, opened or not
	for _, a := range d.cfg.Drivers {
		if err := a.Drv.Open(d); err != nil {
			return fmt.Errorf("%s: %w", a.Arg, err)
		}
	}
	// The pool lives in the PCI host's DMA memory even when no PCI driver
	// is loaded yet, so an e1000 mounted later can DMA into it: a VFIO
	// container maps its memory into the IOMMU whenever a device joins
	// (vfio.Container).
	if d.pool, err = mbuf.NewPool(d.pciHost().Memory(), mbuf.PoolOptions{Name: "gopkt", Buffers: d.cfg.Buffers}); err != nil {
		return fmt.Errorf("--buffers %d: %w", d.cfg.Buffers, err)
	}
	budget, err := d.newBudget() // budget.go
	if err != nil {
		return err
	}
	d.tunnels = newTunnelModules()
	b, protos, err := d.cfg.Protos.build(d.tunnels.transports()...)
	if err != nil {
		return err
	}
	d.ip, d.ip6, d.udp, d.tcp = b.ip, b.ip6, b.udp, b.tcp
	d.cloners = newCloners()
	if d.s, err = stack.New(stack.Options{Pool: d.pool, Budget: budget, Protocols: protos, Cloners: append(d.cloners.list(), d.tunnels.cloners()...), Logger: d.log}); err != nil {
		return err
	}
	if d.ip6 != nil {
		// A link that comes back may be another link (RFC 4862 §5.3: an
		// interface re-enabled): IPv6 runs DAD on its addresses again
		// (§5.4), reports its groups, and with --slaac solicits routers
		// (RFC 4861 §6.3.7). tools/wlan does the same on association.
		d.s.OnLinkChange(func(ifc *stack.Interface, l port.LinkState) {
			if l.Up {
				d.ip6.LinkUp(ifc)
			}
		})
	}
	for _, a := range d.cfg.Drivers {
		ifc, err := a.Drv.Attach(d, a.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", a.Arg, err)
		}
		if d.cfg.Protos.arpOff {
			ifc.SetFlags(stack.FlagNoARP, 0)
		}
		d.ifaces = append(d.ifaces, iface{arg: a, ifc: ifc})
		d.log.Info("interface up", "name", a.Name, "driver", a.Loader, "mac", ifc.MAC(), "mtu", ifc.MTU())
	}
	if err := d.configure(); err != nil {
		return err
	}
	for _, a := range d.cfg.Dumps {
		dp, err := startDump(d.s.InterfaceByName(a.Iface), a, d.log)
		if err != nil {
			return err
		}
		d.dumps = append(d.dumps, dp)
	}
	ctx, d.cancel = context.WithCancel(ctx)
	for _, port := range d.cfg.Echo {
		e, err := startEcho(d.udp, d.unspecified(), port, &d.wg) // dual stack with -p ipv6
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
	for _, svc := range []struct {
		flag  string
		ports []uint16
		echo  bool
	}{{"--tcp-echo", d.cfg.TCPEcho, true}, {"--tcp-discard", d.cfg.TCPDiscard, false}} {
		for _, port := range svc.ports {
			s, err := startTCPService(d.tcp, svc.flag[2:], port, svc.echo, &d.wg)
			if err != nil {
				return fmt.Errorf("%s %d: %w", svc.flag, port, err)
			}
			d.tcpSvcs = append(d.tcpSvcs, s)
		}
	}
	if d.cfg.HTTP != "" {
		if d.http, err = startHTTP(d.tcp, d.cfg.HTTP, &d.wg); err != nil {
			return fmt.Errorf("--http %s: %w", d.cfg.HTTP, err)
		}
	}
	for _, p := range d.cfg.Pings {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			if !runPing(ctx, d.ip, d.ip6, p, d.out) && ctx.Err() == nil {
				d.pingMu.Lock()
				d.pingFail = append(d.pingFail, p.Dst.String())
				d.pingMu.Unlock()
			}
		}()
	}
	d.wg.Add(1)
	go d.service(ctx)
	if err := d.startMetrics(); err != nil { // metrics.go
		return err
	}
	if err := d.startSocks(); err != nil { // socks.go
		return err
	}
	return d.startControl(ctx) // control.go
}

// waitDAD waits (up to 10 s) for duplicate address detection of the
// IPv6 addresses --ifconfig gave, as ifup does before the address is
// used; a duplicate fails the start.
func (d *daemon) waitDAD() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, a := range d.cfg.Addrs {
		if a.Prefix.Addr().Is6() {
			if err := d.ip6.WaitDAD(ctx, d.s.InterfaceByName(a.Iface), a.Prefix.Addr()); err != nil {
				return fmt.Errorf("--ifconfig %s=%v: %w", a.Iface, a.Prefix, err)
			}
		}
	}
	return nil
}

// route6 makes an IPv6 --route: through an interface, a link-local
// gateway on the interface its zone names, or a gateway on a connected
// prefix.
func (d *daemon) route6(r routeArg) (route.Route, error) {
	rt := route.Route{Prefix: r.Dest, Gateway: r.Gateway.WithZone(""), Kind: route.Static}
	switch {
	case r.Iface != "":
		rt.IfIndex = d.s.InterfaceByName(r.Iface).Index()
	case r.Gateway.Zone() != "":
		rt.IfIndex = d.s.InterfaceByName(r.Gateway.Zone()).Index()
	default:
		c, ok := d.ip6.Routes().Lookup(r.Gateway.As16())
		if !ok || c.Gateway.IsValid() {
			return rt, fmt.Errorf("%s %s: gateway %v is not on a connected prefix (add --ifconfig IFACE=ADDR/LEN on its prefix, or name the interface: fe80::1%%em0)", r.Flag, r.Arg, r.Gateway)
		}
		rt.IfIndex = c.IfIndex
	}
	return rt, nil
}

// route4 makes an IPv4 --route: through an interface, or a gateway on a
// connected network.
func (d *daemon) route4(r routeArg) (route.Route, error) {
	rt := route.Route{Prefix: r.Dest, Gateway: r.Gateway, Kind: route.Static}
	if r.Iface != "" {
		rt.IfIndex = d.s.InterfaceByName(r.Iface).Index()
		return rt, nil
	}
	c, ok := d.s.Routes().Lookup(r.Gateway.As4())
	if !ok || c.Gateway.IsValid() {
		return rt, fmt.Errorf("%s %s: gateway %v is not on a connected network (add --ifconfig IFACE=ADDR/LEN on its subnet)", r.Flag, r.Arg, r.Gateway)
	}
	rt.IfIndex = c.IfIndex
	return rt, nil
}

// addRoutes adds --route and --routes: each family's routes in one batch
// (a file of a full table loads at bulk speed), after the connected
// routes their gateways resolve through.
func (d *daemon) addRoutes() error {
	if len(d.cfg.Routes) == 0 {
		return nil
	}
	start := time.Now()
	var v4, v6 []route.Route
	for _, r := range d.cfg.Routes {
		if r.Dest.Addr().Is6() {
			rt, err := d.route6(r)
			if err != nil {
				return err
			}
			v6 = append(v6, rt)
			continue
		}
		rt, err := d.route4(r)
		if err != nil {
			return err
		}
		v4 = append(v4, rt)
	}
	if len(v4) > 0 {
		if err := d.s.Routes().AddBatch(v4); err != nil {
			return fmt.Errorf("--route/--routes: %w", err)
		}
	}
	if len(v6) > 0 {
		if err := d.ip6.Routes().AddBatch(v6); err != nil {
			return fmt.Errorf("--route/--routes: %w", err)
		}
	}
	d.log.Info("routes added", "ipv4", len(v4), "ipv6", len(v6), "took", time.Since(start).Round(time.Microsecond))
	return nil
}

// configure applies --ifconfig, --route, --arp and --filter.
func (d *daemon) configure() error {
	for _, a := range d.cfg.Addrs {
		add := d.s.AddAddress
		if a.Prefix.Addr().Is6() {
			add = d.ip6.AddAddress
		}
		if err := add(d.s.InterfaceByName(a.Iface), a.Prefix); err != nil {
			return fmt.Errorf("--ifconfig %s=%v: %w", a.Iface, a.Prefix, err)
		}
	}
	if err := d.waitDAD(); err != nil {
		return err
	}
	for _, name := range d.cfg.SLAAC {
		d.ip6.SetAutoconf(d.s.InterfaceByName(name), true)
	}
	if err := d.addRoutes(); err != nil {
		return err
	}
	for _, a := range d.cfg.ARP {
		ifc, _, err := d.ip.Route(a.Addr.As4())
		if err != nil {
			return fmt.Errorf("--arp %v: %w", a.Addr, err)
		}
		if err := d.ip.AddStaticNeighbour(ifc, a.Addr, wire.MAC(a.MAC)); err != nil {
			return fmt.Errorf("--arp %v: %w", a.Addr, err)
		}
	}
	for i, a := range d.cfg.Filters {
		f, err := installFilter(d.ip, i, a)
		if err != nil {
			return err
		}
		d.filters = append(d.filters, f)
	}
	return d.startPF()
}

// service runs the drivers' slow path until ctx ends. Link changes are
// the stack's to follow and log (stack.Interface.Link).
func (d *daemon) service(ctx context.Context) {
	defer d.wg.Done()
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		d.mu.Lock()
		for _, f := range d.ifaces {
			f.arg.Drv.Service()
		}
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// stop ends the services, flushes the dumps, detaches every interface
// (drivers close their devices and return their ring buffers), closes the
// stack, and checks that every buffer is back in the pool. It reports the
// pool on out; a leak is ErrLeak. It is safe on a half-started daemon.
func (d *daemon) stop() error {
	var errs []error
	d.mu.Lock()
	d.stopping = true
	d.mu.Unlock()
	if d.ctl != nil {
		errs = append(errs, d.ctl.Close()) // ends dump and log streams
	}
	errs = append(errs, d.stopMetrics())
	if d.socks != nil {
		errs = append(errs, d.socks.Close())
	}
	if d.cancel != nil {
		d.cancel()
	}
	for _, e := range d.echo {
		e.close()
	}
	for _, s := range d.sinks {
		s.close()
	}
	for _, s := range d.tcpSvcs {
		s.close()
	}
	if d.http != nil {
		d.http.close()
	}
	d.wg.Wait()
	for _, dp := range d.dumps {
		errs = append(errs, dp.stop(d.out))
	}
	for _, f := range d.filters {
		f.remove()
	}
	if d.pf != nil {
		d.pf.Detach()
	}
	for i := len(d.drivers) - 1; i >= 0; i-- {
		a := d.drivers[i]
		if err := a.Drv.Detach(d); err != nil {
			errs = append(errs, fmt.Errorf("detach %s: %w", a.Name, err))
		}
	}
	if d.s != nil {
		errs = append(errs, d.s.Close())
	}
	if d.pool != nil {
		inUse := d.pool.InUse()
		fmt.Fprintf(d.out, "pool: %d/%d buffers free\n", d.pool.Cap()-inUse, d.pool.Cap())
		if inUse != 0 {
			errs = append(errs, fmt.Errorf("%w: %d of %d still in use after every interface was detached", ErrLeak, inUse, d.pool.Cap()))
		} else {
			errs = append(errs, d.pool.Close())
		}
	}
	if d.host != nil {
		errs = append(errs, d.host.Close())
	}
	d.pingMu.Lock()
	if len(d.pingFail) > 0 {
		errs = append(errs, fmt.Errorf("ping: no reply from %v", d.pingFail))
	}
	d.pingMu.Unlock()
	return errors.Join(errs...)
}

// ifname returns the name of the interface with index i.
func (d *daemon) ifname(i int) string {
	if ifc := d.s.Interface(i); ifc != nil {
		return ifc.Name()
	}
	return fmt.Sprintf("#%d", i)
}
