package ipv6

import (
	"net/netip"
	"slices"
	"time"

	"github.com/gopkt/gopkt/stack"
)

// The life of an address as a user sees it (RFC 4862 §2, §5.5.4): tentative
// while duplicate address detection runs, then preferred, deprecated once
// the preferred lifetime a router advertised has passed (still valid: what
// uses it keeps it, but source selection avoids it for anything new, RFC
// 6724 §5 rule 3), and gone when the valid lifetime ends. An address DAD
// found in use by another node is shown as a duplicate until it is added
// again.

// AddrState is where an address is in its life.
type AddrState uint8

// Address states.
const (
	AddrTentative  AddrState = iota // under duplicate address detection: not used yet
	AddrPreferred                   // usable
	AddrDeprecated                  // preferred lifetime over: kept, not chosen for new communication
	AddrDuplicate                   // another node on the link has it: not assigned
)

func (s AddrState) String() string {
	return [...]string{"tentative", "preferred", "deprecated", "duplicate"}[s]
}

// AddrOrigin says where an address came from.
type AddrOrigin uint8

// Address origins.
const (
	OriginManual    AddrOrigin = iota // AddAddress
	OriginLinkLocal                   // fe80::/64 from the MAC (RFC 4291 Appendix A)
	OriginSLAAC                       // a router advertisement's prefix (RFC 4862 §5.5.3, RFC 7217)
)

func (o AddrOrigin) String() string {
	return [...]string{"manual", "link-local", "slaac"}[o]
}

// Forever is the remaining lifetime of an address that does not expire
// (an advertised lifetime of 0xffffffff, or a manual address).
const Forever time.Duration = -1

// AddrInfo describes one address of an interface.
type AddrInfo struct {
	Prefix netip.Prefix
	State  AddrState
	Origin AddrOrigin
	// Remaining valid and preferred lifetimes (RFC 4862 §5.5.3), Forever
	// when they do not end.
	Valid, Preferred time.Duration
	// DADCounter is the RFC 7217 DAD_Counter the identifier was formed
	// with (SLAAC): 0 first, one more after each duplicate.
	DADCounter int
}

// AddressInfo lists ifc's addresses with their state: usable ones (in the
// order added), then tentative ones, then those found duplicate.
func (ip *IPv6) AddressInfo(ifc *stack.Interface) []AddrInfo {
	now := ip.o.Clock.Now()
	ip.mu.Lock()
	defer ip.mu.Unlock()
	st := ip.ifState(ifc.Index())
	if st == nil {
		return nil
	}
	slaac := map[netip.Prefix]*slaacAddr{}
	var prefixes []netip.Prefix // autoconfigured prefixes, for duplicates
	for k, sa := range ip.ac.addrs {
		if k.ifindex == ifc.Index() {
			slaac[sa.p] = sa
			prefixes = append(prefixes, k.prefix)
		}
	}
	info := func(p netip.Prefix, s AddrState) AddrInfo {
		in := AddrInfo{Prefix: p, State: s, Valid: Forever, Preferred: Forever}
		if p.Addr() == LinkLocal(ifc.MAC()) {
			in.Origin = OriginLinkLocal
		}
		if sa := slaac[p]; sa != nil {
			in.Origin, in.DADCounter = OriginSLAAC, sa.counter
			if !sa.infinite {
				in.Valid = max(0, sa.expires.Sub(now))
			}
			if !sa.prefInfinite {
				in.Preferred = max(0, sa.preferred.Sub(now))
			}
		}
		return in
	}
	var out []AddrInfo
	for _, p := range st.addresses() {
		s := AddrPreferred
		if st.isDeprecated(p) {
			s = AddrDeprecated
		}
		out = append(out, info(p, s))
	}
	for _, p := range st.tentative() {
		out = append(out, info(p, AddrTentative))
	}
	var dups []netip.Prefix
	for k, p := range ip.dupes {
		if k.ifindex == ifc.Index() {
			dups = append(dups, p)
		}
	}
	slices.SortFunc(dups, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	for _, p := range dups {
		in := info(p, AddrDuplicate)
		in.Valid, in.Preferred = 0, 0
		for _, pre := range prefixes {
			if pre == p.Masked() {
				in.Origin = OriginSLAAC // an identifier SLAAC formed before the one it uses now
			}
		}
		out = append(out, in)
	}
	return out
}

// isDeprecated reports whether p's preferred lifetime is over. One atomic
// load when nothing is deprecated, as on a host without SLAAC.
func (s *ifState) isDeprecated(p netip.Prefix) bool {
	d := s.depr.Load()
	return d != nil && slices.Contains(*d, p)
}

// deprecateTick recomputes each interface's deprecated SLAAC addresses
// (RFC 4862 §5.5.4) and stores the lists that changed.
func (ip *IPv6) deprecateTick(now time.Time) {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	depr := map[int][]netip.Prefix{}
	for k, sa := range ip.ac.addrs {
		if !sa.prefInfinite && !now.Before(sa.preferred) {
			depr[k.ifindex] = append(depr[k.ifindex], sa.p)
		}
	}
	for i, st := range *ip.ifs.Load() {
		if st == nil {
			continue
		}
		var old []netip.Prefix
		if d := st.depr.Load(); d != nil {
			old = *d
		}
		cur := depr[i]
		slices.SortFunc(cur, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
		if slices.Equal(old, cur) {
			continue
		}
		if len(cur) == 0 {
			st.depr.Store(nil)
			continue
		}
		st.depr.Store(&cur)
	}
}
