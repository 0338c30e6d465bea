package stack

import (
	"maps"
	"net/netip"
	"slices"

	"github.com/gopkt/gopkt/stack/route"
)

// AddAddress gives ifc the IPv4 address p.Addr() on subnet p, installs the
// connected route for the subnet (RFC 1812 §5.2.4.1: directly connected
// networks) and tells the protocols (IPv4 announces it with a gratuitous
// ARP).
func (s *Stack) AddAddress(ifc *Interface, p netip.Prefix) error {
	if !p.IsValid() || !p.Addr().Is4() || p.Addr().IsUnspecified() {
		return &OpError{Op: "add address", Interface: ifc.name, Err: ErrBadAddress, Fix: "want an IPv4 address with a prefix length, like 198.18.0.1/24"}
	}
	s.mu.Lock()
	a := p.Addr().As4()
	if s.LocalInterface(a) != 0 {
		s.mu.Unlock()
		return &OpError{Op: "add address " + p.String(), Interface: ifc.name, Err: ErrExists}
	}
	addrs := append(slices.Clone(ifc.Addresses()), p)
	ifc.addrs.Store(&addrs)
	local := maps.Clone(*s.local.Load())
	local[a] = ifc.index
	s.local.Store(&local)
	s.mu.Unlock()
	if p.Bits() < 32 {
		if err := s.routes.Add(route.Route{Prefix: p.Masked(), IfIndex: ifc.index, Kind: route.Connected}); err != nil {
			s.log.Debug("connected route", "err", err)
		}
	}
	for _, ob := range s.observers() {
		ob.AddressAdded(ifc, p)
	}
	return nil
}

// RemoveAddress takes the address p off ifc, with its connected route when
// no other address of ifc is on the same subnet.
func (s *Stack) RemoveAddress(ifc *Interface, p netip.Prefix) error {
	s.mu.Lock()
	addrs := slices.Clone(ifc.Addresses())
	i := slices.Index(addrs, p)
	if i < 0 {
		s.mu.Unlock()
		return &OpError{Op: "remove address " + p.String(), Interface: ifc.name, Err: ErrBadAddress, Fix: "not configured on this interface"}
	}
	addrs = slices.Delete(addrs, i, i+1)
	ifc.addrs.Store(&addrs)
	local := maps.Clone(*s.local.Load())
	delete(local, p.Addr().As4())
	s.local.Store(&local)
	shared := slices.ContainsFunc(addrs, func(o netip.Prefix) bool { return o.Masked() == p.Masked() })
	s.mu.Unlock()
	if !shared && p.Bits() < 32 {
		_ = s.routes.Delete(route.Route{Prefix: p.Masked(), IfIndex: ifc.index})
	}
	for _, ob := range s.observers() {
		ob.AddressRemoved(ifc, p)
	}
	return nil
}
