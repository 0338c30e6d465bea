package route

import (
	"encoding/binary"
	"net/netip"
	"sync/atomic"
	"unsafe"
)

// The forwarding plane: a multibit trie with a wide first stride and 8-bit
// strides below, with controlled prefix expansion and leaf pushing
// (Srinivasan and Varghese, "Fast address lookups using controlled prefix
// expansion", ACM TOCS 17(1), 1999; Gupta, Lin and McKeown, "Routing lookups
// in hardware at memory access speeds", INFOCOM 1998, whose DIR-24-8 is
// DPDK's rte_lpm). A lookup reads one entry per level and stops at the first
// leaf, whatever the number of routes.
//
// The first stride is 16 bits (a 256 KiB root: IPv6 16-8-...-8, and small
// IPv4 tables 16-8-8: two loads up to /24, three up to /32) or, for an IPv4
// table of at least bigTable prefixes, 24 bits: DIR-24-8, a 64 MiB root of
// 2^24 entries in huge pages outside the Go heap, so a lookup up to /24 is
// one load and up to /32 two. A full table's /24s spread over every /16, so
// the 16-bit trie holds 64 MiB of second-level groups anyway and pays a
// second dependent cache miss for them; the table switches widths when a
// rebuild finds it past the threshold (and back below a quarter of it).
//
// Entries are uint32, read and written with atomic loads and stores:
//
//	bit 31 set:   a child group; bits 0-30 are its index
//	bit 31 clear: a leaf; bits 23-30 are the prefix length + 1 (0: no
//	              route), bits 0-22 the index of the next-hop record
//
// A next-hop record is a Route without its prefix (gateway, interface,
// metric, kind), shared by every prefix with the same next hop, so the
// records a full table uses are few and stay in cache; Lookup rebuilds the
// prefix from the address and the length in the leaf.
//
// Readers take no lock. A writer (one at a time: the Table's mutex) changes
// entries in place, one atomic store each, so a reader sees every entry
// either before or after an update; a new group is filled before the entry
// linking it is stored, and a route record is written before any entry
// names it. Groups and records are never reused while the plane is
// published, so a reader that loaded an old entry still finds what it
// named (no ABA without a grace period). The writer counts what it orphans
// and rebuilds a fresh plane, published with one atomic pointer store,
// when the garbage outgrows the live part: amortised O(1) per update.

const (
	smallRoot  = 16 // first stride of IPv6 and small IPv4 planes
	bigRoot    = 24 // first stride of big IPv4 planes (DIR-24-8)
	groupBits  = 8
	groupSize  = 1 << groupBits
	eChild     = 1 << 31
	depthShift = 23
	recMask    = 1<<depthShift - 1
	maxRecs    = 1 << depthShift // record indices fit 23 bits
	maxGroups  = 1 << 23         // 8 GiB of groups, reserved, not used: never reached
	recShift   = 8               // records per chunk: 256
	// hopsBytes is the address range reserved for a plane's hops.
	hopsBytes = (maxRecs*int(unsafe.Sizeof(hop{})) + hugeBlock - 1) / hugeBlock * hugeBlock
)

// wide is the type NextHop4 indexes roots and groups through: any uint32
// is in range, so an index needs no bounds check (the root of an IPv4
// plane has 1<<rootBits entries and an address shifted right by 32 -
// rootBits is below that; a child entry shifted left by groupBits, which
// drops eChild, plus a byte is an entry of a group below maxGroups).
type wide [1 << 32]uint32

// hops is the type NextHop4 indexes next-hop records through: a leaf's
// record index (bits 0-22) is always in range.
type hops [maxRecs]hop

// recChunk holds 256 next-hop records: the Route Lookup copies out.
type recChunk struct {
	r [1 << recShift]Route
}

// hop is what forwarding needs of a record: the next hop for dst is
// dst&keep | gw, with keep all ones and gw zero for an on-link route, keep
// zero and gw the gateway otherwise (no branch on the kind of route).
type hop struct {
	gw, keep uint32
	ifindex  int32
}

type plane struct {
	// What NextHop4 reads, set by newPlane and never changed (the
	// memory they point to changes, one atomic entry store at a time):
	// the root, the groups (group i is entries i<<groupBits to
	// i<<groupBits+255), the next-hop records (hop 0 is "no route"), and
	// the root's shift for an IPv4 address and the first group level's.
	wroot  *wide
	wgroup *wide
	whop   *hops
	shift  uint32 // 32 - rootBits: an IPv4 address's root index is a >> shift
	shift1 uint32 // shift - groupBits: the byte below the root is a >> shift1 & 0xff

	maxDepth int // 32 or 128
	rootBits int // smallRoot or bigRoot
	root     []uint32
	groups   []uint32 // the groups' reserved range, committed up to nGroups
	hopMem   []byte   // the hops' reserved range, committed up to nRecs
	recs     atomic.Pointer[[]*recChunk]
	// pub is the number of records written, stored after each: Lookup
	// loads it before it reads a record, the happens-before edge the
	// race detector needs when the leaf came from a group (it does not
	// see atomics outside the Go heap).
	pub atomic.Uint32

	// Writer-only state.
	nGroups, nRecs       uint32
	capGroups, capRecs   uint32 // what the reserved ranges hold
	gCommit, hCommit     int    // bytes of groups and hops made writable
	deadGroups, deadRecs uint32
	nhs                  map[Route]*nhRef // next hop (Prefix zero) -> record
	arena                *arena
	// building is set while a rebuild fills the plane before it is
	// published, shortest prefixes first: no reader can see it yet, and
	// every entry a prefix covers at its level is a leaf of a prefix no
	// longer than it (the groups below are made by longer prefixes,
	// which come later), so set writes them with plain stores.
	building bool
}

type nhRef struct {
	rec  uint32
	refs int
}

func newPlane(maxDepth, rootBits int) *plane {
	p := &plane{maxDepth: maxDepth, rootBits: rootBits, nhs: map[Route]*nhRef{}}
	p.shift = uint32(32-rootBits) & 31
	p.shift1 = (p.shift - groupBits) & 31
	p.arena = newArena(p)
	p.root = p.arena.table(1 << rootBits)
	if !raceEnabled {
		// Under the race detector the root is on the Go heap, where
		// checkptr refuses a *wide, and NextHop4 does not use it.
		p.wroot = (*wide)(unsafe.Pointer(&p.root[0]))
	}
	// The whole index space if the process may map it, else the largest
	// power-of-two part of it it may (an address-space limit, ulimit -v):
	// full() then rebuilds or stops at what was reserved.
	g := reserveDown(p.arena, maxGroups*groupSize*4, minGroupBytes)
	p.hopMem = reserveDown(p.arena, hopsBytes, minHopBytes)
	if g == nil || p.hopMem == nil || !commit(p.hopMem, hugeBlock, false) {
		// Out of address space even for the least: as out of memory
		// for a make.
		panic("route: cannot reserve the forwarding plane's address range (" + addressSpaceHint + ")")
	}
	p.capGroups = uint32(len(g) / (groupSize * 4))
	p.capRecs = uint32(min(len(p.hopMem)/int(unsafe.Sizeof(hop{})), maxRecs))
	p.hCommit = hugeBlock
	p.groups = unsafe.Slice((*uint32)(unsafe.Pointer(&g[0])), len(g)/4)
	p.wgroup = (*wide)(unsafe.Pointer(&g[0]))
	p.whop = (*hops)(unsafe.Pointer(&p.hopMem[0]))
	r := []*recChunk{}
	p.recs.Store(&r)
	// Record 0 is "no route", what an empty leaf names: no interface,
	// the destination itself as next hop.
	p.newRecord(Route{})
	return p
}

func leafDepth(e uint32) int { return int(e>>depthShift) - 1 } // -1: no route

func mkLeaf(depth int, rec uint32) uint32 { return uint32(depth+1)<<depthShift | rec }

// lookup4 returns the leaf for an IPv4 address. It allocates nothing.
// Its walk is NextHop4's.
func (p *plane) lookup4(a uint32) uint32 {
	e := atomic.LoadUint32(&p.root[a>>p.shift])
	for s := p.shift1; e&eChild != 0; s -= groupBits {
		e = atomic.LoadUint32(&p.groups[e<<groupBits|a>>s&0xff])
	}
	return e
}

// lookup returns the leaf for a key of maxDepth bits.
func (p *plane) lookup(k *[16]byte) uint32 {
	e := atomic.LoadUint32(&p.root[p.index(k, 0)])
	for i := p.rootBits / 8; e&eChild != 0 && i < p.maxDepth/8; i++ {
		e = atomic.LoadUint32(&p.groups[e<<groupBits|uint32(k[i])])
	}
	return e // groups at the last level hold only leaves
}

// record returns the route a leaf names.
func (p *plane) record(e uint32) *Route {
	i := e & recMask
	_ = p.pub.Load() // the race detector's edge to the record's write
	return &(*p.recs.Load())[i>>recShift].r[i&(1<<recShift-1)]
}

// slots returns the entries of group i (writer side).
func (p *plane) slots(i uint32) []uint32 {
	o := i << groupBits
	return p.groups[o : o+groupSize : o+groupSize]
}

// full reports whether the plane is out of group or record indices (or of
// the address space reserved for them).
func (p *plane) full() bool {
	return p.nRecs >= p.capRecs-1 || p.nGroups >= p.capGroups-uint32(p.maxDepth)
}

// reserveDown reserves size bytes of address space, or the largest of
// size/2, size/4, ... down to least that the kernel grants.
func reserveDown(a *arena, size, least int) []byte {
	for ; size >= least; size /= 2 {
		if r := a.reserve(size); r != nil {
			return r
		}
	}
	return nil
}

// The least address space a plane takes for its groups (65 536 groups of
// 256 entries) and its next-hop records (about 700 000).
const (
	minGroupBytes = 64 << 20
	minHopBytes   = 8 << 20
)

// addressSpaceHint is what the panics of a plane out of address space say.
const addressSpaceHint = "a routing table reserves up to 8 GiB of address space per plane, committed as it grows; raise the process's address-space limit (ulimit -v)"

// acquire returns the record for r's next hop, taking a reference.
func (p *plane) acquire(r Route) uint32 {
	r.Prefix = netip.Prefix{}
	if n := p.nhs[r]; n != nil {
		n.refs++
		return n.rec
	}
	i := p.newRecord(r)
	p.nhs[r] = &nhRef{rec: i, refs: 1}
	return i
}

// release drops a reference to the record a leaf names; a record no
// prefix uses is garbage until the next rebuild.
func (p *plane) release(leaf uint32) {
	r := *p.record(leaf)
	n := p.nhs[r]
	if n.refs--; n.refs == 0 {
		delete(p.nhs, r)
		p.deadRecs++
	}
}

// newRecord stores r and returns its index.
func (p *plane) newRecord(r Route) uint32 {
	i := p.nRecs
	cs := *p.recs.Load()
	if int(i>>recShift) == len(cs) {
		ncs := append(cs[:len(cs):len(cs)], new(recChunk))
		p.recs.Store(&ncs)
		cs = ncs
	}
	c := cs[i>>recShift]
	c.r[i&(1<<recShift-1)] = r
	h := hop{ifindex: int32(r.IfIndex), keep: ^uint32(0)}
	if r.Gateway.Is4() {
		gw := r.Gateway.As4()
		h.gw, h.keep = binary.BigEndian.Uint32(gw[:]), 0
	}
	if i >= p.capRecs {
		panic("route: the table needs more next-hop records than the address space reserved holds (" + addressSpaceHint + ")")
	}
	if need := int(i+1) * int(unsafe.Sizeof(hop{})); need > p.hCommit {
		if !commit(p.hopMem, need, false) {
			panic("route: out of memory for next-hop records")
		}
		p.hCommit = (need + hugeBlock - 1) / hugeBlock * hugeBlock
	}
	// Readers see the record only through a leaf stored after this
	// (one atomic store), so plain stores do.
	p.whop[i] = h
	p.nRecs++
	p.pub.Store(p.nRecs)
	return i
}

// newGroup returns a group whose entries are all fill.
func (p *plane) newGroup(fill uint32) uint32 {
	i := p.nGroups
	if i >= p.capGroups {
		panic("route: the table needs more trie groups than the address space reserved holds (" + addressSpaceHint + ")")
	}
	if need := int(i+1) * groupSize * 4; need > p.gCommit {
		g := unsafe.Slice((*byte)(unsafe.Pointer(&p.groups[0])), len(p.groups)*4)
		if !commit(g, need, true) {
			panic("route: out of memory for trie groups")
		}
		p.gCommit = (need + hugeBlock - 1) / hugeBlock * hugeBlock
	}
	p.nGroups++
	s := p.slots(i)
	for j := range s {
		atomic.StoreUint32(&s[j], fill)
	}
	return i
}

// level returns where a prefix of length l is stored: the trie level, the
// index of its first entry in that level's table and the number of entries
// it expands to.
func (p *plane) level(k *[16]byte, l int) (lv int, first, n uint32) {
	if l <= p.rootBits {
		n = 1 << (p.rootBits - l)
		return 0, p.index(k, 0) &^ (n - 1), n
	}
	lv = (l-p.rootBits-1)/groupBits + 1
	n = 1 << (p.rootBits + groupBits*lv - l)
	return lv, p.index(k, lv) &^ (n - 1), n
}

// index returns the entry key k selects at level lv.
func (p *plane) index(k *[16]byte, lv int) uint32 {
	if lv == 0 {
		i := uint32(k[0])<<8 | uint32(k[1])
		if p.rootBits == bigRoot {
			i = i<<8 | uint32(k[2])
		}
		return i
	}
	return uint32(k[p.rootBits/8+lv-1])
}

// table returns the entries of level lv's table on k's path, creating the
// groups down to it (filled with the leaf they replace). path receives the
// group index of each level below the root.
func (p *plane) table(k *[16]byte, lv int, create bool, path []uint32) []uint32 {
	t := p.root
	for l := 0; l < lv; l++ {
		i := p.index(k, l)
		e := atomic.LoadUint32(&t[i])
		if e&eChild == 0 {
			if !create {
				return nil
			}
			g := p.newGroup(e)
			e = eChild | g
			atomic.StoreUint32(&t[i], e)
		}
		path[l] = e &^ eChild
		t = p.slots(e &^ eChild)
	}
	return t
}

// set makes leaf the value of the prefix k/l: every entry it covers whose
// leaf is no longer than l (routes of l itself or shorter ones it
// overrides) takes leaf, in the groups below as well. With a leaf of a
// shorter prefix (or none) it removes k/l, pushing the covering route back
// down. Groups left uniform by a removal are folded into their parent.
func (p *plane) set(k *[16]byte, l int, leaf uint32) {
	var path [16]uint32
	lv, first, n := p.level(k, l)
	t := p.table(k, lv, leafDepth(leaf) == l, path[:])
	if t == nil {
		return // removing a prefix that was never stored
	}
	if p.building {
		// A rebuild's bulk of the work: a /8 in DIR-24-8 covers 65 536
		// root entries, and a full table's short prefixes overlap, so
		// a million prefixes write about 90 million entries. An atomic
		// store is a locked exchange on amd64, a plain one is not.
		for i := range t[first : first+n] {
			t[first+uint32(i)] = leaf
		}
		return
	}
	for i := first; i < first+n; i++ {
		p.push(&t[i], l, leaf)
	}
	if leafDepth(leaf) == l {
		return
	}
	// Fold uniform groups, deepest first, when their one leaf is a prefix
	// the parent level can hold (pushed down from it or above): a leaf of
	// a deeper prefix must stay at its level, where removing it finds it.
	for d := lv; d > 0; d-- {
		s := p.slots(path[d-1])
		v := atomic.LoadUint32(&s[0])
		if v&eChild != 0 || leafDepth(v) > p.rootBits+groupBits*(d-1) {
			return
		}
		for j := 1; j < groupSize; j++ {
			if atomic.LoadUint32(&s[j]) != v {
				return
			}
		}
		var parent []uint32
		if d == 1 {
			parent = p.root
		} else {
			parent = p.slots(path[d-2])
		}
		atomic.StoreUint32(&parent[p.index(k, d-1)], v)
		p.deadGroups++
	}
}

// push stores leaf into *e if the entry's prefix is no longer than l,
// descending into a child group.
func (p *plane) push(e *uint32, l int, leaf uint32) {
	v := atomic.LoadUint32(e)
	if v&eChild != 0 {
		s := p.slots(v &^ eChild)
		for j := range s {
			p.push(&s[j], l, leaf)
		}
		return
	}
	if leafDepth(v) <= l {
		atomic.StoreUint32(e, leaf)
	}
}

// bytes is the memory the plane holds.
func (p *plane) bytes() int {
	return len(p.root)*4 + int(p.nGroups)*groupSize*4 + int(p.nRecs)*int(unsafe.Sizeof(hop{})) +
		len(*p.recs.Load())*int(unsafe.Sizeof(recChunk{}))
}
