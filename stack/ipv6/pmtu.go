package ipv6

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// pmtuCache holds what packet too big messages taught us (RFC 8201 §4):
// the path MTU per destination, never below the IPv6 minimum (1280),
// forgotten after PMTUTimeout so an increase is found again (§4: at least
// 5 minutes, 10 recommended). The send path looks at it only when it is
// not empty (one atomic load otherwise).
type pmtuCache struct {
	mu sync.Mutex
	m  map[[16]byte]pmtuEntry
	n  atomic.Int32
}

type pmtuEntry struct {
	mtu     int
	expires time.Time
}

// maxPMTUEntries bounds the cache: a flood of forged messages for made-up
// destinations replaces the oldest, never grows it.
const maxPMTUEntries = 4096

// pathMTU is the MTU for a packet to dst through ifc.
func (ip *IPv6) pathMTU(ifc *stack.Interface, dst [16]byte) int {
	mtu := ip.linkMTU(ifc)
	c := &ip.pmtu
	if c.n.Load() == 0 {
		return mtu
	}
	c.mu.Lock()
	e, ok := c.m[dst]
	c.mu.Unlock()
	if ok && e.mtu < mtu {
		return e.mtu
	}
	return mtu
}

// packetTooBig applies a packet too big message whose quoted packet (one
// of ours: its source is our address) went to dst (RFC 8201 §4).
func (ip *IPv6) packetTooBig(mtu uint32, quote wire.IPv6) {
	src := quote.Src()
	if ip.LocalInterface(src) == 0 && !ip.isOurLinkLocal(src) {
		ip.st.pmtuIgnored.Add(1)
		return
	}
	m := int(max(mtu, MinMTU))
	dst := quote.Dst()
	c := &ip.pmtu
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[[16]byte]pmtuEntry{}
	}
	if e, ok := c.m[dst]; ok && e.mtu <= m {
		return // never raised by a message (§4: only lowered)
	}
	if len(c.m) >= maxPMTUEntries {
		var old [16]byte
		var oe pmtuEntry
		first := true
		for k, e := range c.m {
			if first || e.expires.Before(oe.expires) {
				old, oe, first = k, e, false
			}
		}
		delete(c.m, old)
	}
	c.m[dst] = pmtuEntry{mtu: m, expires: ip.o.Clock.Now().Add(ip.o.PMTUTimeout)}
	c.n.Store(int32(len(c.m)))
	ip.st.pmtuLowered.Add(1)
}

func (ip *IPv6) isOurLinkLocal(a [16]byte) bool {
	for _, st := range *ip.ifs.Load() {
		if st != nil && st.hasAddress(a) {
			return true
		}
	}
	return false
}

func (c *pmtuCache) tick(now time.Time) {
	if c.n.Load() == 0 {
		return
	}
	c.mu.Lock()
	for k, e := range c.m {
		if !now.Before(e.expires) {
			delete(c.m, k)
		}
	}
	c.n.Store(int32(len(c.m)))
	c.mu.Unlock()
}

// PathMTU is the path MTU towards dst as Output uses it (0: no route).
func (ip *IPv6) PathMTU(dst netip.Addr) int {
	ifc, _, err := ip.Route(dst.As16(), ip.ZoneIndex(dst))
	if err != nil {
		return 0
	}
	return ip.pathMTU(ifc, dst.As16())
}
