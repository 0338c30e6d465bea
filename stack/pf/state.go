package pf

import (
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/stack/wire"
)

// The state table (pf's "keep state"): a passing packet of a rule that
// keeps state enters its connection, and later packets of that connection
// in either direction pass without the rules. Keys are symmetric (the two
// endpoints in a fixed order), so a reply finds the state its request
// made. ICMP echo states are keyed by the identifier and let only echo
// replies come back (the entry remembers who sent the request). Entries
// expire after the protocol's timeout unless packets refresh them.
//
// The table is bounded: at most MaxStates entries in all (one atomic
// count), in shards of Go maps each allocated once with room for twice its
// share, so an uneven hash does not refuse a state before the table is
// full and a map never grows. When the table (or a shard) is full, expired
// entries are swept first, at most once per earliest expiry (a full table
// of live states is not swept on every new flow), then the new state is
// refused (counted). So memory does not grow with the number of flows,
// and a packet never allocates.

const stateShards = 16

type stateKey struct {
	proto  wire.IPProtocol
	a, b   wire.Addr4
	pa, pb uint16
}

type stateEntry struct {
	expires int64      // ns on the filter clock
	origSrc wire.Addr4 // who opened it (ICMP: the echo requester)
	rule    *Rule
}

type stateShard struct {
	mu  sync.Mutex
	m   map[stateKey]stateEntry
	max int
}

type stateTable struct {
	shards [stateShards]stateShard
	max    int64
	live   atomic.Int64 // entries in all shards, expired or not
	// sweepAt: no sweep frees anything before this time (the earliest
	// expiry the last sweep saw); 0: sweep when full.
	sweepAt atomic.Int64
}

func newStateTable(max int) *stateTable {
	t := &stateTable{max: int64(max)}
	per := 2 * (max/stateShards + 1)
	for i := range t.shards {
		t.shards[i] = stateShard{m: make(map[stateKey]stateEntry, per), max: per}
	}
	return t
}

func keyOf(pk *packet) stateKey {
	k := stateKey{proto: pk.proto, a: pk.src, b: pk.dst, pa: pk.sport, pb: pk.dport}
	if string(k.b[:]) < string(k.a[:]) || (k.a == k.b && k.pb < k.pa) {
		k.a, k.b, k.pa, k.pb = k.b, k.a, k.pb, k.pa
	}
	return k
}

func (t *stateTable) shard(k *stateKey) *stateShard {
	h := uint32(k.proto) ^ uint32(k.pa)<<16 ^ uint32(k.pb) ^
		(uint32(k.a[0])<<24 | uint32(k.a[1])<<16 | uint32(k.a[2])<<8 | uint32(k.a[3])) ^
		(uint32(k.b[0])<<24 | uint32(k.b[1])<<16 | uint32(k.b[2])<<8 | uint32(k.b[3]))
	h ^= h >> 16
	h *= 0x45d9f3b
	h ^= h >> 16
	return &t.shards[h%stateShards]
}

// lookup reports whether pk belongs to a live state, refreshing it to
// expire at now+timeout.
func (t *stateTable) lookup(pk *packet, now, timeout int64) bool {
	k := keyOf(pk)
	s := t.shard(&k)
	s.mu.Lock()
	e, ok := s.m[k]
	if ok && now > e.expires {
		delete(s.m, k)
		t.live.Add(-1)
		ok = false
	}
	if ok && pk.proto == wire.IPProtocolICMP {
		// RFC 792: the reply comes from the one the request went to.
		if (pk.icmpType == 8 && pk.src != e.origSrc) || (pk.icmpType == 0 && pk.src == e.origSrc) || (pk.icmpType != 0 && pk.icmpType != 8) {
			ok = false
		}
	}
	if ok {
		e.expires = now + timeout
		s.m[k] = e
	}
	s.mu.Unlock()
	return ok
}

// related reports whether the datagram q an ICMP error quotes belongs to a
// live state (pf's pf_test_state_icmp): the error passes as its
// connection does. The state is not refreshed: errors do not keep a
// connection alive.
func (t *stateTable) related(q *quote, now int64) bool {
	pk := packet{proto: q.proto, src: q.t.src, dst: q.t.dst, sport: q.t.sport, dport: q.t.dport}
	k := keyOf(&pk)
	s := t.shard(&k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[k]
	if !ok || now > e.expires {
		return false
	}
	// An echo state: the quote is a request its requester sent.
	return q.proto != wire.IPProtocolICMP || (q.b[q.hl] == 8 && q.t.src == e.origSrc)
}

// insert enters pk's connection; false when the table (or pk's shard) is
// full of live states.
func (t *stateTable) insert(pk *packet, r *Rule, now, timeout int64) bool {
	k := keyOf(pk)
	s := t.shard(&k)
	s.mu.Lock()
	_, exists := s.m[k]
	full := !exists && (len(s.m) >= s.max || t.live.Load() >= t.max)
	s.mu.Unlock()
	if full && !t.sweep(now) {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; !ok {
		if len(s.m) >= s.max {
			return false
		}
		if t.live.Add(1) > t.max {
			t.live.Add(-1)
			return false
		}
	}
	exp := now + timeout
	s.m[k] = stateEntry{expires: exp, origSrc: pk.src, rule: r}
	for { // a state that expires before the next planned sweep moves it
		at := t.sweepAt.Load()
		if at == 0 || at <= exp || t.sweepAt.CompareAndSwap(at, exp) {
			break
		}
	}
	return true
}

// sweep drops every expired entry and reports whether it freed any; it
// does nothing before the earliest expiry the previous sweep saw.
func (t *stateTable) sweep(now int64) bool {
	if at := t.sweepAt.Load(); at != 0 && now <= at {
		return false
	}
	freed := false
	next := int64(1<<63 - 1)
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		for k, e := range s.m {
			if now > e.expires {
				delete(s.m, k)
				t.live.Add(-1)
				freed = true
			} else if e.expires < next {
				next = e.expires
			}
		}
		s.mu.Unlock()
	}
	t.sweepAt.Store(next)
	return freed
}

// count returns the number of entries (live or not yet purged).
func (t *stateTable) count() int { return int(t.live.Load()) }

// flush removes every state.
func (t *stateTable) flush() {
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		t.live.Add(-int64(len(s.m)))
		clear(s.m)
		s.mu.Unlock()
	}
	t.sweepAt.Store(0)
}
