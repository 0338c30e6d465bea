package ipv6

import (
	"encoding/binary"
	"math/rand/v2"
	"time"

	"github.com/gopkt/gopkt/stack"
)

// Per-interface host variables (RFC 4861 §6.3.2) that router
// advertisements set (§6.3.4): CurHopLimit, LinkMTU, BaseReachableTime
// with the randomised ReachableTime drawn from it, and RetransTimer. They
// start from Options (DefaultHopLimit, ReachableTime, RetransTimer) and
// the device's MTU; an advertisement's non-zero fields replace them. The
// data path reads them with one atomic load (ifState.params); writers
// publish a new copy under IPv6.mu.

const (
	maxReachableTime = time.Hour     // MAX_REACHABLE_TIME (§10): 3,600,000 ms
	rerandomise      = 2 * time.Hour // "at least every few hours" (§6.3.4)
	raCurHopLimit    = 4             // offsets in the advertisement (§4.2)
	raReachable      = 8
	raRetrans        = 12
	msUnit           = time.Millisecond // Reachable Time and Retrans Timer are in milliseconds
)

// LinkParams are an interface's IPv6 host variables.
type LinkParams struct {
	HopLimit          uint8         // CurHopLimit: the hop limit of packets we originate
	MTU               int           // LinkMTU: the interface's MTU for IPv6, at most the device's
	BaseReachableTime time.Duration // BaseReachableTime
	ReachableTime     time.Duration // ReachableTime: Base × a random factor in [0.5, 1.5)
	RetransTimer      time.Duration // RetransTimer: between solicitations
	// FromRA tells which of them an advertisement set (the rest are the
	// defaults).
	HopLimitFromRA, MTUFromRA, ReachableFromRA, RetransFromRA bool
}

// linkParams is the published form: mtu 0 means the device's.
type linkParams struct {
	LinkParams
	drawn time.Time // when ReachableTime was drawn
}

// randomReachable draws ReachableTime from base (§6.3.2: uniformly
// between MIN_RANDOM_FACTOR 0.5 and MAX_RANDOM_FACTOR 1.5 times base).
func randomReachable(base time.Duration) time.Duration {
	return base/2 + rand.N(base)
}

func (ip *IPv6) defaultParams(now time.Time) *linkParams {
	return &linkParams{LinkParams: LinkParams{HopLimit: ip.o.DefaultHopLimit, BaseReachableTime: ip.o.ReachableTime,
		ReachableTime: randomReachable(ip.o.ReachableTime), RetransTimer: ip.o.RetransTimer}, drawn: now}
}

// params returns interface i's variables (the defaults for an unknown
// interface).
func (ip *IPv6) params(i int) *linkParams {
	if st := ip.ifState(i); st != nil {
		if p := st.params.Load(); p != nil {
			return p
		}
	}
	return &linkParams{LinkParams: LinkParams{HopLimit: ip.o.DefaultHopLimit, BaseReachableTime: ip.o.ReachableTime,
		ReachableTime: ip.o.ReachableTime, RetransTimer: ip.o.RetransTimer}}
}

// linkMTU is ifc's MTU for IPv6: the advertised LinkMTU while it does not
// exceed the device's (which may have shrunk since), else the device's.
func (ip *IPv6) linkMTU(ifc *stack.Interface) int {
	mtu := ifc.MTU()
	if st := ip.ifState(ifc.Index()); st != nil {
		if p := st.params.Load(); p != nil && p.MTU > 0 && p.MTU < mtu {
			return p.MTU
		}
	}
	return mtu
}

// Params returns ifc's IPv6 host variables.
func (ip *IPv6) Params(ifc *stack.Interface) LinkParams {
	p := ip.params(ifc.Index()).LinkParams
	p.MTU = ip.linkMTU(ifc)
	return p
}

// raParams applies the host variables of a validated advertisement on ifc
// (RFC 4861 §6.3.4): non-zero Cur Hop Limit, Reachable Time and Retrans
// Timer replace CurHopLimit, BaseReachableTime (ReachableTime is drawn
// again when it changes) and RetransTimer; an MTU option (mtu, 0 when
// absent) between the IPv6 minimum and the device's MTU becomes LinkMTU.
// Out-of-range MTUs are counted and ignored.
func (ip *IPv6) raParams(ifc *stack.Interface, msg []byte, mtu uint32, now time.Time) {
	hop := msg[raCurHopLimit]
	reach := time.Duration(binary.BigEndian.Uint32(msg[raReachable:])) * msUnit
	retrans := time.Duration(binary.BigEndian.Uint32(msg[raRetrans:])) * msUnit
	ip.mu.Lock()
	defer ip.mu.Unlock()
	st := ip.ifState(ifc.Index())
	if st == nil {
		return
	}
	old := st.params.Load()
	if old == nil {
		old = ip.defaultParams(now)
	}
	p := *old
	if hop != 0 {
		p.HopLimit, p.HopLimitFromRA = hop, true
	}
	if reach != 0 {
		reach = min(reach, maxReachableTime)
		if reach != p.BaseReachableTime {
			p.BaseReachableTime, p.ReachableTime, p.drawn = reach, randomReachable(reach), now
		}
		p.ReachableFromRA = true
	}
	if retrans != 0 {
		p.RetransTimer, p.RetransFromRA = retrans, true
	}
	if mtu != 0 {
		if mtu < MinMTU || int(mtu) > ifc.MTU() {
			ip.st.ndRABadMTU.Add(1) // §6.3.4: only within [1280, the link type's maximum]
		} else {
			p.MTU, p.MTUFromRA = int(mtu), true
		}
	}
	if p != *old {
		st.params.Store(&p)
		if p.MTU != old.MTU {
			ip.invalidateFlows() // flows out of ifc carry the old link MTU
		}
	}
}

// paramsTick draws ReachableTime again where it is older than a couple
// of hours (§6.3.4: so that nodes do not stay synchronised).
func (ip *IPv6) paramsTick(now time.Time) {
	ip.mu.Lock()
	defer ip.mu.Unlock()
	for _, st := range *ip.ifs.Load() {
		if st == nil {
			continue
		}
		if old := st.params.Load(); old != nil && now.Sub(old.drawn) >= rerandomise {
			p := *old
			p.ReachableTime, p.drawn = randomReachable(p.BaseReachableTime), now
			st.params.Store(&p)
		}
	}
}
