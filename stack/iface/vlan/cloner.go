package vlan

import (
	"fmt"
	"sync"

	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
)

// Config is what a vlan interface is made of.
type Config struct {
	// Parent is the Ethernet interface the tagged frames travel on.
	Parent *stack.Interface
	// VID is the VLAN identifier, 1..4094.
	VID uint16
}

// Cloner makes vlan interfaces (stack.Cloner, prefix "vlan"). Pass it in
// stack.Options.Cloners and make interfaces with Add; one Cloner serves
// one stack.
type Cloner struct {
	mu      sync.Mutex
	pending map[string]Config
	trunks  map[*stack.Interface]*trunk
}

// NewCloner returns a cloner with no vlans.
func NewCloner() *Cloner {
	return &Cloner{pending: map[string]Config{}, trunks: map[*stack.Interface]*trunk{}}
}

// Prefix implements stack.Cloner.
func (c *Cloner) Prefix() string { return "vlan" }

// Create implements stack.Cloner: it builds the port Add prepared for name.
func (c *Cloner) Create(name string) (port.Port, stack.IfOptions, error) {
	c.mu.Lock()
	cfg, ok := c.pending[name]
	delete(c.pending, name)
	c.mu.Unlock()
	if !ok {
		return nil, stack.IfOptions{}, &stack.OpError{Op: "vlan create", Interface: name, Err: ErrNotConfigured,
			Fix: "make vlan interfaces with vlan.Cloner.Add(stack, name, Config{Parent, VID})"}
	}
	return newPort(c, cfg), stack.IfOptions{NoPoller: true}, nil
}

// Add creates the vlan interface name (through s.Create and this cloner)
// with cfg's parent and VID, and starts taking that VID's frames off the
// parent.
func (c *Cloner) Add(s *stack.Stack, name string, cfg Config) (*stack.Interface, error) {
	if cfg.VID == 0 || cfg.VID >= 4095 {
		return nil, &stack.OpError{Op: "vlan add", Interface: name, Err: ErrBadVID, Fix: fmt.Sprintf("VID %d: 0 is the priority tag (untagged), 4095 is reserved", cfg.VID)}
	}
	if cfg.Parent == nil || s.Interface(cfg.Parent.Index()) != cfg.Parent {
		return nil, &stack.OpError{Op: "vlan add", Interface: name, Err: ErrNoParent, Fix: "pass an interface attached to this stack"}
	}
	c.mu.Lock()
	if t := c.trunks[cfg.Parent]; t != nil && t.vids.Load()[cfg.VID] != nil {
		c.mu.Unlock()
		return nil, &stack.OpError{Op: "vlan add", Interface: name, Err: ErrVIDInUse, Fix: fmt.Sprintf("%s already has VID %d", cfg.Parent.Name(), cfg.VID)}
	}
	c.pending[name] = cfg
	c.mu.Unlock()
	ifc, err := s.Create(name)
	if err != nil {
		c.mu.Lock()
		delete(c.pending, name)
		c.mu.Unlock()
		return nil, err
	}
	p := ifc.Port().(*Port)
	p.ifc.Store(ifc)
	if err := c.bind(p); err != nil {
		_ = s.Destroy(name)
		return nil, &stack.OpError{Op: "vlan add", Interface: name, Err: err}
	}
	return ifc, nil
}

// bind enters p's VID into its parent's trunk, putting the trunk in front
// of the parent first if p is its first vlan.
func (c *Cloner) bind(p *Port) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.trunks[p.parent]
	if t == nil {
		t = newTrunk()
		if err := p.parent.SetLinkInput(t); err != nil {
			return err
		}
		c.trunks[p.parent] = t
	}
	if !t.set(p.vid, p) {
		return ErrVIDInUse
	}
	p.bound = true
	return nil
}

// unbind takes p's VID out of the trunk; the last vlan takes the trunk off
// the parent. When it returns no burst of the parent is inside p.
func (c *Cloner) unbind(p *Port) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !p.bound {
		return
	}
	p.bound = false
	t := c.trunks[p.parent]
	if t.clear(p.vid) == 0 {
		p.parent.ClearLinkInput(t)
		delete(c.trunks, p.parent)
	}
	t.wait()
}

// TrunkStats are a parent's receive counters for tags no vlan could take.
type TrunkStats struct {
	RxMalformed uint64 // 802.1Q type with the tag cut short
	RxShared    uint64 // tagged frames in shared (cloned) buffers that could not be copied to be untagged (pool empty)
}

// Stats returns the trunk counters of parent (zero when it has no vlans).
func (c *Cloner) Stats(parent *stack.Interface) TrunkStats {
	c.mu.Lock()
	t := c.trunks[parent]
	c.mu.Unlock()
	if t == nil {
		return TrunkStats{}
	}
	return TrunkStats{RxMalformed: t.malformed.Load(), RxShared: t.shared.Load()}
}

var _ stack.Cloner = (*Cloner)(nil)
