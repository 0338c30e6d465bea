package route

import (
	"errors"
	"fmt"
	"net/netip"
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
