package route

import (
	"encoding/binary"
	"net/netip"
	"runtime"
	"sync/atomic"
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

// NextHop is NextHop4 for an address as the 4 bytes of a header: the
// outgoing interface and the address to resolve on it (the gateway, or dst
// for an on-link route), without copying the Route out. It takes no lock
// and does not allocate.
func (t *Table) NextHop(dst [4]byte) (ifindex int, nexthop [4]byte, ok bool) {
	ifx, nh := t.NextHop4(binary.BigEndian.Uint32(dst[:]))
	binary.BigEndian.PutUint32(nexthop[:], nh)
	return int(ifx), nexthop, ifx != 0
}

// NextHop4 is the forwarding path's lookup, for an IPv4 address as a
// big-endian word: the outgoing interface and the address to resolve on
// it (the gateway, or dst for an on-link route); ifindex 0 is no route
// (nexthop is then dst). Interfaces are numbered from 1 (Add refuses
// less), so the index says both. It takes no lock and does not allocate.
//
// It is small enough to inline (cost 79 of the compiler's 80), so a
// forwarding loop runs it without a call: words in and out, not [4]byte
// (Go passes arrays through memory, not registers), and no ok result.
// Its common case is two loads, the root entry (the cache miss) and the
// next-hop record, with no branch on what it finds: an empty leaf names
// record 0, "no route", which answers interface 0 and dst. Only a child
// group entry (prefixes longer than the root's stride) loops, once per
// level below: the branch rte_lpm_lookup takes for its tbl8 extension.
// Every base it indexes (root, groups, records) is fixed for the plane's
// life, so only the plane pointer is loaded again per lookup.
//
// The entries are read with plain loads, the instruction an atomic load
// is on the architectures Go supports (it costs the inliner three nodes
// more per load): a word-sized read sees some value stored there (the Go
// memory model), the writer stores each entry in one atomic store after
// filling what it names, and the record's address depends on the entry
// read, which orders the two reads on every such CPU. Under the race
// detector (race.go) NextHop4 takes the same walk with atomic loads,
// so the concurrent tests check the publication order.
func (t *Table) NextHop4(dst uint32) (ifindex int32, nexthop uint32) {
	if raceEnabled {
		return t.nextHop4Atomic(dst)
	}
	p := t.c.cur.Load()
	e := p.wroot[dst>>p.shift]
	for s := p.shift1; int32(e) < 0; s -= groupBits {
		e = p.wgroup[e<<groupBits|dst>>s&0xff]
	}
	h := p.whop[e&recMask]
	runtime.KeepAlive(p) // the arena holding the record lives while p does
	return h.ifindex, dst&h.keep | h.gw
}

// nextHop4Atomic is NextHop4 with atomic loads.
func (t *Table) nextHop4Atomic(dst uint32) (int32, uint32) {
	p := t.c.cur.Load()
	e := p.lookup4(dst)
	h := p.whop[e&recMask]
	runtime.KeepAlive(p)
	return h.ifindex, dst&h.keep | h.gw
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
		// The bases and the shift in registers: the atomic loads would
		// otherwise make the compiler reload them for every address.
		root, hops, shift := p.wroot, p.whop, p.shift&31
		for i := range n {
			a := binary.BigEndian.Uint32(dsts[i][:]) >> shift
			if raceEnabled {
				es[i] = atomic.LoadUint32(&p.root[a]) // no *wide under checkptr
			} else {
				es[i] = atomic.LoadUint32(&root[a])
			}
		}
		for i := range n {
			e, a := es[i], binary.BigEndian.Uint32(dsts[i][:])
			for s := p.shift1; e&eChild != 0; s -= groupBits {
				e = atomic.LoadUint32(&p.groups[e<<groupBits|a>>s&0xff])
			}
			h := &hops[e&recMask]
			o := &out[i]
			binary.BigEndian.PutUint32(o.Addr[:], a&h.keep|h.gw)
			o.IfIndex, o.OK = h.ifindex, h.ifindex != 0
		}
		dsts, out = dsts[n:], out[n:]
	}
}
