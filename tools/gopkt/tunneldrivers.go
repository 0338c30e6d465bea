package main

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/gif"
	"github.com/gopkt/gopkt/stack/iface/gre"
	"github.com/gopkt/gopkt/stack/ipv4"
)

// The IP tunnels as drivers: -d gre and -d gif make one tunnel interface
// each through the gre and gif modules, which are IPv4 transports
// (protocols 47 and 4) as well as cloners; the outer packets leave through
// whichever interface routes to remote=.

// tunnelModules are the tunnel kinds the daemon registers, as IPv4
// transports and stack cloners, whether or not a -d line uses them (with
// no tunnel, their protocols stay unreachable as before).
type tunnelModules struct {
	gre *gre.Module
	gif *gif.Module
}

func newTunnelModules() tunnelModules { return tunnelModules{gre: gre.New(), gif: gif.New()} }

func (m tunnelModules) transports() []ipv4.Transport {
	return []ipv4.Transport{m.gre, m.gif, m.gif.IPv6()}
}

func (m tunnelModules) cloners() []stack.Cloner { return []stack.Cloner{m.gre, m.gif} }

// tunnelEnds reads the options every tunnel has: local=, remote=, mtu=,
// ttl=.
func tunnelEnds(o options) (local, remote netip.Addr, mtu, ttl int, err error) {
	for _, e := range []struct {
		key string
		a   *netip.Addr
	}{{"local", &local}, {"remote", &remote}} {
		v, ok := o.get(e.key)
		if !ok {
			return local, remote, 0, 0, fmt.Errorf("missing %s=ADDR (the tunnel's outer IPv4 endpoints)", e.key)
		}
		if *e.a, err = parseAddr4(v); err != nil {
			return local, remote, 0, 0, fmt.Errorf("%s=%s: %w", e.key, v, err)
		}
	}
	if remote.IsMulticast() || remote.IsUnspecified() || local.IsUnspecified() {
		return local, remote, 0, 0, errors.New("local= and remote= must be unicast addresses")
	}
	if mtu, err = o.intRange("mtu", 0, 68, 2034); err != nil {
		return local, remote, 0, 0, err
	}
	ttl, err = o.intRange("ttl", 0, 1, 255)
	return local, remote, mtu, ttl, err
}

// greLoader: -d gre local=A,remote=B[,key=N][,seq=on][,csum=on][,mtu=N][,ttl=N][,name=greN].
var greLoader = driverLoader{
	Name:  "gre",
	Usage: "local=A,remote=B[,key=N][,seq=on][,csum=on][,mtu=N][,ttl=N][,name=gre0]  GRE tunnel (RFC 2784/2890); needs -p ipv4",
	Keys:  []string{"local", "remote", "key", "seq", "csum", "mtu", "ttl"},
	New: func(o options) (driver, error) {
		var c gre.Config
		local, remote, mtu, ttl, err := tunnelEnds(o)
		if err != nil {
			return nil, err
		}
		c.Local, c.Remote, c.MTU, c.TTL = local, remote, mtu, uint8(ttl)
		if _, c.HasKey = o.get("key"); c.HasKey {
			k, err := o.intRange("key", 0, 0, 1<<32-1)
			if err != nil {
				return nil, err
			}
			c.Key = uint32(k)
		}
		if c.Seq, err = o.onOff("seq", false); err != nil {
			return nil, err
		}
		if c.Checksum, err = o.onOff("csum", false); err != nil {
			return nil, err
		}
		return &tunnelDriver{prefix: "gre", add: func(d *daemon, name string) (*stack.Interface, error) {
			return d.tunnels.gre.Add(d.s, name, c)
		}}, nil
	},
}

// gifLoader: -d gif local=A,remote=B[,mtu=N][,ttl=N][,name=gifN].
var gifLoader = driverLoader{
	Name:  "gif",
	Usage: "local=A,remote=B[,mtu=N][,ttl=N][,name=gif0]  IPv4-in-IPv4 tunnel (RFC 2003); needs -p ipv4",
	Keys:  []string{"local", "remote", "mtu", "ttl"},
	New: func(o options) (driver, error) {
		local, remote, mtu, ttl, err := tunnelEnds(o)
		if err != nil {
			return nil, err
		}
		c := gif.Config{Local: local, Remote: remote, MTU: mtu, TTL: uint8(ttl)}
		return &tunnelDriver{prefix: "gif", add: func(d *daemon, name string) (*stack.Interface, error) {
			return d.tunnels.gif.Add(d.s, name, c)
		}}, nil
	},
}

// tunnelDriver is one -d gre or -d gif line.
type tunnelDriver struct {
	prefix string
	add    func(d *daemon, name string) (*stack.Interface, error)
	ifc    *stack.Interface
}

func (t *tunnelDriver) Prefix() string     { return t.prefix }
func (t *tunnelDriver) Open(*daemon) error { return nil }
func (t *tunnelDriver) Service()           {}

// NeedsIPv4: the tunnel sends and receives through IPv4.
func (t *tunnelDriver) NeedsIPv4() {}

// CheckName: the cloners serve names gre0, gif0, ...
func (t *tunnelDriver) CheckName(name string) error { return clonedName(name, t.prefix) }

func (t *tunnelDriver) Attach(d *daemon, name string) (*stack.Interface, error) {
	ifc, err := t.add(d, name)
	if err != nil {
		return nil, err
	}
	t.ifc = ifc
	return ifc, nil
}

func (t *tunnelDriver) Detach(d *daemon) error {
	if t.ifc == nil {
		return nil
	}
	err := d.s.Destroy(t.ifc.Name())
	t.ifc = nil
	return err
}
