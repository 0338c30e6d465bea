package ipv6

import (
	"maps"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/gopkt/gopkt/stack"
)

// Re-attachment to a link (RFC 4862 §5.3, §5.4; RFC 4861 §6.3.7).
//
// A wireless station that associates again — after a deauthentication, a
// lost beacon, an access point restart or a roam to another access point
// of the same network — may be back on the link it left or on another one,
// and cannot tell which without detecting network attachment (RFC 6059,
// dna.go). RFC 4862 §5.3 counts "the attached link is dynamically
// changed due to a change of the access point of wireless networks" among
// the events that enable an interface; §5.4 wants duplicate address
// detection "on all unicast addresses prior to assigning them to an
// interface"; RFC 4861 §6.3.7 has a host whose interface becomes enabled
// solicit routers rather than wait for the next unsolicited advertisement.
// LinkUp does what those clauses ask:
//
//   - every address of the interface goes back to tentative and runs DAD
//     again, the first solicitation after a random delay of up to
//     MAX_RTR_SOLICITATION_DELAY (RFC 4862 §5.4.2); an address another node
//     took meanwhile is not used, and a SLAAC one forms the next RFC 7217
//     identifier (§6);
//   - the groups the interface listens to are reported again (an MLDv2
//     state-change report, retransmitted, RFC 3810 §6.1), so that a
//     snooping access point forwards the solicited-node groups DAD and
//     resolution need;
//   - with autoconfiguration on, router solicitation starts over (up to
//     MAX_RTR_SOLICITATIONS, after the same random delay and once the
//     link-local address passed DAD again) even while a default router is
//     known, until an advertisement with a router lifetime answers (RFC
//     4861 §6.3.7);
//   - neighbour cache entries of the interface become STALE, so that each
//     is confirmed by neighbour unreachability detection on its next use
//     (RFC 4861 §7.3.3) rather than trusted; redirects, which hold only
//     for the link they came from (§8.3), are forgotten;
//   - with autoconfiguration on, the routers known before are probed
//     (RFC 6059, dna.go): back on the same link (a roam within one
//     network) an answer keeps the routers, prefixes and SLAAC addresses
//     learned before, and the solicited advertisement refreshes them; on
//     another link, where none answers and another router advertises,
//     they are dropped at once.

// maxRtrSolicitationDelay is MAX_RTR_SOLICITATION_DELAY (RFC 4861 §10).
const maxRtrSolicitationDelay = time.Second

// LinkUp tells IPv6 that ifc has (re)attached to a link: its addresses go
// through duplicate address detection again, its groups are reported,
// routers are solicited (with autoconfiguration on) and its neighbours are
// re-confirmed before use. Call it each time the link comes up after
// being down (a wireless station: every association). Loopbacks and a
// stack with DAD off (Options.DADTransmits < 0) keep their addresses
// usable.
func (ip *IPv6) LinkUp(ifc *stack.Interface) {
	if ifc.Flags()&stack.FlagLoopback != 0 {
		return
	}
	now := ip.o.Clock.Now()
	due := now.Add(rand.N(maxRtrSolicitationDelay))
	ip.mu.Lock()
	st := ip.ifState(ifc.Index())
	if st == nil {
		ip.mu.Unlock()
		return
	}
	if ip.o.DADTransmits >= 0 {
		for _, p := range st.tentative() {
			if r := ip.dad[dadKey{ifc.Index(), p.Addr().As16()}]; r != nil {
				r.sent, r.due = 0, due
			}
		}
		addrs := st.addresses()
		none := []netip.Prefix{}
		st.addrs.Store(&none)
		nl := maps.Clone(*ip.local.Load())
		for _, p := range addrs {
			if k := p.Addr().As16(); nl[k] == ifc.Index() {
				delete(nl, k)
			}
		}
		ip.local.Store(&nl)
		for _, p := range addrs {
			r := ip.startDADLocked(st, p)
			r.due = due
			for k, sa := range ip.ac.addrs {
				if k.ifindex == ifc.Index() && sa.p == p {
					r.onFail = ip.slaacRetry(ifc, k, sa)
				}
			}
		}
	}
	if rs := ip.ac.on[ifc.Index()]; rs != nil {
		rs.sent, rs.due, rs.force = 0, due, true
		ip.dnaStartLocked(ifc, due) // dna.go
	}
	var groups [][16]byte
	if g := st.groups.Load(); g != nil {
		groups = *g
	}
	ip.mu.Unlock()
	ip.neigh.staleAll(ifc.Index())
	ip.redir.flush(ifc.Index())
	ip.mldChange(ifc, mldRecToExclude, groups)
}

// staleAll makes every resolved dynamic entry of interface i STALE.
func (c *neighCache) staleAll(i int) {
	now := c.now.Load()
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if int(k.ifindex) != i || e.state == Permanent || e.state == Incomplete || e.state == Stale {
			continue
		}
		e.state, e.tries, e.due = Stale, 0, time.Unix(0, now).Add(c.ip.o.StaleTime)
		c.syncLocked(k, e)
	}
}
