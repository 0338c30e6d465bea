package ipv6

import (
	"errors"
	"net/netip"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// NeighState is the state of a neighbour cache entry (RFC 4861 §7.3.2).
type NeighState uint8

// Neighbour states.
const (
	Incomplete NeighState = iota // solicitation sent, packets queued
	Reachable                    // confirmed within ReachableTime
	Stale                        // not confirmed lately: used, probed on use
	Delay                        // used while stale: waiting DelayFirstProb for upper-layer confirmation
	Probe                        // unicast solicitations every RetransTimer
	Permanent                    // configured, never expires
)

func (s NeighState) String() string {
	return [...]string{"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "PERMANENT"}[s]
}

// Neighbour is a snapshot of one entry.
type Neighbour struct {
	IfIndex int
	Addr    netip.Addr
	MAC     wire.MAC
	State   NeighState
	Router  bool
	Queued  int
}

// ErrNeighFull is returned by AddStaticNeighbour when the cache is full
// of permanent entries.
var ErrNeighFull = errors.New("ipv6: neighbour cache full of permanent entries")

type neighKey struct {
	ifindex int32
	addr    [16]byte
}

type neighEntry struct {
	mac    wire.MAC
	state  NeighState
	router bool
	due    time.Time // INCOMPLETE/PROBE: next solicitation; REACHABLE: becomes STALE; DELAY: becomes PROBE; STALE: removed
	tries  int
	used   int64 // coarse clock of the last use, for eviction
	queue  []*mbuf.Buf
}

// neighCache is the neighbour cache and its state machine (RFC 4861 §7.3),
// one per IPv6 instance, keyed by interface and address. The data path
// asks fast (neighfast.go) first, a lock-free table of the entries a
// packet can use as they are; only a miss (an unknown, INCOMPLETE or
// STALE neighbour) takes mu, where the state machine, hold queues and
// timers live. syncLocked keeps fast in step with every change. The
// clock the slow path reads is the timer's coarse one; fast hits mark a
// referenced bit that the timer turns into the entry's last use.
type neighCache struct {
	ip      *IPv6
	mu      sync.Mutex
	m       map[neighKey]*neighEntry
	fast    neighFast
	now     atomic.Int64 // unix nanoseconds, advanced by tick
	evicted uint64
}

func newNeighCache(ip *IPv6) *neighCache {
	c := &neighCache{ip: ip, m: map[neighKey]*neighEntry{}}
	c.now.Store(ip.o.Clock.Now().UnixNano())
	c.fast.init()
	return c
}

// syncLocked shows e (k's entry, nil if gone) to the data path: entries a
// packet may use without a state change are in fast, the rest are not.
func (c *neighCache) syncLocked(k neighKey, e *neighEntry) {
	if e != nil && (e.state == Reachable || e.state == Delay || e.state == Probe || e.state == Permanent) {
		c.fast.put(k, e.mac)
	} else {
		c.fast.del(k)
	}
}

// reachableTime is interface i's ReachableTime (RFC 4861 §6.3.2: drawn
// from BaseReachableTime, linkparams.go).
func (c *neighCache) reachableTime(i int32) time.Duration { return c.ip.params(int(i)).ReachableTime }

// retrans is interface i's RetransTimer.
func (c *neighCache) retrans(i int32) time.Duration { return c.ip.params(int(i)).RetransTimer }

// action is work found under the lock and done after it: sending queued
// packets, solicitations, or errors for packets that cannot be delivered.
type action struct {
	ifindex int
	target  [16]byte
	mac     wire.MAC // unicast solicitation / resolved: the link address
	kind    uint8
	queue   []*mbuf.Buf
}

const (
	actFlush     = iota // send queue to mac
	actSolicit          // multicast NS for target
	actProbe            // unicast NS for target to mac
	actUnreached        // ICMPv6 address unreachable for each queued packet, then free
)

func (c *neighCache) run(acts []action) {
	ip := c.ip
	for _, a := range acts {
		ifc := ip.s.Interface(a.ifindex)
		switch a.kind {
		case actFlush:
			for _, b := range a.queue {
				if ifc != nil {
					ifc.Output(b, a.mac, wire.EtherTypeIPv6)
				} else {
					b.Free()
				}
			}
		case actSolicit, actProbe:
			if ifc != nil {
				ip.sendNS(ifc, a.target, a.mac, a.kind == actProbe)
			}
		case actUnreached:
			for _, b := range a.queue {
				// RFC 4861 §7.2.2: address unreachable for every packet
				// queued on a failed resolution.
				ip.icmpError(b, wire.ICMPv6DestUnreach, wire.ICMPv6AddrUnreachable, 0)
				b.Free()
			}
		}
	}
}

// resolve returns nh's link address, or queues b (then b is the cache's)
// and starts resolution. Using a STALE entry starts the DELAY timer
// (§7.3.3).
func (c *neighCache) resolve(ifc *stack.Interface, nh [16]byte, b *mbuf.Buf) (wire.MAC, bool) {
	k := neighKey{int32(ifc.Index()), nh}
	if mac, ok := c.fast.get(&k); ok {
		return mac, true
	}
	now := c.now.Load()
	c.mu.Lock()
	e := c.m[k]
	if e != nil && e.state != Incomplete {
		e.used = now
		if e.state == Stale {
			e.state, e.due = Delay, time.Unix(0, now).Add(c.ip.o.DelayFirstProb)
			c.syncLocked(k, e)
		}
		mac := e.mac
		c.mu.Unlock()
		return mac, true
	}
	var acts []action
	if e == nil {
		e = c.newEntryLocked(k, now)
		e.state, e.tries, e.due = Incomplete, 1, time.Unix(0, now).Add(c.retrans(k.ifindex))
		acts = append(acts, action{ifindex: ifc.Index(), target: nh, kind: actSolicit})
	}
	c.queueLocked(e, b)
	c.mu.Unlock()
	c.run(acts)
	return wire.MAC{}, false
}

func (c *neighCache) queueLocked(e *neighEntry, b *mbuf.Buf) {
	st := &c.ip.st
	if len(e.queue) >= c.ip.o.NeighQueue {
		st.ndQueueDrops.Add(1)
		b.Free()
		return
	}
	if c.ip.holdQ.Charge(b.Segs()) != nil {
		st.ndHoldRefused.Add(1)
		b.Free()
		return
	}
	e.queue = append(e.queue, b)
}

func (c *neighCache) takeQueueLocked(e *neighEntry) []*mbuf.Buf {
	q := e.queue
	e.queue = nil
	for _, b := range q {
		c.ip.holdQ.Uncharge(b.Segs())
	}
	return q
}

// newEntryLocked adds an entry, evicting when the cache is full: an
// unresolved entry first, else the least recently used dynamic one.
func (c *neighCache) newEntryLocked(k neighKey, now int64) *neighEntry {
	if len(c.m) >= c.ip.o.NeighMax {
		var vk neighKey
		var ve *neighEntry
		for kk, e := range c.m {
			if e.state == Permanent {
				continue
			}
			if ve == nil || (e.state == Incomplete) != (ve.state == Incomplete) && e.state == Incomplete ||
				(e.state == Incomplete) == (ve.state == Incomplete) && e.used < ve.used {
				vk, ve = kk, e
			}
		}
		if ve != nil {
			for _, b := range c.takeQueueLocked(ve) {
				b.Free()
			}
			delete(c.m, vk)
			c.fast.del(vk)
			c.evicted++
		}
	}
	e := &neighEntry{used: now}
	c.m[k] = e
	return e
}

// learn applies a link address heard in a solicitation's source option
// (RFC 4861 §7.2.3) or a router message (§6.3.4): a new entry is STALE,
// an INCOMPLETE one is resolved (its queue goes out), a different address
// replaces the old and makes it STALE.
func (c *neighCache) learn(ifindex int, addr [16]byte, mac wire.MAC, router bool) {
	k := neighKey{int32(ifindex), addr}
	now := c.now.Load()
	var acts []action
	c.mu.Lock()
	e := c.m[k]
	switch {
	case e == nil:
		e = c.newEntryLocked(k, now)
		e.state, e.mac, e.due = Stale, mac, time.Unix(0, now).Add(c.ip.o.StaleTime)
	case e.state == Permanent:
	case e.state == Incomplete:
		e.state, e.mac, e.due = Stale, mac, time.Unix(0, now).Add(c.ip.o.StaleTime)
		acts = append(acts, action{ifindex: ifindex, mac: mac, kind: actFlush, queue: c.takeQueueLocked(e)})
	case e.mac != mac:
		e.state, e.mac, e.due = Stale, mac, time.Unix(0, now).Add(c.ip.o.StaleTime)
	}
	if router {
		e.router = true
	}
	c.syncLocked(k, e)
	c.mu.Unlock()
	c.run(acts)
}

// advert applies a neighbour advertisement for target (RFC 4861 §7.2.5).
// tlla is the target link-layer address option, if present.
func (c *neighCache) advert(ifindex int, target [16]byte, tlla *wire.MAC, solicited, override, router bool) {
	k := neighKey{int32(ifindex), target}
	now := c.now.Load()
	var acts []action
	c.mu.Lock()
	e := c.m[k]
	defer func() {
		if e != nil {
			c.syncLocked(k, e)
		}
		c.mu.Unlock()
		c.run(acts)
	}()
	if e == nil || e.state == Permanent {
		return // no entry: silently discarded
	}
	if e.state == Incomplete {
		if tlla == nil {
			return
		}
		e.mac = *tlla
		if solicited {
			e.state, e.due = Reachable, time.Unix(0, now).Add(c.reachableTime(k.ifindex))
		} else {
			e.state, e.due = Stale, time.Unix(0, now).Add(c.ip.o.StaleTime)
		}
		e.router = router
		acts = append(acts, action{ifindex: ifindex, mac: e.mac, kind: actFlush, queue: c.takeQueueLocked(e)})
		return
	}
	differs := tlla != nil && *tlla != e.mac
	if !override && differs {
		if e.state == Reachable {
			e.state, e.due = Stale, time.Unix(0, now).Add(c.ip.o.StaleTime)
		}
		return
	}
	if tlla != nil {
		e.mac = *tlla
	}
	switch {
	case solicited:
		e.state, e.due, e.tries = Reachable, time.Unix(0, now).Add(c.reachableTime(k.ifindex)), 0
	case differs:
		e.state, e.due = Stale, time.Unix(0, now).Add(c.ip.o.StaleTime)
	}
	e.router = router
}

// Confirm is forward progress from an upper layer (RFC 4861 §7.3.1: a
// TCP ACK for new data): addr on the interface becomes REACHABLE.
func (c *neighCache) confirm(ifindex int, addr [16]byte) {
	now := c.now.Load()
	c.mu.Lock()
	k := neighKey{int32(ifindex), addr}
	if e := c.m[k]; e != nil && e.state != Incomplete && e.state != Permanent {
		e.state, e.due, e.tries = Reachable, time.Unix(0, now).Add(c.reachableTime(k.ifindex)), 0
		c.syncLocked(k, e)
	}
	c.mu.Unlock()
}

// tick runs the timers of §7.3.3 (retransmission, REACHABLE to STALE,
// DELAY to PROBE, giving up) and removes STALE entries unused for
// StaleTime.
func (c *neighCache) tick(now time.Time) {
	c.now.Store(now.UnixNano())
	o := &c.ip.o
	var acts []action
	c.mu.Lock()
	for k, e := range c.m {
		if c.fast.testClear(k) {
			e.used = now.UnixNano() // used through the fast path since the last tick
		}
		if e.state == Permanent || now.Before(e.due) {
			continue
		}
		switch e.state {
		case Incomplete, Probe:
			if e.tries >= o.Solicits {
				c.ip.st.ndResolveFailed.Add(1)
				if q := c.takeQueueLocked(e); len(q) > 0 {
					acts = append(acts, action{kind: actUnreached, queue: q})
				}
				delete(c.m, k)
				c.fast.del(k)
				continue
			}
			e.tries++
			e.due = now.Add(c.retrans(k.ifindex))
			kind := actSolicit
			if e.state == Probe {
				kind = actProbe
			}
			acts = append(acts, action{ifindex: int(k.ifindex), target: k.addr, mac: e.mac, kind: uint8(kind)})
		case Reachable:
			e.state, e.due = Stale, now.Add(o.StaleTime)
		case Delay:
			e.state, e.tries, e.due = Probe, 1, now.Add(c.retrans(k.ifindex))
			acts = append(acts, action{ifindex: int(k.ifindex), target: k.addr, mac: e.mac, kind: actProbe})
		case Stale:
			delete(c.m, k)
			c.fast.del(k)
			continue
		}
		c.syncLocked(k, e)
	}
	c.mu.Unlock()
	c.run(acts)
}

// flush removes the entries of interface i (0: all), freeing queues.
func (c *neighCache) flush(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if i == 0 || int(k.ifindex) == i {
			for _, b := range c.takeQueueLocked(e) {
				b.Free()
			}
			delete(c.m, k)
			c.fast.del(k)
		}
	}
}

// Neighbours returns a snapshot of the cache, by interface and address.
func (ip *IPv6) Neighbours() []Neighbour {
	c := ip.neigh
	c.mu.Lock()
	out := make([]Neighbour, 0, len(c.m))
	for k, e := range c.m {
		out = append(out, Neighbour{IfIndex: int(k.ifindex), Addr: netip.AddrFrom16(k.addr), MAC: e.mac,
			State: e.state, Router: e.router, Queued: len(e.queue)})
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

// AddStaticNeighbour adds a permanent entry for addr on ifc.
func (ip *IPv6) AddStaticNeighbour(ifc *stack.Interface, addr netip.Addr, mac wire.MAC) error {
	if !addr.Is6() || addr.IsMulticast() {
		return &stack.OpError{Op: "add neighbour " + addr.String(), Interface: ifc.Name(), Err: ErrBadAddress}
	}
	c := ip.neigh
	k := neighKey{int32(ifc.Index()), addr.As16()}
	var acts []action
	c.mu.Lock()
	e := c.m[k]
	if e == nil {
		if len(c.m) >= ip.o.NeighMax {
			full := true
			for _, o := range c.m {
				if o.state != Permanent {
					full = false
					break
				}
			}
			if full {
				c.mu.Unlock()
				return &stack.OpError{Op: "add neighbour " + addr.String(), Interface: ifc.Name(), Err: ErrNeighFull}
			}
		}
		e = c.newEntryLocked(k, c.now.Load())
	}
	e.state, e.mac = Permanent, mac
	c.syncLocked(k, e)
	if len(e.queue) > 0 {
		acts = append(acts, action{ifindex: ifc.Index(), mac: mac, kind: actFlush, queue: c.takeQueueLocked(e)})
	}
	c.mu.Unlock()
	c.run(acts)
	return nil
}

// ConfirmReachable is the upper-layer reachability hint of RFC 4861
// §7.3.1 for addr on interface ifindex.
func (ip *IPv6) ConfirmReachable(ifindex int, addr [16]byte) { ip.neigh.confirm(ifindex, addr) }
