package ipv6

import (
	"crypto/rand"
	"encoding/binary"
	"maps"
	"net/netip"
	"slices"
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/wire"
)

// ifState is IPv6's per-interface state: the unicast addresses and the
// multicast groups the interface listens to. Both are read lock-free on
// the data path and replaced whole under IPv6.mu.
type ifState struct {
	ifc    *stack.Interface
	addrs  atomic.Pointer[[]netip.Prefix]
	tent   atomic.Pointer[[]netip.Prefix] // tentative: under duplicate address detection
	depr   atomic.Pointer[[]netip.Prefix] // deprecated: preferred lifetime over (addrinfo.go)
	groups atomic.Pointer[[][16]byte]
	params atomic.Pointer[linkParams] // host variables (linkparams.go)
}

func (s *ifState) tentative() []netip.Prefix {
	if p := s.tent.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *ifState) isTentative(a [16]byte) bool {
	for _, p := range s.tentative() {
		if p.Addr().As16() == a {
			return true
		}
	}
	return false
}

func (s *ifState) addresses() []netip.Prefix {
	if p := s.addrs.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *ifState) joined(g [16]byte) bool {
	if p := s.groups.Load(); p != nil {
		return slices.Contains(*p, g)
	}
	return false
}

func (ip *IPv6) ifState(i int) *ifState {
	t := *ip.ifs.Load()
	if i <= 0 || i >= len(t) {
		return nil
	}
	return t[i]
}

// LinkLocal returns the link-local address fe80::/64 with the modified
// EUI-64 interface identifier of mac (RFC 4291 §2.5.1 and Appendix A:
// ff:fe in the middle, the universal/local bit inverted).
func LinkLocal(mac wire.MAC) netip.Addr {
	return netip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80,
		8: mac[0] ^ 0x02, 9: mac[1], 10: mac[2], 11: 0xff, 12: 0xfe, 13: mac[3], 14: mac[4], 15: mac[5]})
}

// allNodes is ff02::1 (RFC 4291 §2.7.1); allRouters ff02::2.
var (
	allNodes        = [16]byte{0: 0xff, 1: 0x02, 15: 1}
	allNodesIfLocal = [16]byte{0: 0xff, 1: 0x01, 15: 1}
)

// AddAddress gives ifc the IPv6 address p.Addr() with on-link prefix p.
// Unless duplicate address detection is off (Options.DADTransmits < 0, or
// a loopback) the address is tentative first (RFC 4862 §5.4): the
// interface joins its solicited-node group and solicits for it from the
// unspecified address; only when nobody answers within DADTransmits ×
// RetransTimer does it become usable (WaitDAD waits for that). A usable
// address is local, and its prefix becomes a connected route (a /128 adds
// none).
func (ip *IPv6) AddAddress(ifc *stack.Interface, p netip.Prefix) error {
	a := p.Addr()
	if !p.IsValid() || !a.Is6() || a.Is4In6() || a.IsUnspecified() || a.IsMulticast() || a.Zone() != "" {
		return &stack.OpError{Op: "add address", Interface: ifc.Name(), Err: ErrBadAddress,
			Fix: "want an IPv6 unicast address with a prefix length, like 2001:db8::1/64"}
	}
	ip.mu.Lock()
	st := ip.ifState(ifc.Index())
	if st == nil {
		ip.mu.Unlock()
		return &stack.OpError{Op: "add address " + p.String(), Interface: ifc.Name(), Err: ErrNoInterface}
	}
	k := a.As16()
	if _, dup := (*ip.local.Load())[k]; dup && !a.IsLinkLocalUnicast() || st.hasAddress(k) || st.isTentative(k) {
		ip.mu.Unlock()
		return &stack.OpError{Op: "add address " + p.String(), Interface: ifc.Name(), Err: ErrExists}
	}
	if ip.o.DADTransmits < 0 || ifc.Flags()&stack.FlagLoopback != 0 {
		ip.commitLocked(st, p)
		ip.mu.Unlock()
		ip.updateGroups(ifc.Index())
		return nil
	}
	ip.startDADLocked(st, p)
	ip.mu.Unlock()
	ip.updateGroups(ifc.Index())
	ip.dadTick(ip.o.Clock.Now()) // the first solicitation at once
	return nil
}

// commitLocked makes p a usable address of st, its connected route first:
// an address that is local but not yet routed would accept a packet and
// then have no route for the answer (a peer's first echo request, sent
// the moment it resolved us, was lost that way). The route table does
// not call back into IPv6, so adding to it under ip.mu cannot deadlock.
func (ip *IPv6) commitLocked(st *ifState, p netip.Prefix) {
	if p.Bits() < 128 {
		if err := ip.routes.Add(route.Route{Prefix: p.Masked(), IfIndex: st.ifc.Index(), Kind: route.Connected}); err != nil {
			ip.s.Logger().Debug("ipv6: connected route", "prefix", p.Masked(), "err", err)
		}
	}
	addrs := append(slices.Clone(st.addresses()), p)
	st.addrs.Store(&addrs)
	if a := p.Addr(); !a.IsLinkLocalUnicast() {
		nl := maps.Clone(*ip.local.Load())
		nl[a.As16()] = st.ifc.Index()
		ip.local.Store(&nl)
	}
	ip.invalidateFlows() // a cached destination or source may be ours now
}

// RemoveAddress takes p off ifc, with its connected route when no other
// address of ifc has the same prefix.
func (ip *IPv6) RemoveAddress(ifc *stack.Interface, p netip.Prefix) error {
	ip.mu.Lock()
	st := ip.ifState(ifc.Index())
	if st == nil {
		ip.mu.Unlock()
		return &stack.OpError{Op: "remove address " + p.String(), Interface: ifc.Name(), Err: ErrNoInterface}
	}
	if ip.cancelDADLocked(st, p, ErrNoAddress) {
		ip.mu.Unlock()
		ip.updateGroups(ifc.Index())
		return nil
	}
	addrs := slices.Clone(st.addresses())
	i := slices.Index(addrs, p)
	if i < 0 {
		ip.mu.Unlock()
		return &stack.OpError{Op: "remove address " + p.String(), Interface: ifc.Name(), Err: ErrNoAddress}
	}
	addrs = slices.Delete(addrs, i, i+1)
	st.addrs.Store(&addrs)
	if k := p.Addr().As16(); (*ip.local.Load())[k] == ifc.Index() {
		nl := maps.Clone(*ip.local.Load())
		delete(nl, k)
		ip.local.Store(&nl)
	}
	ip.invalidateFlows()
	shared := slices.ContainsFunc(addrs, func(o netip.Prefix) bool { return o.Masked() == p.Masked() })
	ip.mu.Unlock()
	if !shared && p.Bits() < 128 {
		_ = ip.routes.Delete(route.Route{Prefix: p.Masked(), IfIndex: ifc.Index()})
	}
	ip.updateGroups(ifc.Index())
	return nil
}

// Addresses returns ifc's IPv6 addresses.
func (ip *IPv6) Addresses(ifc *stack.Interface) []netip.Prefix {
	if st := ip.ifState(ifc.Index()); st != nil {
		return slices.Clone(st.addresses())
	}
	return nil
}

// Groups returns the multicast groups ifc listens to.
func (ip *IPv6) Groups(ifc *stack.Interface) []netip.Addr {
	st := ip.ifState(ifc.Index())
	if st == nil || st.groups.Load() == nil {
		return nil
	}
	var out []netip.Addr
	for _, g := range *st.groups.Load() {
		out = append(out, netip.AddrFrom16(g))
	}
	return out
}

// updateGroups recomputes the groups of interface i: all-nodes (link and
// interface-local) and the solicited-node group of every address
// (RFC 4291 §2.8), then programs the port's multicast filter with their
// Ethernet addresses when the port has one (hw/port.Filter).
func (ip *IPv6) updateGroups(i int) {
	ip.mu.Lock()
	st := ip.ifState(i)
	if st == nil {
		ip.mu.Unlock()
		return
	}
	groups := [][16]byte{allNodes, allNodesIfLocal}
	for _, p := range append(st.addresses(), st.tentative()...) {
		g := wire.SolicitedNode(p.Addr().As16())
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	var old [][16]byte
	if o := st.groups.Load(); o != nil {
		old = *o
	}
	if slices.Equal(old, groups) {
		ip.mu.Unlock()
		return
	}
	st.groups.Store(&groups)
	if f, ok := st.ifc.Port().(port.Filter); ok {
		var macs [][6]byte
		for _, g := range groups {
			m := wire.MulticastMAC6(g)
			if !slices.Contains(macs, [6]byte(m)) {
				macs = append(macs, m)
			}
		}
		if err := f.SetMulticast(macs); err != nil {
			ip.s.Logger().Debug("ipv6: multicast filter", "interface", st.ifc.Name(), "err", err)
		}
	}
	ip.mu.Unlock()
	var joined, left [][16]byte
	for _, g := range groups {
		if !slices.Contains(old, g) {
			joined = append(joined, g)
		}
	}
	for _, g := range old {
		if !slices.Contains(groups, g) {
			left = append(left, g)
		}
	}
	ip.mldChange(st.ifc, mldRecToExclude, joined)
	ip.mldChange(st.ifc, mldRecToInclude, left)
}

// LocalInterface returns the index of the interface owning the global (or
// unique local) unicast address a, or 0. Link-local addresses are per
// interface and not in this table.
func (ip *IPv6) LocalInterface(a [16]byte) int { return (*ip.local.Load())[a] }

// hasAddress reports whether a is one of ifc's addresses.
func (st *ifState) hasAddress(a [16]byte) bool {
	for _, p := range st.addresses() {
		if p.Addr().As16() == a {
			return true
		}
	}
	return false
}

// scope returns the scope of a (RFC 4291 §2.7 for multicast; RFC 6724
// §3.1: link-local unicast and loopback are link scope 2, the rest global
// 14).
func scope(a [16]byte) int {
	switch {
	case a[0] == 0xff:
		return int(a[1] & 0x0f)
	case a[0] == 0xfe && a[1]&0xc0 == 0x80, a == [16]byte{15: 1}:
		return 2
	}
	return 14
}

// commonPrefix is the number of leading bits a and b share.
func commonPrefix(a, b [16]byte) int {
	n := 0
	for i := range 16 {
		x := a[i] ^ b[i]
		if x == 0 {
			n += 8
			continue
		}
		for x&0x80 == 0 {
			n++
			x <<= 1
		}
		return n
	}
	return n
}

// sourceFor picks the source address for dst out of ifc's addresses
// (RFC 6724 §5, the rules that apply to a node without temporary
// addresses: 1 prefer dst itself, 2 prefer the smallest scope not below
// dst's, 3 avoid deprecated addresses, 5 the outgoing interface (only its
// addresses are candidates), 8 the longest matching prefix).
func (st *ifState) sourceFor(dst [16]byte) ([16]byte, bool) {
	ds := scope(dst)
	var best [16]byte
	bs, bl, found, bd := 0, -1, false, false
	for _, p := range st.addresses() {
		a := p.Addr().As16()
		if a == dst {
			return a, true
		}
		s := scope(a)
		l := commonPrefix(a, dst)
		d := st.isDeprecated(p)
		better := !found
		if found {
			switch {
			case bs < ds || s < ds: // rule 2: one of them below dst's scope
				better = s > bs
			case s != bs:
				better = s < bs
			case d != bd: // rule 3
				better = !d
			default:
				better = l > bl
			}
		}
		if better {
			best, bs, bl, found, bd = a, s, l, true, d
		}
	}
	return best, found
}

func randUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return binary.BigEndian.Uint32(b[:])
}
