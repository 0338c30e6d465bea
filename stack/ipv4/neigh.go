package ipv4

import (
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
}

// neighCache is the ARP cache (RFC 826 "translation table"), one per IPv4
// instance, keyed by interface and address.
type neighCache struct {
	ip *IPv4
	mu sync.Mutex
	m  map[neighKey]*neighEntry
}

func newNeighCache(ip *IPv4) *neighCache {
	return &neighCache{ip: ip, m: map[neighKey]*neighEntry{}}
}

// resolve returns nh's MAC, or queues b (bounded: the oldest packet is
// dropped, RFC 1122 §2.3.2.2) and starts resolution. On false the cache owns
// b.
func (c *neighCache) resolve(ifc *stack.Interface, nh wire.Addr4, b *mbuf.Buf) (wire.MAC, bool) {
	k := neighKey{int32(ifc.Index()), nh}
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
		if len(c.m) >= o.NeighMax && !c.evictLocked() {
			c.mu.Unlock()
			c.ip.st.arpQueueDrops.Add(1)
			b.Free()
			return wire.MAC{}, false
		}
		e = &neighEntry{state: Incomplete, due: time.Now().Add(o.ARPRetry), tries: 1}
		c.m[k] = e
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

// evictLocked drops one entry that is not static: a stale one if there is
// one, else the unresolved entry retried soonest, else the reachable entry
// confirmed longest ago. Entries still answering outlive the ones a flood
// towards silent next hops creates.
func (c *neighCache) evictLocked() bool {
	var victim neighKey
	var ve *neighEntry
	for k, e := range c.m {
		if e.state == Static {
			continue
		}
		if e.state == Stale {
			victim, ve = k, e
			break
		}
		if ve == nil || evictRank(e) < evictRank(ve) || evictRank(e) == evictRank(ve) && e.due.Before(ve.due) {
			victim, ve = k, e
		}
	}
	if ve == nil {
		return false
	}
	c.dropLocked(victim)
	return true
}

// evictRank orders eviction candidates: lower goes first.
func evictRank(e *neighEntry) int {
	if e.state == Incomplete {
		return 0
	}
	return 1
}

// unpark uncharges a packet leaving a hold queue.
func (c *neighCache) unpark(b *mbuf.Buf) { c.ip.holdQ.Uncharge(b.Segs()) }

func (c *neighCache) dropLocked(k neighKey) {
	e := c.m[k]
	for _, q := range e.queue {
		c.unpark(q)
		q.Free()
	}
	delete(c.m, k)
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
		if len(c.m) >= c.ip.o.NeighMax && !c.evictLocked() {
			c.mu.Unlock()
			return false
		}
		e = &neighEntry{}
		c.m[k] = e
	}
	if e.state == Static {
		c.mu.Unlock()
		return true
	}
	e.mac, e.state, e.due, e.tries, e.probing = mac, Reachable, time.Now().Add(c.ip.o.ARPTimeout), 0, false
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
				delete(c.m, k)
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
				delete(c.m, k)
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
func (ip *IPv4) AddStaticNeighbour(ifc *stack.Interface, a netip.Addr, mac wire.MAC) {
	c := ip.neigh
	k := neighKey{int32(ifc.Index()), a.As4()}
	c.mu.Lock()
	e := c.m[k]
	if e == nil {
		e = &neighEntry{}
		c.m[k] = e
	}
	e.mac, e.state = mac, Static
	q := e.queue
	e.queue = nil
	for _, b := range q {
		c.unpark(b)
	}
	c.mu.Unlock()
	for _, b := range q {
		ifc.Output(b, mac, wire.EtherTypeIPv4)
	}
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
