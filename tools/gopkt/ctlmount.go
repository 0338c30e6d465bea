package main

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/stack"
)

// Runtime mount and unmount (io-pkt's "mount -T io-pkt", "umount"): a
// driver from the same registry as -d, with the same option syntax and
// checks, attached to the running stack; unmount detaches the interface
// (its addresses and routes go with it), and the driver quiesces the
// device and returns its ring buffers to the pool (e1000: Quiesce, RX and
// TX rings freed, the VFIO function closed; tap: the fd closed). A mount
// grows the budget's reserve by what the driver's rings and caches hold
// (to what it would be had the driver been loaded with -d) or is refused
// when the pool cannot serve them, and an unmount shrinks it again
// (budget.go).

// errStopping refuses control changes once the daemon is stopping.
var errStopping = errors.New("the daemon is stopping")

func (d *daemon) ctlDrivers(context.Context, json.RawMessage) (any, error) {
	var out []control.Driver
	for _, l := range d.reg.drivers {
		out = append(out, control.Driver{Name: l.Name, Usage: l.Usage})
	}
	return out, nil
}

func (d *daemon) ctlMount(_ context.Context, args json.RawMessage) (any, error) {
	var r control.MountRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, err
	}
	ifc, err := d.mount(r.Driver, r.Options)
	if err != nil {
		return nil, err
	}
	return d.ifaceInfo(ifc), nil
}

// mount parses "DRIVER OPTIONS" as -d would, then opens and attaches it.
func (d *daemon) mount(drv, opts string) (*stack.Interface, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return nil, control.Errorf(errStopping, "%v", errStopping)
	}
	// A scratch config with the live driver list: addDriver's checks
	// (known driver and options, free name, device not loaded twice,
	// interfaces it builds on present) are the command line's.
	c := &config{Drivers: slices.Clone(d.drivers), Protos: d.cfg.Protos}
	if err := c.addDriver(d.reg, strings.TrimSpace(drv+" "+opts)); err != nil {
		return nil, control.Errorf(control.ErrBadRequest, "%s", strings.TrimPrefix(err.Error(), "-d "))
	}
	a := c.Drivers[len(c.Drivers)-1]
	a.Arg = "mount " + strings.TrimPrefix(a.Arg, "-d ")
	if d.s.InterfaceByName(a.Name) != nil {
		return nil, control.Errorf(control.ErrExists, "interface %s exists; give the driver another name=", a.Name)
	}
	old, err := d.growReserve(a.Drv, d.drivers)
	if err != nil {
		d.log.Warn("mount refused", "driver", a.Arg, "err", err)
		return nil, err
	}
	if err := a.Drv.Open(d); err != nil {
		_ = d.s.Budget().SetReserve(old)
		return nil, err
	}
	ifc, err := a.Drv.Attach(d, a.Name)
	if err != nil {
		_ = d.s.Budget().SetReserve(old)
		return nil, errors.Join(err, a.Drv.Detach(d))
	}
	if d.cfg.Protos.arpOff {
		ifc.SetFlags(stack.FlagNoARP, 0)
	}
	d.drivers = append(d.drivers, a)
	d.ifaces = append(d.ifaces, iface{arg: a, ifc: ifc})
	d.log.Info("mounted", "iface", a.Name, "driver", a.Loader, "mac", ifc.MAC(), "mtu", ifc.MTU(), "reserve", d.s.Budget().Reserve())
	return ifc, nil
}

func (d *daemon) ctlUmount(_ context.Context, args json.RawMessage) (any, error) {
	var r control.UmountRequest
	if err := control.Decode(args, &r); err != nil {
		return nil, err
	}
	return nil, d.umount(r.Iface)
}

// umount detaches a driver's interface and closes its device. Interfaces
// other drivers build on (a vlan parent, a bridge member) and interfaces
// with a --dump stay.
func (d *daemon) umount(name string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopping {
		return control.Errorf(errStopping, "%v", errStopping)
	}
	i := slices.IndexFunc(d.drivers, func(a driverArg) bool { return a.Name == name })
	if i < 0 {
		var names []string
		for _, a := range d.drivers {
			names = append(names, a.Name)
		}
		return control.Errorf(control.ErrNotFound, "no driver-made interface %q (mounted: %s; lo0 is built in)", name, strings.Join(names, ", "))
	}
	for _, a := range d.drivers {
		if n, ok := a.Drv.(needer); ok && slices.Contains(n.Needs(), name) {
			return control.Errorf(control.ErrBadRequest, "%s builds on %s: unmount %s first", a.Name, name, a.Name)
		}
	}
	for _, dp := range d.dumps {
		if dp.arg.Iface == name {
			return control.Errorf(control.ErrBadRequest, "%s has a --dump running into %s until the daemon stops", name, dp.arg.File)
		}
	}
	a := d.drivers[i]
	err := a.Drv.Detach(d)
	d.drivers = slices.Delete(d.drivers, i, i+1)
	d.ifaces = slices.DeleteFunc(d.ifaces, func(f iface) bool { return f.arg.Name == name })
	d.shrinkReserve() // budget.go
	if err != nil {
		d.log.Error("unmount", "iface", name, "err", err)
		return err
	}
	d.log.Info("unmounted", "iface", name, "driver", a.Loader, "pool in use", d.pool.InUse(), "reserve", d.s.Budget().Reserve())
	return nil
}
