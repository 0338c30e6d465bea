package ipv6

import (
	"maps"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// Redirects (RFC 4861 §8). A host follows a valid redirect from the
// current first-hop router of a destination: the destination's next hop
// becomes the target (the destination cache entry of §5.1, kept here as
// a per-destination override of the route's next hop, valid while the
// route still leaves through the same interface and for
// Options.RedirectTimeout), and the target's neighbour entry takes the
// Target Link-Layer Address option (§8.3). A router forwarding a packet
// back out the interface it came in on, from a neighbour on that link,
// tells the sender the better first hop, rate limited (§8.2).

// Redirect message layout (§4.5): the 4-byte ICMPv6 header, 4 reserved
// bytes, the Target Address, the Destination Address, then options.
const (
	redirectLen      = 40
	ndOptRedirected  = 4    // Redirected Header option (§4.6.3)
	maxRedirectCache = 1024 // destinations; a full cache drops the entry closest to expiry
)

// redirEntry is one destination's redirected next hop.
type redirEntry struct {
	ifindex int
	nh      [16]byte
	expires time.Time
}

// redirects is the destination cache entries redirects made: a map the
// data path reads with one atomic load (nil while empty) and writers
// replace whole under mu, since redirects are rare; and the send limiter.
type redirects struct {
	mu    sync.Mutex
	m     atomic.Pointer[map[[16]byte]redirEntry]
	limit *rate.Limiter
}

// redirected returns the next hop for dst leaving through ifindex: a
// redirect's target if one applies, else nh.
func (ip *IPv6) redirected(ifindex int, dst, nh [16]byte) [16]byte {
	if m := ip.redir.m.Load(); m != nil {
		if e, ok := (*m)[dst]; ok && e.ifindex == ifindex {
			return e.nh
		}
	}
	return nh
}

// update replaces the cache with f applied to a copy (under mu).
func (r *redirects) update(f func(m map[[16]byte]redirEntry)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var m map[[16]byte]redirEntry
	if old := r.m.Load(); old != nil {
		m = maps.Clone(*old)
	} else {
		m = map[[16]byte]redirEntry{}
	}
	f(m)
	if len(m) == 0 {
		r.m.Store(nil)
		return
	}
	r.m.Store(&m)
}

func (r *redirects) tick(now time.Time) {
	m := r.m.Load()
	if m == nil {
		return
	}
	due := false
	for _, e := range *m {
		due = due || !now.Before(e.expires)
	}
	if !due {
		return
	}
	r.update(func(m map[[16]byte]redirEntry) {
		maps.DeleteFunc(m, func(_ [16]byte, e redirEntry) bool { return !now.Before(e.expires) })
	})
}

// flush forgets the redirects through interface i.
func (r *redirects) flush(i int) {
	if r.m.Load() == nil {
		return
	}
	r.update(func(m map[[16]byte]redirEntry) {
		maps.DeleteFunc(m, func(_ [16]byte, e redirEntry) bool { return e.ifindex == i })
	})
}

// Redirect is one destination a redirect sent elsewhere.
type Redirect struct {
	Dst, NextHop netip.Addr
	IfIndex      int
	Expires      time.Time
}

// Redirects returns the destinations redirects apply to, by address.
func (ip *IPv6) Redirects() []Redirect {
	var out []Redirect
	if m := ip.redir.m.Load(); m != nil {
		for d, e := range *m {
			out = append(out, Redirect{Dst: netip.AddrFrom16(d), NextHop: netip.AddrFrom16(e.nh), IfIndex: e.ifindex, Expires: e.expires})
		}
	}
	slices.SortFunc(out, func(a, b Redirect) int { return a.Dst.Compare(b.Dst) })
	return out
}

// redirectInput validates a redirect (§8.1; hop limit 255 and code 0 were
// checked by ndpInput) and applies it (§8.3).
func (ip *IPv6) redirectInput(ifc *stack.Interface, m Meta, msg wire.ICMPv6) {
	st := &ip.st
	if len(msg) < redirectLen {
		st.ndInvalid.Add(1)
		return
	}
	target, dst := [16]byte(msg[8:24]), [16]byte(msg[24:40])
	tll, ok := ndOptions(msg[redirectLen:], ndOptTgtLL)
	onLink := target == dst
	switch {
	case !ok:
		st.ndBadOptions.Add(1)
		return
	case scope(m.Src) != 2 || m.Src == loopback, // from a link-local address
		dst[0] == 0xff,    // the destination is not multicast
		target[0] == 0xff, // neither is the target
		!onLink && scope(target) != 2 || target == loopback: // a router target is link-local
		st.ndInvalid.Add(1)
		return
	}
	if ip.forwarding.Load() {
		st.ndRedirectsRejected.Add(1) // §8.3 (and RFC 4861 §8.1): routers do not follow redirects
		return
	}
	// The source must be the current first-hop router for the
	// destination, through the interface the redirect came in on.
	out, nh, err := ip.Route(dst, 0)
	if err != nil || out != ifc || nh != m.Src {
		st.ndRedirectsRejected.Add(1)
		return
	}
	exp := ip.o.Clock.Now().Add(ip.o.RedirectTimeout)
	i := ifc.Index()
	ip.redir.update(func(c map[[16]byte]redirEntry) {
		if _, ok := c[dst]; !ok && len(c) >= maxRedirectCache {
			var old [16]byte
			first := true
			for k, e := range c {
				if first || e.expires.Before(c[old].expires) {
					old, first = k, false
				}
			}
			delete(c, old)
		}
		c[dst] = redirEntry{ifindex: i, nh: target, expires: exp}
	})
	// §8.3: the target's entry takes the option's address (created STALE,
	// STALE again when the address differs); a target other than the
	// destination is a router.
	ip.neigh.redirectTarget(i, target, tll, !onLink)
	st.ndRedirectsApplied.Add(1)
}

// redirectTarget applies a redirect's news about target to the cache.
func (c *neighCache) redirectTarget(ifindex int, target [16]byte, tll *wire.MAC, router bool) {
	if tll != nil {
		c.learn(ifindex, target, *tll, router)
		return
	}
	if router {
		c.mu.Lock()
		if e := c.m[neighKey{int32(ifindex), target}]; e != nil {
			e.router = true
		}
		c.mu.Unlock()
	}
}

// peek returns the link address of a resolved entry without changing its
// state (for a Target Link-Layer Address option).
func (c *neighCache) peek(ifindex int, addr [16]byte) (wire.MAC, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[neighKey{int32(ifindex), addr}]; e != nil && e.state != Incomplete {
		return e.mac, true
	}
	return wire.MAC{}, false
}

// maybeRedirect is called by forward for a packet (b, at its IPv6
// header, not yet changed) leaving through the interface it came in on
// towards next hop nh. It sends the sender a redirect when §8.2 allows:
// the source is a neighbour on that link, the destination is not
// multicast, the target (nh) is the destination itself or a router's
// link-local address, and the rate limit has a token.
func (ip *IPv6) maybeRedirect(in *stack.Interface, b *mbuf.Buf, nh [16]byte) {
	st := &ip.st
	h := wire.IPv6(b.Bytes())
	src, dst := h.Src(), h.Dst()
	if dst[0] == 0xff || nh != dst && scope(nh) != 2 {
		return
	}
	if r, ok := ip.routes.Lookup(src); !ok || r.IfIndex != in.Index() || r.NextHop6(src) != src {
		return // not a neighbour: it would not reach the target either
	}
	ist := ip.ifState(in.Index())
	if ist == nil {
		return
	}
	var from [16]byte // §8.2: from our link-local address on the link
	for _, p := range ist.addresses() {
		if p.Addr().IsLinkLocalUnicast() {
			from = p.Addr().As16()
			break
		}
	}
	if from == ([16]byte{}) {
		return
	}
	if !ip.redir.limit.Allow() {
		st.ndOutRedirectsLimited.Add(1)
		return
	}
	tll, haveTLL := ip.neigh.peek(in.Index(), nh)
	n := redirectLen
	if haveTLL {
		n += 8
	}
	// The Redirected Header option quotes as much of the packet as keeps
	// the message within the minimum MTU, in whole 8-byte units (§4.6.3).
	q := min(b.PktLen(), MinMTU-wire.IPv6HeaderLen-n-8) &^ 7
	at := n
	n += 8 + q
	nb := ip.ndPacket(from, src, n, func(m []byte) {
		m[0] = uint8(wire.ICMPv6Redirect)
		copy(m[8:24], nh[:])
		copy(m[24:40], dst[:])
		if haveTLL {
			m[40], m[41] = ndOptTgtLL, 1
			copy(m[42:48], tll[:])
		}
		m[at], m[at+1] = ndOptRedirected, uint8(1+q/8)
		b.CopyAt(0, m[at+8:at+8+q])
	})
	if nb == nil {
		return
	}
	st.ndOutRedirects.Add(1)
	ip.resolve(in, src, nb)
}
