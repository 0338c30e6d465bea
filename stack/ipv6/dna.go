package ipv6

import (
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// Detecting network attachment (RFC 6059, simple DNA, the host's part).
//
// After LinkUp the host may be back on the link it left or on another
// one. With autoconfiguration on, LinkUp remembers what the interface had
// learned from router advertisements (its default routers, with the
// link-layer address each had in the neighbour cache, its on-link
// prefixes and its SLAAC addresses) and, besides the multicast router
// solicitation RFC 4861 §6.3.7 asks for, probes each of those routers
// with a unicast neighbour solicitation for its link-local address, sent
// to its old link-layer address (RFC 6059: a router is identified by the
// pair of its link-local and link-layer addresses). The probes leave
// together with the first router solicitation, once the link-local
// address passed DAD again (a tentative address is no source, RFC 4862
// §5.4), and are repeated MAX_UNICAST_SOLICIT times RetransTimer apart,
// as neighbour unreachability detection would (RFC 4861 §7.3.3, §10).
//
//   - A neighbour advertisement from one of the probed routers with the
//     same link-layer address, a router advertisement from one, or an
//     advertisement of one of the old prefixes means the same link: what
//     was learned stays, with its lifetimes.
//   - A router advertisement from another router, advertising none of the
//     old prefixes, with no probe answered when the last one's time is up,
//     means another link: the routers, prefixes and addresses learned on
//     the old one are dropped at once rather than left to their lifetimes
//     (which may be days), so that source selection and the default route
//     do not point at a link we left. What that advertisement taught us is
//     kept.
//   - Silence is no proof: a router may be slow to answer right after a
//     link change (Linux answers no solicitation for its own link-local
//     address while that is under DAD, which a flap restarts). With no
//     answer and no advertisement within dnaWait, nothing is dropped and
//     the old state ends with its lifetimes, as without detection.
//
// DNA does not shorten RFC 4862's DAD on the addresses (LinkUp runs it
// again in any case), and DHCPv6 (RFC 6059's other half) is not
// implemented.

// dnaRun is one interface's detection in progress, under IPv6.mu.
type dnaRun struct {
	routers map[[16]byte]wire.MAC // probed: router link-local -> link-layer address
	onlink  map[prefixKey]bool    // learned before LinkUp
	addrs   map[prefixKey]bool
	sent    int
	due     time.Time
	until   time.Time // no answer and no advertisement by then: undecided
	foreign bool      // an advertisement from a router we did not probe
}

// dnaWait bounds a detection: the router solicitations LinkUp restarts
// span MAX_RTR_SOLICITATIONS x RTR_SOLICITATION_INTERVAL (RFC 4861 §10),
// after LinkUp's delay and a DAD.
const dnaWait = maxRtrSolicits*rtrSolicitInterval + 2*maxRtrSolicitationDelay

// dnaStartLocked begins detection on ifc (LinkUp, ip.mu held): it
// records the routers with a known link-layer address and what was
// learned on the old link. Without such a router there is nothing to
// probe and nothing is dropped early.
func (ip *IPv6) dnaStartLocked(ifc *stack.Interface, due time.Time) {
	i := ifc.Index()
	if ip.ac.dna == nil {
		ip.ac.dna = map[int]*dnaRun{}
	}
	delete(ip.ac.dna, i)
	r := &dnaRun{routers: map[[16]byte]wire.MAC{}, onlink: map[prefixKey]bool{}, addrs: map[prefixKey]bool{}, due: due, until: due.Add(dnaWait)}
	for k := range ip.ac.routers {
		if k.ifindex != i {
			continue
		}
		if mac, ok := ip.neigh.macOf(i, k.addr); ok {
			r.routers[k.addr] = mac
		}
	}
	if len(r.routers) == 0 {
		return
	}
	for k := range ip.ac.onlink {
		if k.ifindex == i {
			r.onlink[k] = true
		}
	}
	for k := range ip.ac.addrs {
		if k.ifindex == i {
			r.addrs[k] = true
		}
	}
	ip.ac.dna[i] = r
	ip.st.dnaRuns.Add(1)
}

// dnaSeenLocked is what an advertisement on the current link says: from
// router src with source link-layer address mac (nil: none), or of prefix
// k. A probed router with its old link-layer address, or an old prefix,
// ends the detection: same link. Another router is a sign of another
// link.
func (ip *IPv6) dnaSeenLocked(i int, src *[16]byte, mac *wire.MAC, k *prefixKey) {
	r := ip.ac.dna[i]
	if r == nil {
		return
	}
	same := k != nil && (r.onlink[*k] || r.addrs[*k])
	if src != nil {
		old, probed := r.routers[*src]
		same = same || probed && mac != nil && *mac == old
		if !probed {
			r.foreign = true
		}
	}
	if same {
		delete(ip.ac.dna, i)
		ip.st.dnaSameLink.Add(1)
	}
}

// dnaAdvert is a neighbour advertisement for target with link-layer
// address tlla (RFC 4861 §7.2.5): the answer to a probe.
func (ip *IPv6) dnaAdvert(i int, target [16]byte, tlla *wire.MAC) {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	if r := ip.ac.dna[i]; r != nil && tlla != nil {
		if old, ok := r.routers[target]; ok && old == *tlla {
			delete(ip.ac.dna, i)
			ip.st.dnaSameLink.Add(1)
		}
	}
}

// dnaProbe is one round of probes to send.
type dnaProbe struct {
	ifindex int
	routers map[[16]byte]wire.MAC
}

// dnaTickLocked returns the probes due at now and, for a detection whose
// last probe went unanswered, drops the old link's routers, prefixes and
// addresses by ending their lifetimes now (autoconfTick removes them).
func (ip *IPv6) dnaTickLocked(now time.Time) []dnaProbe {
	var probes []dnaProbe
	for i, r := range ip.ac.dna {
		if now.Before(r.due) || ip.linkLocalTentative(i) && now.Before(r.until) {
			continue
		}
		if r.sent >= ip.o.Solicits || !now.Before(r.until) {
			switch {
			case r.foreign:
			case now.Before(r.until):
				continue // the probes are over: wait for an advertisement
			default:
				delete(ip.ac.dna, i)
				ip.st.dnaUnknown.Add(1)
				continue
			}
			delete(ip.ac.dna, i)
			ip.st.dnaNewLink.Add(1)
			for k := range ip.ac.routers {
				if _, old := r.routers[k.addr]; old && k.ifindex == i {
					ip.ac.routers[k] = now
				}
			}
			for k := range r.onlink {
				if _, ok := ip.ac.onlink[k]; ok {
					ip.ac.onlink[k] = now
				}
			}
			for k := range r.addrs {
				if sa := ip.ac.addrs[k]; sa != nil {
					sa.expires, sa.infinite = now, false
				}
			}
			continue
		}
		r.sent++
		r.due = now.Add(ip.params(i).RetransTimer)
		probes = append(probes, dnaProbe{i, r.routers})
	}
	return probes
}

// dnaSend sends one round of unicast solicitations.
func (ip *IPv6) dnaSend(p dnaProbe) {
	ifc := ip.s.Interface(p.ifindex)
	if ifc == nil {
		return
	}
	for a, mac := range p.routers {
		ip.sendNS(ifc, a, mac, true)
		ip.st.dnaProbes.Add(1)
	}
}

// DNAPending reports whether detecting network attachment is in progress
// on ifc (probes sent or due, no answer yet).
func (ip *IPv6) DNAPending(ifc *stack.Interface) bool {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	return ip.ac.dna[ifc.Index()] != nil
}

// macOf is the link-layer address the cache holds for addr (not for an
// INCOMPLETE entry).
func (c *neighCache) macOf(ifindex int, addr [16]byte) (wire.MAC, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[neighKey{int32(ifindex), addr}]; e != nil && e.state != Incomplete {
		return e.mac, true
	}
	return wire.MAC{}, false
}
