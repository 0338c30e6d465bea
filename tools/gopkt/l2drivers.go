package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/bridge"
	"github.com/gopkt/gopkt/stack/iface/tun"
	"github.com/gopkt/gopkt/stack/iface/vlan"
)

// The L2 and point-to-point pseudo-devices as drivers: each -d line makes
// one interface at runtime through the stack's cloners (vlan, bridge) or a
// Linux TUN device (tun). Interfaces they build on must come from earlier
// -d lines (needer).

// needer is a driver that builds on interfaces loaded before it.
type needer interface{ Needs() []string }

// cloners are the stack cloners the daemon registers for these drivers.
type cloners struct {
	vlan   *vlan.Cloner
	bridge *bridge.Cloner
}

func newCloners() cloners { return cloners{vlan: vlan.NewCloner(), bridge: &bridge.Cloner{}} }

func (c cloners) list() []stack.Cloner { return []stack.Cloner{c.vlan, c.bridge} }

// vlanLoader: -d vlan parent=IFACE,vid=N[,name=vlanN], an IEEE 802.1Q
// interface on an earlier interface.
var vlanLoader = driverLoader{
	Name:  "vlan",
	Usage: "parent=em0,vid=5[,name=vlan5]  802.1Q VLAN on an interface loaded before it",
	Keys:  []string{"parent", "vid"},
	New: func(o options) (driver, error) {
		parent, ok := o.get("parent")
		if !ok {
			return nil, errors.New("missing parent=IFACE (an interface from an earlier -d)")
		}
		vid, err := o.intRange("vid", 0, 1, 4094)
		if err != nil {
			return nil, err
		}
		return &vlanDriver{parent: parent, vid: uint16(vid)}, nil
	},
}

type vlanDriver struct {
	parent string
	vid    uint16
	ifc    *stack.Interface
}

func (v *vlanDriver) Prefix() string     { return "vlan" }
func (v *vlanDriver) Needs() []string    { return []string{v.parent} }
func (v *vlanDriver) Open(*daemon) error { return nil }
func (v *vlanDriver) Service()           {}

// CheckName: the vlan cloner serves names vlan0, vlan1, ...
func (v *vlanDriver) CheckName(name string) error { return clonedName(name, "vlan") }

func (v *vlanDriver) Attach(d *daemon, name string) (*stack.Interface, error) {
	ifc, err := d.cloners.vlan.Add(d.s, name, vlan.Config{Parent: d.s.InterfaceByName(v.parent), VID: v.vid})
	if err != nil {
		return nil, err
	}
	v.ifc = ifc
	return ifc, nil
}

func (v *vlanDriver) Detach(d *daemon) error {
	if v.ifc == nil {
		return nil
	}
	err := d.s.Destroy(v.ifc.Name())
	v.ifc = nil
	return err
}

// bridgeLoader: -d bridge members=IFACE+IFACE...[,ageing=DUR][,stp=on]
// [,priority=N][,hello=DUR][,maxage=DUR][,fwddelay=DUR][,name=bridgeN], a
// learning bridge over earlier interfaces, with IEEE 802.1D spanning tree
// when stp=on (the timers default to 802.1D's 2 s, 20 s and 15 s; Linux's
// "ip link add … type bridge stp_state 1 priority N hello_time …" names
// the same settings).
var bridgeLoader = driverLoader{
	Name:  "bridge",
	Usage: "members=tap0+tap1[,ageing=300s][,stp=on[,priority=32768][,hello=2s][,maxage=20s][,fwddelay=15s]][,name=bridge0]  learning bridge over interfaces loaded before it",
	Keys:  []string{"members", "ageing", "stp", "priority", "hello", "maxage", "fwddelay"},
	New: func(o options) (driver, error) {
		m, ok := o.get("members")
		if !ok || m == "" {
			return nil, errors.New("missing members=IFACE+IFACE (interfaces from earlier -d lines, joined by +)")
		}
		ageing, err := o.duration("ageing", 0)
		if err != nil {
			return nil, err
		}
		b := &bridgeDriver{members: strings.Split(m, "+"), ageing: ageing}
		on, err := o.onOff("stp", false)
		if err != nil {
			return nil, err
		}
		if !on {
			for _, k := range []string{"priority", "hello", "maxage", "fwddelay"} {
				if _, ok := o.get(k); ok {
					return nil, fmt.Errorf("%s= needs stp=on", k)
				}
			}
			return b, nil
		}
		// 802.1D-1998 table 8-3: the priority is 0..65535 (802.1D-2004
		// keeps steps of 4096); 0 is STPOptions' "default", so 1 is the
		// lowest here.
		prio, err := o.intRange("priority", 32768, 1, 65535)
		if err != nil {
			return nil, err
		}
		so := &bridge.STPOptions{Priority: uint16(prio)}
		for _, d := range []struct {
			key string
			to  *time.Duration
		}{{"hello", &so.HelloTime}, {"maxage", &so.MaxAge}, {"fwddelay", &so.ForwardDelay}} {
			if *d.to, err = o.duration(d.key, 0); err != nil {
				return nil, err
			}
		}
		b.stp = so
		return b, nil
	},
}

type bridgeDriver struct {
	members []string
	ageing  time.Duration      // 0: the cloner's (300 s)
	stp     *bridge.STPOptions // nil: no spanning tree
	ifc     *stack.Interface
}

func (b *bridgeDriver) Prefix() string     { return "bridge" }
func (b *bridgeDriver) Needs() []string    { return b.members }
func (b *bridgeDriver) Open(*daemon) error { return nil }
func (b *bridgeDriver) Service()           {}

// CheckName: the bridge cloner serves names bridge0, bridge1, ...
func (b *bridgeDriver) CheckName(name string) error { return clonedName(name, "bridge") }

func (b *bridgeDriver) Attach(d *daemon, name string) (*stack.Interface, error) {
	br, err := d.cloners.bridge.Add(d.s, name)
	if err != nil {
		return nil, err
	}
	b.ifc = d.s.InterfaceByName(name)
	if b.ageing > 0 {
		if err := br.SetAgeingTime(b.ageing); err != nil {
			return nil, errors.Join(err, b.Detach(d))
		}
	}
	if b.stp != nil {
		if err := br.EnableSTP(*b.stp); err != nil {
			return nil, errors.Join(err, b.Detach(d))
		}
	}
	for _, m := range b.members {
		if _, err := br.AddMember(d.s.InterfaceByName(m)); err != nil {
			return nil, errors.Join(fmt.Errorf("member %s: %w", m, err), b.Detach(d))
		}
	}
	return b.ifc, nil
}

func (b *bridgeDriver) Detach(d *daemon) error {
	if b.ifc == nil {
		return nil
	}
	err := d.s.Destroy(b.ifc.Name()) // the members go back to the stack
	b.ifc = nil
	return err
}

// tunLoader: -d tun [linux=NAME][,mtu=N][,name=tunN], a Linux TUN device
// (L3, point to point).
var tunLoader = driverLoader{
	Name:  "tun",
	Usage: "[linux=tun0][,mtu=1500][,name=tun0]  Linux TUN device (IP, point to point); the kernel is the peer",
	Keys:  []string{"linux", "mtu"},
	New: func(o options) (driver, error) {
		t := &tunDriver{}
		t.linux, _ = o.get("linux")
		if len(t.linux) > 15 {
			return nil, fmt.Errorf("linux=%s: Linux interface names are at most 15 bytes", t.linux)
		}
		var err error
		if t.o.MTU, err = o.intRange("mtu", 1500, 68, tun.MaxMTU); err != nil {
			return nil, err
		}
		return t, nil
	},
}

type tunDriver struct {
	linux string
	o     tun.Options
	port  *tun.Port
	ifc   *stack.Interface
}

func (t *tunDriver) Prefix() string     { return "tun" }
func (t *tunDriver) Open(*daemon) error { return nil }
func (t *tunDriver) Service()           {}

func (t *tunDriver) Attach(d *daemon, name string) (*stack.Interface, error) {
	linux := t.linux
	if linux == "" {
		linux = name
	}
	p, err := tun.Open(linux, d.pool, t.o)
	if err != nil {
		return nil, err
	}
	ifc, err := d.s.Attach(name, p, stack.IfOptions{})
	if err != nil {
		return nil, errors.Join(err, p.Close())
	}
	t.port, t.ifc = p, ifc
	return ifc, nil
}

func (t *tunDriver) Detach(d *daemon) error {
	if t.ifc == nil {
		return nil
	}
	err := errors.Join(d.s.Detach(t.ifc), t.port.Close())
	t.ifc, t.port = nil, nil
	return err
}

// clonedName checks that name is prefix followed by a unit number, as the
// stack's cloners require.
func clonedName(name, prefix string) error {
	unit := strings.TrimPrefix(name, prefix)
	if !strings.HasPrefix(name, prefix) || unit == "" || strings.Trim(unit, "0123456789") != "" {
		return fmt.Errorf("name=%s: %s interfaces are named %s0, %s1 and so on", name, prefix, prefix, prefix)
	}
	return nil
}
