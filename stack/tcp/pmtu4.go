package tcp

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/stack/wire"
)

// pmtuCache4 remembers the IPv4 path MTUs that fragmentation needed
// messages taught (RFC 1191 §6.3: "the PMTU estimate ... should be
// associated with the route"), per destination, so a new connection to
// the same peer starts from the learned MTU, as IPv6 connections do from
// stack/ipv6's cache, instead of losing its first full-sized flight to
// the same message again. IPv4 keeps no cache of its own (it fragments
// what it must), so TCP does, and only what a message validated against
// one of its connections taught (the quoted segment was in flight), so a
// forged message cannot seed it. An entry ages out after PMTUTimeout
// (RFC 1191 §6.3: 10 minutes) so an increase is found again; at most
// maxPMTU4 entries, the oldest replaced. New connections look at it only
// when it is not empty (one atomic load).
type pmtuCache4 struct {
	mu sync.Mutex
	m  map[wire.Addr4]pmtuEntry4
	n  atomic.Int32
}

type pmtuEntry4 struct {
	mtu     int
	expires time.Time
}

// maxPMTU4 bounds the cache.
const maxPMTU4 = 4096

// get returns the learned MTU towards dst, if any and not expired.
func (c *pmtuCache4) get(dst wire.Addr4, now time.Time) (int, bool) {
	if c.n.Load() == 0 {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[dst]
	if ok && !now.Before(e.expires) {
		delete(c.m, dst)
		c.n.Store(int32(len(c.m)))
		return 0, false
	}
	return e.mtu, ok
}

// lower records mtu towards dst when it is below what the cache holds
// (a message only lowers: RFC 1191 §6.3), for ttl from now.
func (c *pmtuCache4) lower(dst wire.Addr4, mtu int, now time.Time, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[wire.Addr4]pmtuEntry4{}
	}
	if e, ok := c.m[dst]; ok && e.mtu <= mtu && now.Before(e.expires) {
		return
	}
	if _, ok := c.m[dst]; !ok && len(c.m) >= maxPMTU4 {
		var old wire.Addr4
		var oe pmtuEntry4
		first := true
		for k, e := range c.m {
			if first || e.expires.Before(oe.expires) {
				old, oe, first = k, e, false
			}
		}
		delete(c.m, old)
	}
	c.m[dst] = pmtuEntry4{mtu: mtu, expires: now.Add(ttl)}
	c.n.Store(int32(len(c.m)))
}
