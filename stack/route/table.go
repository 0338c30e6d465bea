package route

import (
	"encoding/binary"
	"net/netip"
)

// Table is the IPv4 routing table. The zero value is not ready; use New.
type Table struct{ c core }

// New returns an empty table.
func New() *Table {
	t := &Table{}
	t.c.init(32)
	return t
}

// Add inserts r. Adding the same prefix, gateway and interface twice is
// ErrExists. Its cost grows with the addresses r's prefix covers in the
// trie (a /24 writes one entry, a /8 256), not with the table.
func (t *Table) Add(r Route) error { return t.c.add(r) }

// AddBatch inserts every route of rs, or none if one is invalid or already
// present (ErrBadRoute, ErrExists). A batch at least a quarter the size of
// the table builds a new forwarding plane and publishes it at once: the
// bulk load of a full table.
func (t *Table) AddBatch(rs []Route) error { return t.c.addBatch(rs) }

// Delete removes the route with r's prefix, gateway and interface (Metric and
// Kind are ignored).
func (t *Table) Delete(r Route) error { return t.c.delete(r) }

// DeleteInterface removes every route through ifindex and returns how many.
func (t *Table) DeleteInterface(ifindex int) int { return t.c.deleteInterface(ifindex) }

// Lookup returns the best route to dst: longest prefix, then lowest metric.
// It takes no lock and does not allocate.
func (t *Table) Lookup(dst [4]byte) (Route, bool) {
	p := t.c.cur.Load()
	a := binary.BigEndian.Uint32(dst[:])
	e := p.lookup4(a)
	if e>>depthShift == 0 {
		return Route{}, false
	}
	r := *p.record(e)
	l := leafDepth(e)
	binary.BigEndian.PutUint32(dst[:], a&^(^uint32(0)>>l))
	r.Prefix = netip.PrefixFrom(netip.AddrFrom4(dst), l)
	return r, true
}

// NextHop is Lookup for forwarding: the outgoing interface and the address
// to resolve on it (the gateway, or dst for an on-link route), without
// copying the Route out. It takes no lock and does not allocate.
//
// It is the lookup a forwarding loop runs per packet. Its common case (a
// root entry that is a leaf: every prefix up to the root's stride) reads
// the root entry, then the next-hop record; deeper prefixes and misses
// take nextHopSlow. The fewer instructions depend on the root entry's
// cache miss, the more lookups' misses the CPU overlaps. It costs 187 in
// the inliner's budget of 80 (the [4]byte argument and result and the
// slow path's call are most of it), so it is a call unless a build
// profile names it hot (bench/route/pgo.sh). Inlined into a lookup loop
// that way it was no faster in a full table: the cost there is the root
// entry's cache miss and what depends on it, not the call.
func (t *Table) NextHop(dst [4]byte) (ifindex int, nexthop [4]byte, ok bool) {
	p := t.c.cur.Load()
	e := p.rootEntry(binary.BigEndian.Uint32(dst[:]))
	if e&eChild != 0 || e < 1<<depthShift {
		return p.nextHopSlow(e, dst)
	}
	h := hopAt(p.hop0.Load(), e&recMask)
	return int(h.ifindex), h.to(dst), true
}

// nextHopSlow finishes NextHop below the root, and for no route.
func (p *plane) nextHopSlow(e uint32, dst [4]byte) (int, [4]byte, bool) {
	if e&eChild != 0 {
		e = p.below4(e, binary.BigEndian.Uint32(dst[:]))
	}
	if e < 1<<depthShift {
		return 0, dst, false
	}
	h := hopAt(p.hop0.Load(), e&recMask)
	return int(h.ifindex), h.to(dst), true
}

// Gen is the table's generation: it grows with every Add, AddBatch and
// Delete or DeleteInterface that removed something, after the change is
// visible to NextHop and Lookup. A cache of lookups (ipv4's fast
// forwarding flows) keeps the generation it looked up under and is stale
// once Gen differs. It takes no lock.
func (t *Table) Gen() uint64 { return t.c.gen.Load() }

// Routes returns a copy of every route, in the order they were added.
func (t *Table) Routes() []Route { return t.c.routes() }

// Len is the number of routes.
func (t *Table) Len() int { return t.c.len() }

// Memory reports what the table holds, with bytes per route.
func (t *Table) Memory() Memory { return t.c.memory() }

// Hop is one forwarding decision of NextHopBurst: the outgoing interface
// and the address to resolve on it (OK false: no route).
type Hop struct {
	Addr    [4]byte
	IfIndex int32
	OK      bool
}

// burst is how many lookups NextHopBurst starts before it finishes any.
const burst = 32

// NextHopBurst is NextHop for a burst of packets, DPDK's
// rte_lpm_lookup_bulk: out[i] is the decision for dsts[i] (out must be at
// least as long as dsts). It reads the root entries of up to 32
// destinations before it finishes any, so their cache misses overlap
// instead of following one another. It takes no lock and does not
// allocate.
func (t *Table) NextHopBurst(dsts [][4]byte, out []Hop) {
	p := t.c.cur.Load()
	out = out[:len(dsts)]
	var es [burst]uint32
	for len(dsts) > 0 {
		n := min(len(dsts), burst)
		// The root and the shift in registers: the atomic loads would
		// otherwise make the compiler reload them for every address.
		root0, shift := p.root0, p.shift&31
		for i := range n {
			es[i] = rootAt(root0, binary.BigEndian.Uint32(dsts[i][:])>>shift)
		}
		hs := *p.hops.Load()
		for i := range n {
			e := es[i]
			if e&eChild != 0 {
				e = p.below4(e, binary.BigEndian.Uint32(dsts[i][:]))
			}
			o := &out[i]
			if e < 1<<depthShift {
				o.Addr, o.IfIndex, o.OK = dsts[i], 0, false
				continue
			}
			if e&recMask >= uint32(len(hs)) {
				hs = *p.hops.Load() // a record newer than the first load
			}
			h := &hs[e&recMask]
			o.Addr, o.IfIndex, o.OK = h.to(dsts[i]), h.ifindex, true
		}
		dsts, out = dsts[n:], out[n:]
	}
}
