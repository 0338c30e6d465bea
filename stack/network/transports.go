package network

import (
	"sync"
	"sync/atomic"
)

// Transports is a network layer's table of the transports it serves, by
// protocol number (IPv4) or next-header number (IPv6): read by the
// receive path with one atomic load and no lock, changed while the stack
// runs (a protocol loaded or unloaded, as io-pkt mounts one) under a
// mutex. T is the layer's own transport interface (ipv4.Transport,
// ipv6.Transport). The zero value is an empty table.
type Transports[T any] struct {
	mu    sync.Mutex
	slots [256]atomic.Pointer[transportRef[T]]
}

// transportRef boxes a T for an atomic pointer slot.
type transportRef[T any] struct{ t T }

// Get returns what serves number p (ok false: nothing).
func (ts *Transports[T]) Get(p uint8) (t T, ok bool) {
	if r := ts.slots[p].Load(); r != nil {
		return r.t, true
	}
	return t, false
}

// Add serves p with t: attach runs first, under the table's lock, and t is
// visible to the receive path only if it succeeds. taken is true (and
// nothing runs) when p is already served.
func (ts *Transports[T]) Add(p uint8, t T, attach func() error) (taken bool, err error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.slots[p].Load() != nil {
		return true, nil
	}
	if attach != nil {
		if err := attach(); err != nil {
			return false, err
		}
	}
	ts.slots[p].Store(&transportRef[T]{t})
	return false, nil
}

// Remove stops serving p and returns what served it (ok false: nothing).
// A receive burst that loaded it before may still be using it.
func (ts *Transports[T]) Remove(p uint8) (t T, ok bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if r := ts.slots[p].Swap(nil); r != nil {
		return r.t, true
	}
	return t, false
}

// Each calls fn for every transport served, in number order.
func (ts *Transports[T]) Each(fn func(p uint8, t T)) {
	for p := range ts.slots {
		if r := ts.slots[p].Load(); r != nil {
			fn(uint8(p), r.t)
		}
	}
}
