package pf

import (
	"encoding/binary"
	"math/bits"
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

// stateKey holds IPv4 addresses in their IPv4-mapped IPv6 form (RFC 4291
// §2.5.5.2), so one table serves both families.
type stateKey struct {
	proto  wire.IPProtocol
	a, b   [16]byte
	pa, pb uint16
}

type stateEntry struct {
	expires int64    // ns on the filter clock
	origSrc [16]byte // who opened it (ICMP: the echo requester)
	rule    *Rule
}

// addrs returns pk's source and destination in the key's form.
func (pk *packet) addrs() (src, dst [16]byte) {
	if pk.v6 {
		return pk.src6, pk.dst6
	}
	src[10], src[11], dst[10], dst[11] = 0xff, 0xff, 0xff, 0xff
	copy(src[12:], pk.src[:])
	copy(dst[12:], pk.dst[:])
	return src, dst
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
	src, dst := pk.addrs()
	k := stateKey{proto: pk.proto, a: src, b: dst, pa: pk.sport, pb: pk.dport}
	if string(k.b[:]) < string(k.a[:]) || (k.a == k.b && k.pb < k.pa) {
		k.a, k.b, k.pa, k.pb = k.b, k.a, k.pb, k.pa
	}
	return k
}

func (t *stateTable) shard(k *stateKey) *stateShard {
	be := binary.BigEndian
	h := uint32(k.proto) ^ uint32(k.pa)<<16 ^ uint32(k.pb) ^
		be.Uint32(k.a[12:]) ^ be.Uint32(k.a[8:]) ^ be.Uint32(k.a[4:]) ^ be.Uint32(k.a[0:]) ^
		bits.RotateLeft32(be.Uint32(k.b[12:])^be.Uint32(k.b[8:])^be.Uint32(k.b[4:])^be.Uint32(k.b[0:]), 7)
	h ^= h >> 16
	h *= 0x45d9f3b
	h ^= h >> 16
	return &t.shards[h%stateShards]
}

// lookup reports whether pk belongs to a live state, refreshing it to
// expire at now+timeout (unless timeout is 0: an ICMP error about the
// connection does not keep it alive).
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
	if ok && pk.icmp() {
		// RFC 792, RFC 4443 §4.2: the reply comes from the one the
		// request went to.
		src, _ := pk.addrs()
		if (pk.echoRequest() && src != e.origSrc) || (pk.echoReply() && src == e.origSrc) || (!pk.echoRequest() && !pk.echoReply()) {
			ok = false
		}
	}
	if ok && timeout > 0 {
		e.expires = now + timeout
		s.m[k] = e
	}
	s.mu.Unlock()
	return ok
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
	src, _ := pk.addrs()
	s.m[k] = stateEntry{expires: exp, origSrc: src, rule: r}
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
