package bridge

import (
	"crypto/rand"
	"time"

	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
)

// Options shape the bridges a Cloner makes.
type Options struct {
	// AgeingTime is how long a learned address stays without being seen
	// again (IEEE 802.1D clause 7.9.2); 0 means 300 s.
	AgeingTime time.Duration
	// MaxAddresses bounds the filtering database; 0 means 4096.
	MaxAddresses int
	// MTU of the bridge interface; 0 means 1500.
	MTU int
	// FloodRate bounds the frames each member may flood (broadcast,
	// multicast, unknown unicast) per second, with bursts of a tenth of
	// that; the excess is dropped and counted (FloodLimited) and the first
	// drop after a quiet second is logged. Without STP this is what keeps
	// a loop outside the bridge from becoming an endless storm. 0 means
	// 50000; negative means no limit.
	FloodRate int
	// NoFastPath sends every forwarded frame through the egress
	// interface's Transmit (hooks, taps, transmit queue) even when nothing
	// needs to see it: the full path, for comparison.
	NoFastPath bool
	// STP turns IEEE 802.1D spanning tree on (stp.go); nil leaves it off
	// and every member forwarding.
	STP *STPOptions
}

// MaxMembers is how many member ports a bridge has at most.
const MaxMembers = 64

// Cloner makes bridge interfaces (stack.Cloner, prefix "bridge"). Pass it
// in stack.Options.Cloners; make a bridge with Add (or stack.Create and
// Of), then AddMember.
type Cloner struct {
	Options Options
}

// Prefix implements stack.Cloner.
func (c *Cloner) Prefix() string { return "bridge" }

// Create implements stack.Cloner: a bridge with a random locally
// administered MAC (IEEE 802 clause 9.2) and no members.
func (c *Cloner) Create(name string) (port.Port, stack.IfOptions, error) {
	o := c.Options
	if o.AgeingTime <= 0 {
		o.AgeingTime = 300 * time.Second
	}
	if o.MaxAddresses <= 0 {
		o.MaxAddresses = 4096
	}
	if o.MTU <= 0 {
		o.MTU = 1500
	}
	if o.FloodRate == 0 {
		o.FloodRate = 50000
	}
	var mac [6]byte
	if _, err := rand.Read(mac[:]); err != nil {
		return nil, stack.IfOptions{}, err
	}
	mac[0] = mac[0]&^1 | 2
	return newBridge(name, mac, o), stack.IfOptions{NoPoller: true}, nil
}

// Add creates the bridge interface name through s (and this cloner) and
// returns the bridge behind it.
func (c *Cloner) Add(s *stack.Stack, name string) (*Bridge, error) {
	ifc, err := s.Create(name)
	if err != nil {
		return nil, err
	}
	return Of(ifc)
}

// Of returns the bridge behind a bridge interface (binding the two on
// first use, for a bridge made with stack.Create).
func Of(ifc *stack.Interface) (*Bridge, error) {
	br, ok := ifc.Port().(*Bridge)
	if !ok {
		return nil, &stack.OpError{Op: "bridge of", Interface: ifc.Name(), Err: ErrNotBridge}
	}
	br.self.CompareAndSwap(nil, ifc)
	if br.self.Load() != ifc {
		return nil, &stack.OpError{Op: "bridge of", Interface: ifc.Name(), Err: ErrNotBridge, Fix: "the bridge belongs to another interface"}
	}
	return br, nil
}

var _ stack.Cloner = (*Cloner)(nil)
