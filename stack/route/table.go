package route

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
)

// Errors callers branch on.
var (
	ErrExists   = errors.New("route: a route to this prefix via this interface already exists")
	ErrNotFound = errors.New("route: no such route")
	ErrBadRoute = errors.New("route: invalid route")
)

// Kind says where a route came from.
type Kind uint8

// Route kinds.
const (
	Static    Kind = iota // added by the administrator
	Connected             // the subnet of an interface address (installed by the stack)
	Host                  // a /32 to one of our own addresses on its interface
)

func (k Kind) String() string {
	switch k {
	case Connected:
		return "connected"
	case Host:
		return "host"
	}
	return "static"
}

// Route is one entry. A zero Gateway means the destination is on-link
// (reachable directly on the interface).
type Route struct {
	Prefix  netip.Prefix // masked IPv4 prefix; 0.0.0.0/0 is the default route
	Gateway netip.Addr   // next hop, or the zero Addr for on-link
	IfIndex int          // outgoing interface
	Metric  int          // lower wins among routes to the same prefix
	Kind    Kind
}

func (r Route) String() string {
	s := r.Prefix.String()
	if r.Gateway.IsValid() {
		s += " via " + r.Gateway.String()
	}
	return fmt.Sprintf("%s dev #%d metric %d %s", s, r.IfIndex, r.Metric, r.Kind)
}

// NextHop returns the address to resolve on the link for dst: the gateway,
// or dst itself for an on-link route.
func (r *Route) NextHop(dst [4]byte) [4]byte {
	if r.Gateway.IsValid() {
		return r.Gateway.As4()
	}
	return dst
}

// snapshot is an immutable table: one map per prefix length in use, tried
// longest first.
type snapshot struct {
	all   []Route              // every route, in insertion order
	lens  []uint8              // prefix lengths present, descending
	byLen [33]map[uint32]int32 // masked address -> index into all (best metric)
}

// Table is a routing table. The zero value is not ready; use New.
type Table struct {
	mu  sync.Mutex
	cur atomic.Pointer[snapshot]
}

// New returns an empty table.
func New() *Table {
	t := &Table{}
	t.cur.Store(build(nil))
	return t
}

func mask(bits int) uint32 {
	if bits == 0 {
		return 0
	}
	return ^uint32(0) << (32 - bits)
}

func build(all []Route) *snapshot {
	s := &snapshot{all: all}
	for i, r := range all {
		l := r.Prefix.Bits()
		if s.byLen[l] == nil {
			s.byLen[l] = map[uint32]int32{}
			s.lens = append(s.lens, uint8(l))
		}
		k := binary.BigEndian.Uint32(r.Prefix.Addr().AsSlice())
		if j, ok := s.byLen[l][k]; !ok || all[j].Metric > r.Metric {
			s.byLen[l][k] = int32(i)
		}
	}
	slices.SortFunc(s.lens, func(a, b uint8) int { return int(b) - int(a) })
	return s
}

func check(r *Route) error {
	if !r.Prefix.IsValid() || !r.Prefix.Addr().Is4() {
		return fmt.Errorf("%w: prefix %v is not IPv4", ErrBadRoute, r.Prefix)
	}
	if r.Gateway.IsValid() && !r.Gateway.Is4() {
		return fmt.Errorf("%w: gateway %v is not IPv4", ErrBadRoute, r.Gateway)
	}
	if r.IfIndex <= 0 {
		return fmt.Errorf("%w: %v has no interface index", ErrBadRoute, r.Prefix)
	}
	r.Prefix = r.Prefix.Masked()
	return nil
}

// Add inserts r. Adding the same prefix, gateway and interface twice is
// ErrExists.
func (t *Table) Add(r Route) error {
	if err := check(&r); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.cur.Load().all
	for _, o := range old {
		if o.Prefix == r.Prefix && o.Gateway == r.Gateway && o.IfIndex == r.IfIndex {
			return fmt.Errorf("%w: %v", ErrExists, r)
		}
	}
	t.cur.Store(build(append(slices.Clip(old), r)))
	return nil
}

// Delete removes the route with r's prefix, gateway and interface (Metric and
// Kind are ignored).
func (t *Table) Delete(r Route) error {
	if err := check(&r); err != nil {
		return err
	}
	return t.deleteIf(func(o *Route) bool {
		return o.Prefix == r.Prefix && o.Gateway == r.Gateway && o.IfIndex == r.IfIndex
	}, r.String())
}

// DeleteInterface removes every route through ifindex and returns how many.
func (t *Table) DeleteInterface(ifindex int) int {
	n := 0
	_ = t.deleteIf(func(o *Route) bool {
		if o.IfIndex == ifindex {
			n++
			return true
		}
		return false
	}, "")
	return n
}

func (t *Table) deleteIf(match func(*Route) bool, what string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.cur.Load().all
	keep := make([]Route, 0, len(old))
	for i := range old {
		if !match(&old[i]) {
			keep = append(keep, old[i])
		}
	}
	if len(keep) == len(old) {
		if what == "" {
			return nil
		}
		return fmt.Errorf("%w: %s", ErrNotFound, what)
	}
	t.cur.Store(build(keep))
	return nil
}

// Lookup returns the best route to dst: longest prefix, then lowest metric.
// It takes no lock and does not allocate.
func (t *Table) Lookup(dst [4]byte) (Route, bool) {
	s := t.cur.Load()
	a := binary.BigEndian.Uint32(dst[:])
	for _, l := range s.lens {
		if i, ok := s.byLen[l][a&mask(int(l))]; ok {
			return s.all[i], true
		}
	}
	return Route{}, false
}

// Routes returns a copy of every route, in the order they were added.
func (t *Table) Routes() []Route { return slices.Clone(t.cur.Load().all) }

// Len is the number of routes.
func (t *Table) Len() int { return len(t.cur.Load().all) }
