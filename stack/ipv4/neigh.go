package ipv4

import (
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"sync"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// NeighState is the state of a neighbour cache entry (the states of
// RFC 4861 §7.3.2, which RFC 1122 §2.3.2.1 leaves to the implementation).
type NeighState uint8

// Neighbour states.
const (
	Incomplete NeighState = iota // ARP request sent, packets queued
	Reachable                    // answered within ARPTimeout
	Stale                        // lifetime over: still used, being re-probed
	Static                       // configured, never expires
)

func (s NeighState) String() string {
	return [...]string{"INCOMPLETE", "REACHABLE", "STALE", "PERMANENT"}[s]
}

// Neighbour is a snapshot of one entry.
type Neighbour struct {
	IfIndex int
	Addr    netip.Addr
	MAC     wire.MAC
	State   NeighState
	Queued  int
}

type neighKey struct {
	ifindex int32
	addr    wire.Addr4
}

type neighEntry struct {
	mac     wire.MAC
	state   NeighState
	due     time.Time // Incomplete: next retry; Reachable: becomes Stale; Stale: deleted
	tries   int
	queue   []*mbuf.Buf
	probing bool
	ring    uint8 // dynamic entries: ringIncomplete or ringResolved
	pos     int   // index in that ring
}

// The dynamic entries are in one of two rings: evictions take unresolved
// entries first (a flood towards silent next hops only displaces its own
// kind), then the least recently used resolved one.
const (
	ringIncomplete = iota
	ringResolved
)

// ErrNeighFull is returned by AddStaticNeighbour when the permanent entries
// reach Options.NeighStaticMax.
var ErrNeighFull = errors.New("ipv4: neighbour cache: static entry limit reached")

// neighCache is the ARP cache (RFC 826 "translation table"), one per IPv4
// instance, keyed by interface and address.
//
// The data path asks fast (neighfast.go) first: a lock-free table of the
// resolved entries. Only a miss takes mu, where the entries' state machine,
// hold queues and timers live. Dynamic entries (learned, or being
// resolved) are at most Options.NeighMax and static ones at most
// Options.NeighStaticMax, counted apart, so permanent entries never stop a
// new neighbour from resolving: when the dynamic entries are full an
// unresolved one goes, else the least recently used resolved one (a CLOCK,
// amortised O(1), never a scan per packet). Entries come from slabs of 64
// and are reused.
type neighCache struct {
	ip   *IPv4
	fast neighFast
	mu   sync.Mutex
	m    map[neighKey]*neighEntry

	rings        [2][]neighKey // dynamic entries by ring, in no order
	hands        [2]int
	static       int
	free         []*neighEntry
	evicted      uint64
	staticRefuse uint64
}

func newNeighCache(ip *IPv4) *neighCache {
	c := &neighCache{ip: ip, m: map[neighKey]*neighEntry{}}
	c.fast.init()
	return c
}

func (k neighKey) fast() uint64 { return fastKey(int(k.ifindex), k.addr) }

// newEntryLocked takes an entry from the slab.
func (c *neighCache) newEntryLocked() *neighEntry {
	if len(c.free) == 0 {
		slab := make([]neighEntry, 64)
		for i := range slab {
			c.free = append(c.free, &slab[i])
		}
	}
	e := c.free[len(c.free)-1]
	c.free = c.free[:len(c.free)-1]
	return e
}

// addDynamicLocked inserts a new dynamic entry for k, evicting the least
// recently used dynamic entry when the limit is reached.
func (c *neighCache) addDynamicLocked(k neighKey) *neighEntry {
	if len(c.rings[0])+len(c.rings[1]) >= c.ip.o.NeighMax {
		c.evictLocked()
	}
	e := c.newEntryLocked()
	c.m[k] = e
	c.ringAddLocked(k, e, ringIncomplete)
	return e
}

func (c *neighCache) ringAddLocked(k neighKey, e *neighEntry, r uint8) {
	e.ring, e.pos = r, len(c.rings[r])
	c.rings[r] = append(c.rings[r], k)
}

func (c *neighCache) ringDelLocked(e *neighEntry) {
	ring := c.rings[e.ring]
	last := len(ring) - 1
	moved := ring[last]
	ring[e.pos] = moved
	c.m[moved].pos = e.pos
	c.rings[e.ring] = ring[:last]
}

// resolve returns nh's MAC, or queues b (bounded: the oldest packet is
// dropped, RFC 1122 §2.3.2.2) and starts resolution. On false the cache owns
// b.
func (c *neighCache) resolve(ifc *stack.Interface, nh wire.Addr4, b *mbuf.Buf) (wire.MAC, bool) {
	k := neighKey{int32(ifc.Index()), nh}
	if mac, ok := c.fast.get(k.fast()); ok {
		return mac, true
	}
	o := &c.ip.o
	c.mu.Lock()
	e := c.m[k]
	if e != nil && e.state != Incomplete {
		mac := e.mac
		c.mu.Unlock()
		return mac, true
	}
	if ifc.Flags()&stack.FlagNoARP != 0 {
		c.mu.Unlock()
		c.ip.st.arpResolveFailed.Add(1)
		b.Free()
		return wire.MAC{}, false
	}
	send := false
	if e == nil {
		e = c.addDynamicLocked(k)
		e.state, e.due, e.tries = Incomplete, c.ip.o.Clock.Now().Add(o.ARPRetry), 1
		send = true
	}
	if len(e.queue) >= o.ARPQueue {
		c.unpark(e.queue[0])
		e.queue[0].Free()
		copy(e.queue, e.queue[1:])
		e.queue = e.queue[:len(e.queue)-1]
		c.ip.st.arpQueueDrops.Add(1)
	}
	// The hold queues together are one quota of the pool budget
	// (quota.go): a packet past it is dropped, counted by reason there.
	if c.ip.holdQ.Charge(b.Segs()) != nil {
		c.mu.Unlock()
		b.Free()
		if send {
			c.ip.request(ifc, nh)
		}
		return wire.MAC{}, false
	}
	e.queue = append(e.queue, b)
	c.mu.Unlock()
	if send {
		c.ip.request(ifc, nh)
	}
	return wire.MAC{}, false
}

// evictLocked drops a dynamic entry: an unresolved one (in turn), else
// the least recently used resolved one (CLOCK: the hand passes over
// entries looked up since its last visit, clearing their mark).
func (c *neighCache) evictLocked() {
	if r := c.rings[ringIncomplete]; len(r) > 0 {
		h := &c.hands[ringIncomplete]
		*h = (*h + 1) % len(r)
		c.dropLocked(r[*h])
		c.evicted++
		return
	}
	r := c.rings[ringResolved]
	h := &c.hands[ringResolved]
	for range 2*len(r) + 1 {
		if *h >= len(r) {
			*h = 0
		}
		k := r[*h]
		if c.fast.testClear(k.fast()) {
			*h++
			continue
		}
		c.dropLocked(k)
		c.evicted++
		return
	}
}

// unpark uncharges a packet leaving a hold queue.
func (c *neighCache) unpark(b *mbuf.Buf) { c.ip.holdQ.Uncharge(b.Segs()) }

func (c *neighCache) dropLocked(k neighKey) {
	e := c.m[k]
	for _, q := range e.queue {
		c.unpark(q)
		q.Free()
	}
	c.removeLocked(k, e)
}

// removeLocked forgets k (its queue already emptied) and recycles e.
func (c *neighCache) removeLocked(k neighKey, e *neighEntry) {
	c.fast.del(k.fast())
	if e.state == Static {
		c.static--
	} else {
		c.ringDelLocked(e)
	}
	delete(c.m, k)
	clear(e.queue)
	*e = neighEntry{queue: e.queue[:0]}
	c.free = append(c.free, e)
}

// update records sender->mac (RFC 826 "merge"): an existing entry is
// refreshed; a missing one is created only when create is set (we were the
// target). Packets queued on the entry are sent. It reports whether an entry
// existed.
func (c *neighCache) update(ifc *stack.Interface, a wire.Addr4, mac wire.MAC, create bool) bool {
	k := neighKey{int32(ifc.Index()), a}
	c.mu.Lock()
	e := c.m[k]
	existed := e != nil
	if e == nil {
		if !create {
			c.mu.Unlock()
			return false
		}
		e = c.addDynamicLocked(k)
	}
	if e.state == Static {
		c.mu.Unlock()
		return true
	}
	if e.state == Incomplete {
		c.ringDelLocked(e)
		c.ringAddLocked(k, e, ringResolved)
	}
	e.mac, e.state, e.due, e.tries, e.probing = mac, Reachable, c.ip.o.Clock.Now().Add(c.ip.o.ARPTimeout), 0, false
	c.fast.put(k.fast(), mac)
	q := e.queue
	e.queue = nil
	for _, b := range q {
		c.unpark(b)
	}
	c.mu.Unlock()
	for _, b := range q {
		ifc.Output(b, mac, wire.EtherTypeIPv4)
	}
	return existed
}

// tick runs retries and timeouts (called every Options.Tick).
func (c *neighCache) tick(now time.Time) {
	type probe struct {
		ifindex int
		addr    wire.Addr4
	}
	var probes []probe
	var failed []*mbuf.Buf
	o := &c.ip.o
	c.mu.Lock()
	for k, e := range c.m {
		if e.state == Static || now.Before(e.due) {
			continue
		}
		switch e.state {
		case Incomplete:
			if e.tries >= o.ARPRetries {
				c.ip.st.arpResolveFailed.Add(1)
				for _, b := range e.queue {
					c.unpark(b)
				}
				failed = append(failed, e.queue...)
				e.queue = nil
				c.removeLocked(k, e)
				continue
			}
			e.tries++
			e.due = now.Add(o.ARPRetry)
			probes = append(probes, probe{int(k.ifindex), k.addr})
		case Reachable:
			// Lifetime over: keep using the address, ask again.
			e.state, e.tries = Stale, 1
			e.due = now.Add(o.ARPRetry)
			probes = append(probes, probe{int(k.ifindex), k.addr})
		case Stale:
			if e.tries >= o.ARPRetries {
				c.removeLocked(k, e)
				continue
			}
			e.tries++
			e.due = now.Add(o.ARPRetry)
			probes = append(probes, probe{int(k.ifindex), k.addr})
		}
	}
	c.mu.Unlock()
	for _, p := range probes {
		if ifc := c.ip.s.Interface(p.ifindex); ifc != nil {
			c.ip.request(ifc, p.addr)
		}
	}
	// RFC 1812 §5.2.7.1: a next hop that does not answer ARP gets the
	// sender a Destination Unreachable, code 1 (host unreachable).
	for _, b := range failed {
		c.ip.icmpError(b, wire.ICMPv4DestUnreach, wire.ICMPv4HostUnreachable, 0)
		b.Free()
	}
}

// flush drops the entries of ifindex (0: all), freeing queued packets.
func (c *neighCache) flush(ifindex int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if ifindex == 0 || int(k.ifindex) == ifindex {
			c.dropLocked(k)
		}
	}
}

// Neighbours returns a snapshot of the neighbour cache, sorted by interface
// and address (what `ip neigh` shows).
func (ip *IPv4) Neighbours() []Neighbour {
	c := ip.neigh
	c.mu.Lock()
	out := make([]Neighbour, 0, len(c.m))
	for k, e := range c.m {
		out = append(out, Neighbour{IfIndex: int(k.ifindex), Addr: netip.AddrFrom4(k.addr), MAC: e.mac, State: e.state, Queued: len(e.queue)})
	}
	c.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].IfIndex != out[j].IfIndex {
			return out[i].IfIndex < out[j].IfIndex
		}
		return out[i].Addr.Less(out[j].Addr)
	})
	return out
}

// AddStaticNeighbour installs a permanent entry (arp -s); it is how
// addresses resolve on interfaces with ARP switched off (FlagNoARP).
// Permanent entries have their own limit (Options.NeighStaticMax) and do
// not use the dynamic entries' room; past the limit it returns ErrNeighFull
// and changes nothing.
func (ip *IPv4) AddStaticNeighbour(ifc *stack.Interface, a netip.Addr, mac wire.MAC) error {
	c := ip.neigh
	k := neighKey{int32(ifc.Index()), a.As4()}
	c.mu.Lock()
	e := c.m[k]
	if e == nil || e.state != Static {
		if c.static >= ip.o.NeighStaticMax {
			c.staticRefuse++
			c.mu.Unlock()
			return fmt.Errorf("%w: %d permanent entries (Options.NeighStaticMax); delete one or raise the limit to add %v", ErrNeighFull, c.static, a)
		}
		if e == nil {
			e = c.newEntryLocked()
			c.m[k] = e
		} else {
			// A learned entry becomes permanent: it leaves its ring.
			c.ringDelLocked(e)
		}
		c.static++
	}
	e.mac, e.state = mac, Static
	c.fast.put(k.fast(), mac)
	q := e.queue
	e.queue = nil
	for _, b := range q {
		c.unpark(b)
	}
	c.mu.Unlock()
	for _, b := range q {
		ifc.Output(b, mac, wire.EtherTypeIPv4)
	}
	return nil
}

// DeleteNeighbour removes the entry for a on ifc; it reports whether there
// was one.
func (ip *IPv4) DeleteNeighbour(ifc *stack.Interface, a netip.Addr) bool {
	c := ip.neigh
	k := neighKey{int32(ifc.Index()), a.As4()}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m[k] == nil {
		return false
	}
	c.dropLocked(k)
	return true
}
