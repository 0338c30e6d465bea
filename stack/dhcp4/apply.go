package dhcp4

import (
	"errors"
	"net/netip"

	"github.com/gopkt/gopkt/stack/route"
)

// configure applies l to the interface: the address with its prefix, and
// the default route via the first router. It keeps what is already right.
func (c *Client) configure(l *Lease) {
	if c.cfg.NoApply {
		return
	}
	s := c.ifc.Stack()
	if c.applied != l.Addr {
		c.unconfigure()
		if err := s.AddAddress(c.ifc, l.Addr); err != nil {
			c.event(Event{Kind: EventError, Lease: *l, Err: err})
			return
		}
		c.applied = l.Addr
	}
	var want route.Route
	if len(l.Routers) > 0 && !c.cfg.NoDefaultRoute {
		want = route.Route{Prefix: netip.PrefixFrom(netip.IPv4Unspecified(), 0), Gateway: l.Routers[0], IfIndex: c.ifc.Index(), Kind: route.Static}
	}
	if want != c.route {
		if c.route.Prefix.IsValid() {
			_ = s.Routes().Delete(c.route)
			c.route = route.Route{}
		}
		if want.Prefix.IsValid() {
			if err := s.Routes().Add(want); err != nil && !errors.Is(err, route.ErrExists) {
				c.event(Event{Kind: EventError, Lease: *l, Err: err})
				return
			}
			c.route = want
		}
	}
}

// unconfigure removes what configure installed.
func (c *Client) unconfigure() {
	s := c.ifc.Stack()
	if c.route.Prefix.IsValid() {
		_ = s.Routes().Delete(c.route)
		c.route = route.Route{}
	}
	if c.applied.IsValid() {
		_ = s.RemoveAddress(c.ifc, c.applied)
		c.applied = netip.Prefix{}
	}
}
