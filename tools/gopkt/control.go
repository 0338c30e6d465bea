package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/user"
	"slices"
	"strconv"
	"strings"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/tcp"
	"github.com/gopkt/gopkt/stack/wire"
)

// The control service (--control PATH): package control's server on a
// Unix socket, with the handlers below reading and changing the running
// daemon. Handlers that change the daemon's driver list hold d.mu;
// the stack's own methods are safe from any goroutine.

// startControl listens on the control socket and serves until stop.
func (d *daemon) startControl(ctx context.Context) error {
	if d.cfg.Control == "" {
		return nil
	}
	gids, err := lookupGroups(d.cfg.ControlGroups)
	if err != nil {
		return err
	}
	srv, err := control.Listen(d.cfg.Control, control.ServerOptions{GIDs: gids, Logger: d.log})
	if err != nil {
		return fmt.Errorf("--control %s: %w", d.cfg.Control, err)
	}
	unary := map[string]control.Handler{
		control.VerbInterfaces: func(context.Context, json.RawMessage) (any, error) { return d.ctlInterfaces(), nil },
		control.VerbIfconfig:   d.ctlIfconfig,
		control.VerbRoutes:     func(context.Context, json.RawMessage) (any, error) { return d.ctlRoutes(), nil },
		control.VerbRouteAdd:   func(_ context.Context, a json.RawMessage) (any, error) { return nil, d.ctlRoute(a, true) },
		control.VerbRouteDel:   func(_ context.Context, a json.RawMessage) (any, error) { return nil, d.ctlRoute(a, false) },
		control.VerbNeighbours: func(context.Context, json.RawMessage) (any, error) { return d.ctlNeighbours(), nil },
		control.VerbSockets:    func(context.Context, json.RawMessage) (any, error) { return d.ctlSockets(), nil },
		control.VerbStats: func(context.Context, json.RawMessage) (any, error) {
			return control.Stats{Groups: d.counterGroups()}, nil
		},
		control.VerbMount:   d.ctlMount,   // ctlmount.go
		control.VerbUmount:  d.ctlUmount,  // ctlmount.go
		control.VerbDrivers: d.ctlDrivers, // ctlmount.go
		control.VerbPing:    d.ctlPing,    // ctlping.go
		control.VerbProtocols: func(context.Context, json.RawMessage) (any, error) {
			return d.ctlProtocols(), nil
		}, // ctlproto.go
		control.VerbLoad:   d.ctlLoad,   // ctlproto.go
		control.VerbUnload: d.ctlUnload, // ctlproto.go
	}
	for verb, h := range unary {
		srv.Handle(verb, h)
	}
	srv.HandleStream(control.VerbDump, d.ctlDump)     // ctlstream.go
	srv.HandleStream(control.VerbLogFollow, d.ctlLog) // ctlstream.go
	srv.Handle(control.VerbLog, d.ctlLogTail)
	srv.HandlePipe(control.VerbDial, d.ctlDial)     // ctldial.go
	srv.HandlePipe(control.VerbListen, d.ctlListen) // ctllisten.go
	srv.HandlePipe(control.VerbAccept, d.ctlAccept) // ctllisten.go
	srv.HandlePipe(control.VerbUDP, d.ctlUDP)       // ctludp.go
	d.ctl = srv
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := srv.Serve(ctx); err != nil {
			d.log.Error("control: serve", "err", err)
		}
	}()
	d.log.Info("control socket listening", "path", srv.Path(), "gids", gids)
	return nil
}

// lookupGroups resolves --control-group names or numbers.
func lookupGroups(names []string) ([]uint32, error) {
	var gids []uint32
	for _, n := range names {
		if id, err := strconv.ParseUint(n, 10, 32); err == nil {
			gids = append(gids, uint32(id))
			continue
		}
		g, err := user.LookupGroup(n)
		if err != nil {
			return nil, fmt.Errorf("--control-group %s: %w (create it with groupadd, or give a numeric gid)", n, err)
		}
		id, err := strconv.ParseUint(g.Gid, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("--control-group %s: gid %q: %w", n, g.Gid, err)
		}
		gids = append(gids, uint32(id))
	}
	return gids, nil
}

// findIface returns the named interface, or a not-found error listing
// the interfaces there are.
func (d *daemon) findIface(name string) (*stack.Interface, error) {
	if ifc := d.s.InterfaceByName(name); ifc != nil {
		return ifc, nil
	}
	var names []string
	for _, ifc := range d.s.Interfaces() {
		names = append(names, ifc.Name())
	}
	return nil, control.Errorf(control.ErrNotFound, "no interface %q (interfaces: %s)", name, strings.Join(names, ", "))
}

// driverOf names the loader of an interface ("" for built-ins such as lo0).
func (d *daemon) driverOf(ifc *stack.Interface) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, f := range d.ifaces {
		if f.ifc == ifc {
			return f.arg.Loader
		}
	}
	return ""
}

func (d *daemon) ifaceInfo(ifc *stack.Interface) control.Interface {
	fl := ifc.Flags()
	var flags []string
	if s := strings.Trim(fl.String(), "<>"); s != "" {
		flags = strings.Split(s, ",")
	}
	addrs := []string{}
	for _, a := range ifc.Addresses() {
		addrs = append(addrs, a.String())
	}
	if d.ip6 != nil {
		for _, a := range d.ip6.Addresses(ifc) {
			addrs = append(addrs, a.String())
		}
	}
	return control.Interface{Name: ifc.Name(), Index: ifc.Index(), Driver: d.driverOf(ifc), Flags: flags,
		MTU: ifc.MTU(), MAC: ifc.MAC().String(), Link: ifc.Link().String(), Addrs: addrs,
		Counters: control.Counters(ifc.Counters())}
}

func (d *daemon) ctlInterfaces() []control.Interface {
	out := []control.Interface{}
	for _, ifc := range d.s.Interfaces() {
		out = append(out, d.ifaceInfo(ifc))
	}
	return out
}

// ctlIfconfig: up or down, then address deletions and additions.
func (d *daemon) ctlIfconfig(_ context.Context, args json.RawMessage) (any, error) {
	var r control.IfconfigRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, err
	}
	if r.Up && r.Down {
		return nil, control.Errorf(control.ErrBadRequest, "up and down at once")
	}
	ifc, err := d.findIface(r.Iface)
	if err != nil {
		return nil, err
	}
	parse := func(s string) (netip.Prefix, error) {
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Addr().Zone() != "" {
			return p, control.Errorf(control.ErrBadRequest, "address %q: want ADDR/LEN such as 198.18.0.2/24 or 2001:db8::2/64", s)
		}
		if p.Addr().Is4() && d.ip == nil {
			return p, control.Errorf(control.ErrBadRequest, "IPv4 is not loaded (start gopkt with -p ipv4)")
		}
		if p.Addr().Is6() && d.ip6 == nil {
			return p, control.Errorf(control.ErrBadRequest, "IPv6 is not loaded (start gopkt with -p ipv6)")
		}
		return p, nil
	}
	for _, a := range r.DelAddr {
		p, err := parse(a)
		if err != nil {
			return nil, err
		}
		has, remove := ifc.Addresses(), d.s.RemoveAddress
		if p.Addr().Is6() {
			has, remove = d.ip6.Addresses(ifc), d.ip6.RemoveAddress
		}
		if !slices.Contains(has, p) {
			return nil, control.Errorf(control.ErrNotFound, "%s has no address %v (it has %v)", ifc.Name(), p, has)
		}
		if err := remove(ifc, p); err != nil {
			return nil, err
		}
		d.log.Info("address deleted", "iface", ifc.Name(), "addr", p)
	}
	for _, a := range r.AddAddr {
		p, err := parse(a)
		if err != nil {
			return nil, err
		}
		add := d.s.AddAddress
		if p.Addr().Is6() {
			add = d.ip6.AddAddress
		}
		if err := add(ifc, p); err != nil {
			return nil, err
		}
		d.log.Info("address added", "iface", ifc.Name(), "addr", p)
	}
	switch {
	case r.Up:
		ifc.SetFlags(stack.FlagUp, 0)
		d.log.Info("interface up", "iface", ifc.Name())
	case r.Down:
		ifc.SetFlags(0, stack.FlagUp)
		d.log.Info("interface down", "iface", ifc.Name())
	}
	return d.ifaceInfo(ifc), nil
}

func (d *daemon) ctlRoutes() []control.Route {
	out := []control.Route{}
	rs := d.s.Routes().Routes()
	if d.ip6 != nil {
		rs = append(rs, d.ip6.Routes().Routes()...)
	}
	for _, r := range rs {
		cr := control.Route{Dest: r.Prefix.String(), Iface: d.ifname(r.IfIndex), Metric: r.Metric, Kind: r.Kind.String()}
		if r.Gateway.IsValid() {
			cr.Gateway = r.Gateway.String()
		}
		out = append(out, cr)
	}
	return out
}

// ctlRoute adds or deletes a static route, checked as --route is: IPv4 in
// the stack's table, IPv6 in IPv6's ("default" is IPv4's, ::/0 IPv6's; an
// IPv6 gateway may name its interface as a zone, fe80::1%em0).
func (d *daemon) ctlRoute(args json.RawMessage, add bool) error {
	var r control.RouteRequest
	if err := control.Decode(args, &r); err != nil {
		return err
	}
	rt := route.Route{Kind: route.Static}
	if r.Dest == "default" {
		rt.Prefix = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	} else {
		p, err := netip.ParsePrefix(r.Dest)
		if err != nil || p != p.Masked() || p.Addr().Zone() != "" {
			return control.Errorf(control.ErrBadRequest, "destination %q: want a masked prefix (198.18.5.0/24, 2001:db8:5::/64), or default", r.Dest)
		}
		rt.Prefix = p
	}
	v6 := rt.Prefix.Addr().Is6()
	var table interface {
		Add(route.Route) error
		Delete(route.Route) error
	}
	var lookup func(netip.Addr) (route.Route, bool)
	switch {
	case v6 && d.ip6 == nil:
		return control.Errorf(control.ErrBadRequest, "IPv6 is not loaded (start gopkt with -p ipv6)")
	case v6:
		table, lookup = d.ip6.Routes(), func(a netip.Addr) (route.Route, bool) { return d.ip6.Routes().Lookup(a.As16()) }
	default:
		table, lookup = d.s.Routes(), func(a netip.Addr) (route.Route, bool) { return d.s.Routes().Lookup(a.As4()) }
	}
	switch {
	case !v6 && d.ip == nil:
		return control.Errorf(control.ErrBadRequest, "IPv4 is not loaded (start gopkt with -p ipv4)")
	}
	if r.Gateway != "" {
		gw, err := netip.ParseAddr(r.Gateway)
		if err != nil || gw.Is6() != v6 || gw.Is4In6() {
			return control.Errorf(control.ErrBadRequest, "gateway %q: want an %s address, as the destination", r.Gateway, map[bool]string{false: "IPv4", true: "IPv6"}[v6])
		}
		if z := gw.Zone(); z != "" && r.Iface == "" {
			r.Iface = z
		}
		rt.Gateway = gw.WithZone("")
	}
	switch {
	case r.Iface != "":
		ifc, err := d.findIface(r.Iface)
		if err != nil {
			return err
		}
		rt.IfIndex = ifc.Index()
	case rt.Gateway.IsValid():
		c, ok := lookup(rt.Gateway)
		if !ok || c.Gateway.IsValid() {
			return control.Errorf(control.ErrBadRequest, "gateway %v is not on a connected network (add an address on its subnet first)", rt.Gateway)
		}
		rt.IfIndex = c.IfIndex
	default:
		return control.Errorf(control.ErrBadRequest, "a route needs a gateway or an interface")
	}
	if !add {
		if err := table.Delete(rt); err != nil {
			return control.Errorf(control.ErrNotFound, "%v: %v", rt, err)
		}
		d.log.Info("route deleted", "route", rt.String())
		return nil
	}
	if err := table.Add(rt); err != nil {
		return err
	}
	d.log.Info("route added", "route", rt.String())
	return nil
}

func (d *daemon) ctlNeighbours() []control.Neighbour {
	out := []control.Neighbour{}
	if d.ip == nil {
		return d.ctlNeighbours6(out)
	}
	for _, n := range d.ip.Neighbours() {
		cn := control.Neighbour{Proto: "arp", Addr: n.Addr.String(), Iface: d.ifname(n.IfIndex), State: n.State.String(), Queued: n.Queued}
		if n.MAC != (wire.MAC{}) {
			cn.MAC = n.MAC.String()
		}
		out = append(out, cn)
	}
	return d.ctlNeighbours6(out)
}

// ctlNeighbours6 appends IPv6's neighbour discovery cache.
func (d *daemon) ctlNeighbours6(out []control.Neighbour) []control.Neighbour {
	if d.ip6 == nil {
		return out
	}
	for _, n := range d.ip6.Neighbours() {
		cn := control.Neighbour{Proto: "ndp", Addr: n.Addr.String(), Iface: d.ifname(n.IfIndex), State: n.State.String(), Queued: n.Queued}
		if n.MAC != (wire.MAC{}) {
			cn.MAC = n.MAC.String()
		}
		out = append(out, cn)
	}
	return out
}

func (d *daemon) ctlSockets() []control.Socket {
	d.protoMu.RLock() // udp and tcp (ctlproto.go)
	defer d.protoMu.RUnlock()
	out := []control.Socket{}
	addr := func(a netip.AddrPort) string {
		if !a.IsValid() {
			return "*:*"
		}
		if a.Addr().IsUnspecified() {
			return "*:" + strconv.Itoa(int(a.Port()))
		}
		return a.String()
	}
	if d.udp != nil {
		for _, s := range d.udp.Sockets() {
			out = append(out, control.Socket{Proto: "udp", Local: addr(s.Local), Remote: addr(s.Remote), RecvQ: s.RecvQueue})
		}
	}
	if d.tcp != nil {
		ls := d.tcp.Listeners()
		slices.SortFunc(ls, func(a, b netip.AddrPort) int { return a.Compare(b) })
		for _, l := range ls {
			out = append(out, control.Socket{Proto: "tcp", Local: addr(l), Remote: "*:*", State: "LISTEN"})
		}
		cs := d.tcp.Connections()
		slices.SortFunc(cs, func(a, b tcp.ConnInfo) int {
			if c := a.Local.Compare(b.Local); c != 0 {
				return c
			}
			return a.Remote.Compare(b.Remote)
		})
		for _, c := range cs {
			out = append(out, control.Socket{Proto: "tcp", Local: addr(c.Local), Remote: addr(c.Remote), State: c.State.String(),
				RecvQ: c.RecvQueue, SendQ: c.SendQueue})
		}
	}
	return out
}
