package route

import "net/netip"

// Table6 is the IPv6 routing table, on the same trie (a 16-bit first level,
// then one level per byte). The zero value is not ready; use New6.
type Table6 struct{ c core }

// New6 returns an empty IPv6 table.
func New6() *Table6 {
	t := &Table6{}
	t.c.init(128)
	return t
}

// Add inserts r (an IPv6 prefix; ErrExists for the same prefix, gateway and
// interface twice).
func (t *Table6) Add(r Route) error { return t.c.add(r) }

// AddBatch inserts every route of rs or none, as Table.AddBatch.
func (t *Table6) AddBatch(rs []Route) error { return t.c.addBatch(rs) }

// Delete removes the route with r's prefix, gateway and interface.
func (t *Table6) Delete(r Route) error { return t.c.delete(r) }

// DeleteInterface removes every route through ifindex and returns how many.
func (t *Table6) DeleteInterface(ifindex int) int { return t.c.deleteInterface(ifindex) }

// Lookup returns the best route to dst. It takes no lock and does not
// allocate.
func (t *Table6) Lookup(dst [16]byte) (Route, bool) {
	p := t.c.cur.Load()
	e := p.lookup(&dst)
	if e>>depthShift == 0 {
		return Route{}, false
	}
	r := *p.record(e)
	r.Prefix = netip.PrefixFrom(netip.AddrFrom16(dst), leafDepth(e)).Masked()
	return r, true
}

// Gen is the table's generation, as Table.Gen.
func (t *Table6) Gen() uint64 { return t.c.gen.Load() }

// Routes returns a copy of every route, in the order they were added.
func (t *Table6) Routes() []Route { return t.c.routes() }

// Len is the number of routes.
func (t *Table6) Len() int { return t.c.len() }

// Memory reports what the table holds, with bytes per route.
func (t *Table6) Memory() Memory { return t.c.memory() }

// NextHop6 returns the address to resolve on the link for dst: the gateway,
// or dst itself for an on-link route.
func (r *Route) NextHop6(dst [16]byte) [16]byte {
	if r.Gateway.IsValid() {
		return r.Gateway.As16()
	}
	return dst
}
