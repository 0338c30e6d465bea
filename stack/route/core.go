package route

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"
)

// core is the part Table and Table6 share: the routes by prefix (the
// control plane, under mu) and the published forwarding plane.
type core struct {
	mu       sync.Mutex
	cur      planePtr
	bits     int // 32 or 128
	prefixes map[netip.Prefix]*prefixRoutes
	n        int    // routes
	seq      uint64 // insertion order, for Routes
	rebuilds int
	bigAt    int // IPv4 prefixes from which a rebuild makes a DIR-24-8 plane
	// slab is where new prefixes' records come from, prefixSlab at a
	// time: a bulk load of a million prefixes allocates four thousand
	// times instead of a million. A slab stays allocated while one of
	// its prefixes lives (at most 32 KiB for one surviving prefix).
	slab []prefixRoutes
	// gen counts the changes readers can see (stored after the plane
	// changed): flow caches above the table (ipv4 and ipv6 fast
	// forwarding) compare it instead of walking their entries.
	gen atomic.Uint64
}

// planePtr is the published plane: an atomic.Pointer[plane] that costs
// NextHop4 less of its inlining budget (the generic Load is a call with a
// dictionary to the inliner, LoadPointer an intrinsic).
type planePtr struct{ p unsafe.Pointer }

func (x *planePtr) Load() *plane   { return (*plane)(atomic.LoadPointer(&x.p)) }
func (x *planePtr) Store(p *plane) { atomic.StorePointer(&x.p, unsafe.Pointer(p)) }

// bigTable is bigAt's default: from about this many prefixes a full
// table's second-level groups cost as much memory as the 64 MiB root
// (BGP-shaped /24s touch every /16 well before a million routes).
const bigTable = 1 << 16

// prefixSlab is how many prefix records core.slab allocates at once.
const prefixSlab = 256

// prefixRoutes are the routes to one prefix; the best (lowest metric, then
// first added) is the one the plane points at.
type prefixRoutes struct {
	routes []seqRoute
	best   uint64 // seq of the route the plane holds
	leaf   uint32 // the plane's leaf for this prefix
	// one holds the first route, so a prefix with one route (nearly
	// every prefix of a full table) is one allocation, not two.
	one [1]seqRoute
}

type seqRoute struct {
	Route
	seq uint64
}

func (pr *prefixRoutes) bestRoute() *seqRoute {
	b := &pr.routes[0]
	for i := range pr.routes[1:] {
		if r := &pr.routes[i+1]; r.Metric < b.Metric {
			b = r
		}
	}
	return b
}

func (c *core) init(bits int) {
	c.bits = bits
	c.prefixes = map[netip.Prefix]*prefixRoutes{}
	c.bigAt = bigTable
	c.cur.Store(newPlane(bits, smallRoot))
}

func key(p netip.Prefix) (k [16]byte) {
	a := p.Addr()
	if a.Is4() {
		b := a.As4()
		copy(k[:], b[:])
		return k
	}
	return a.As16()
}

// check validates r for this table's family and masks its prefix.
func (c *core) check(r *Route) error {
	fam, is := "IPv4", netip.Addr.Is4
	if c.bits == 128 {
		fam, is = "IPv6", func(a netip.Addr) bool { return a.Is6() && !a.Is4In6() }
	}
	if !r.Prefix.IsValid() || !is(r.Prefix.Addr()) {
		return fmt.Errorf("%w: prefix %v is not %s", ErrBadRoute, r.Prefix, fam)
	}
	if r.Gateway.IsValid() && !is(r.Gateway) {
		return fmt.Errorf("%w: gateway %v is not %s", ErrBadRoute, r.Gateway, fam)
	}
	if r.IfIndex <= 0 {
		return fmt.Errorf("%w: %v has no interface index", ErrBadRoute, r.Prefix)
	}
	r.Prefix = r.Prefix.Masked()
	return nil
}

func same(a, b *Route) bool {
	return a.Prefix == b.Prefix && a.Gateway == b.Gateway && a.IfIndex == b.IfIndex
}

func (c *core) add(r Route) error {
	if err := c.check(&r); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	pr := c.prefixes[r.Prefix]
	if pr != nil {
		for i := range pr.routes {
			if same(&pr.routes[i].Route, &r) {
				return fmt.Errorf("%w: %v", ErrExists, r)
			}
		}
	}
	c.insertLocked(pr, r)
	c.publishLocked(r.Prefix, c.prefixes[r.Prefix], 0)
	c.compactLocked()
	c.gen.Add(1)
	return nil
}

// insertLocked adds r to the control plane only.
func (c *core) insertLocked(pr *prefixRoutes, r Route) {
	if pr == nil {
		if len(c.slab) == 0 {
			c.slab = make([]prefixRoutes, prefixSlab)
		}
		pr, c.slab = &c.slab[0], c.slab[1:]
		pr.best = ^uint64(0)
		pr.routes = pr.one[:0]
		c.prefixes[r.Prefix] = pr
	}
	c.seq++
	pr.routes = append(pr.routes, seqRoute{r, c.seq})
	c.n++
}

// publishLocked points the plane at the best route to p (pr non-nil), or
// removes p, whose leaf was gone, from it (pr nil), if that changed.
func (c *core) publishLocked(p netip.Prefix, pr *prefixRoutes, goneLeaf uint32) {
	pl := c.cur.Load()
	k := key(p)
	if pr == nil {
		pl.set(&k, p.Bits(), c.coveringLocked(p))
		pl.release(goneLeaf)
		return
	}
	b := pr.bestRoute()
	if b.seq == pr.best {
		return
	}
	old := pr.leaf
	pr.best = b.seq
	pr.leaf = mkLeaf(p.Bits(), pl.acquire(b.Route))
	pl.set(&k, p.Bits(), pr.leaf)
	if old != 0 {
		pl.release(old)
	}
}

// coveringLocked returns the leaf of the longest prefix shorter than p that
// contains it, or 0.
func (c *core) coveringLocked(p netip.Prefix) uint32 {
	for l := p.Bits() - 1; l >= 0; l-- {
		if pr := c.prefixes[netip.PrefixFrom(p.Addr(), l).Masked()]; pr != nil {
			return pr.leaf
		}
	}
	return 0
}

// deleteLocked removes the routes match selects from the prefixes listed
// (nil: every prefix) and returns how many. The control plane changes
// first; then the plane follows prefix by prefix, or is rebuilt when more
// than an eighth of the prefixes changed (DeleteInterface of a big peer).
func (c *core) deleteLocked(ps []netip.Prefix, match func(*Route) bool) int {
	if ps == nil {
		ps = make([]netip.Prefix, 0, len(c.prefixes))
		for p := range c.prefixes {
			ps = append(ps, p)
		}
	}
	type change struct {
		p    netip.Prefix
		pr   *prefixRoutes // nil: the prefix is gone
		gone uint32        // its leaf, when gone
	}
	var changed []change
	n := 0
	defer func() {
		if n > 0 {
			c.gen.Add(1) // after the plane follows (deferred: the rebuild returns early)
		}
	}()
	for _, p := range ps {
		pr := c.prefixes[p]
		if pr == nil {
			continue
		}
		keep := pr.routes[:0]
		for _, r := range pr.routes {
			if !match(&r.Route) {
				keep = append(keep, r)
			}
		}
		gone := len(pr.routes) - len(keep)
		if gone == 0 {
			continue
		}
		clear(pr.routes[len(keep):])
		pr.routes = keep
		n += gone
		c.n -= gone
		if len(keep) == 0 {
			delete(c.prefixes, p)
			changed = append(changed, change{p, nil, pr.leaf})
		} else {
			changed = append(changed, change{p, pr, 0})
		}
	}
	if len(changed) > 64 && len(changed) > len(c.prefixes)/8 {
		c.rebuildLocked()
		return n
	}
	// Each removal pushes down the covering prefix's leaf as the control
	// plane now has it; a covering prefix whose best route changed is
	// republished after and overwrites that leaf, so the order is free.
	for _, ch := range changed {
		c.publishLocked(ch.p, ch.pr, ch.gone)
		c.compactLocked()
	}
	return n
}

func (c *core) delete(r Route) error {
	if err := c.check(&r); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.deleteLocked([]netip.Prefix{r.Prefix}, func(o *Route) bool { return same(o, &r) }) == 0 {
		return fmt.Errorf("%w: %v", ErrNotFound, r)
	}
	return nil
}

func (c *core) deleteInterface(ifindex int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deleteLocked(nil, func(o *Route) bool { return o.IfIndex == ifindex })
}

// addBatch adds rs as one operation: all of them or, on the first invalid
// or duplicate route, none.
func (c *core) addBatch(rs []Route) error {
	rs = slices.Clone(rs)
	for i := range rs {
		if err := c.check(&rs[i]); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.prefixes) == 0 {
		c.prefixes = make(map[netip.Prefix]*prefixRoutes, len(rs))
	}
	for i := range rs {
		r := &rs[i]
		pr := c.prefixes[r.Prefix]
		if pr != nil {
			for j := range pr.routes {
				if same(&pr.routes[j].Route, r) {
					c.rollbackLocked(rs[:i])
					return fmt.Errorf("%w: %v", ErrExists, *r)
				}
			}
		}
		c.insertLocked(pr, *r)
	}
	defer c.gen.Add(1)
	if len(rs) >= c.n/4 {
		c.rebuildLocked()
		return nil
	}
	for _, r := range rs {
		c.publishLocked(r.Prefix, c.prefixes[r.Prefix], 0)
		c.compactLocked()
	}
	return nil
}

// rollbackLocked takes back the routes of a batch that insertLocked added
// (the last ones of their prefixes' lists) before the plane saw them.
func (c *core) rollbackLocked(rs []Route) {
	for i := len(rs) - 1; i >= 0; i-- {
		pr := c.prefixes[rs[i].Prefix]
		pr.routes = pr.routes[:len(pr.routes)-1]
		c.n--
		if len(pr.routes) == 0 {
			delete(c.prefixes, rs[i].Prefix)
		}
	}
}

// compactLocked rebuilds the plane when the groups or records no longer
// reachable outweigh the live ones, or indices run out. A rebuild costs
// O(prefixes), so the record garbage must also reach a quarter of the
// prefixes: with next hops shared by many prefixes, records are few and
// a churn of routes with their own next hops would otherwise rebuild a
// full table every few thousand deletes.
func (c *core) compactLocked() {
	pl := c.cur.Load()
	recs := pl.deadRecs > 4096 && pl.deadRecs > pl.nRecs/2 && int(pl.deadRecs) > len(c.prefixes)/4
	groups := pl.deadGroups > 1024 && pl.deadGroups > pl.nGroups/2
	if pl.full() || recs || groups || pl.rootBits != c.rootBitsLocked(pl.rootBits) {
		c.rebuildLocked()
	}
}

// rebuildLocked builds a fresh plane from the control plane, shortest
// prefixes first (so no insertion pushes into groups below it), and
// publishes it with one store. Readers of the old plane finish on it.
func (c *core) rebuildLocked() {
	// Order the prefixes by length with a counting sort: no comparison
	// sort, no second map lookup.
	type entry struct {
		p  netip.Prefix
		pr *prefixRoutes
	}
	start := make([]int, c.bits+2)
	for p := range c.prefixes {
		start[p.Bits()+1]++
	}
	for l := 1; l < len(start); l++ {
		start[l] += start[l-1]
	}
	all := make([]entry, len(c.prefixes))
	for p, pr := range c.prefixes {
		all[start[p.Bits()]] = entry{p, pr}
		start[p.Bits()]++
	}
	pl := newPlane(c.bits, c.rootBitsLocked(c.cur.Load().rootBits))
	pl.building = true
	for _, e := range all {
		b := e.pr.bestRoute()
		e.pr.best = b.seq
		e.pr.leaf = mkLeaf(e.p.Bits(), pl.acquire(b.Route))
		k := key(e.p)
		pl.set(&k, e.p.Bits(), e.pr.leaf)
	}
	pl.building = false
	c.cur.Store(pl)
	c.rebuilds++
}

// rootBitsLocked is the first stride the plane should have, given the one
// it has: IPv4 tables switch to DIR-24-8 at bigAt prefixes and back below a
// quarter of that, so a table near the threshold does not rebuild back and
// forth.
func (c *core) rootBitsLocked(cur int) int {
	n := len(c.prefixes)
	switch {
	case c.bits != 32:
		return smallRoot
	case n >= c.bigAt:
		return bigRoot
	case n < c.bigAt/4:
		return smallRoot
	}
	return cur
}

func (c *core) routes() []Route {
	c.mu.Lock()
	all := make([]seqRoute, 0, c.n)
	for _, pr := range c.prefixes {
		all = append(all, pr.routes...)
	}
	c.mu.Unlock()
	slices.SortFunc(all, func(a, b seqRoute) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]Route, len(all))
	for i := range all {
		out[i] = all[i].Route
	}
	return out
}

func (c *core) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// Memory describes what a table holds.
type Memory struct {
	Routes, Prefixes     int
	Groups, DeadGroups   int // trie groups (256 entries) allocated, and unreachable ones awaiting a rebuild
	Records, DeadRecords int // route records the leaves name (not counting record 0, "no route")
	PlaneBytes           int // forwarding plane: root, group chunks, record chunks
	ControlBytes         int // estimate of the routes by prefix (map, per-prefix lists)
	Rebuilds             int // planes built whole (bulk loads, compactions)
	BytesPerRoute        float64
}

func (c *core) memory() Memory {
	c.mu.Lock()
	defer c.mu.Unlock()
	pl := c.cur.Load()
	m := Memory{
		Routes: c.n, Prefixes: len(c.prefixes),
		Groups: int(pl.nGroups), DeadGroups: int(pl.deadGroups),
		Records: int(pl.nRecs) - 1, DeadRecords: int(pl.deadRecs), Rebuilds: c.rebuilds,
		PlaneBytes: pl.bytes(),
		// A map slot (key, value pointer, tophash, load factor 7/8)
		// plus the prefix's record, which holds its first route; the
		// routes beyond the first of a prefix live in a separate array
		// that holds the first again and grows by doubling (about two
		// slots per extra route).
		ControlBytes: len(c.prefixes)*(int(unsafe.Sizeof(netip.Prefix{}))+8+1)*8/7 +
			len(c.prefixes)*int(unsafe.Sizeof(prefixRoutes{})) +
			2*(c.n-len(c.prefixes))*int(unsafe.Sizeof(seqRoute{})),
	}
	if c.n > 0 {
		m.BytesPerRoute = float64(m.PlaneBytes+m.ControlBytes) / float64(c.n)
	}
	return m
}
