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
func (t *Table) NextHop(dst [4]byte) (ifindex int, nexthop [4]byte, ok bool) {
	p := t.c.cur.Load()
	e := p.lookup4(binary.BigEndian.Uint32(dst[:]))
	if e>>depthShift == 0 {
		return 0, dst, false
	}
	h := p.hop(e)
	if h.hasGW {
		return int(h.ifindex), h.gw, true
	}
	return int(h.ifindex), dst, true
}

// Routes returns a copy of every route, in the order they were added.
func (t *Table) Routes() []Route { return t.c.routes() }

// Len is the number of routes.
func (t *Table) Len() int { return t.c.len() }

// Memory reports what the table holds, with bytes per route.
func (t *Table) Memory() Memory { return t.c.memory() }
