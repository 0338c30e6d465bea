package tunnel

import (
	"net/netip"
	"sync"

	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
)

// Cloner is the cloner and tunnel table a tunnel kind (gre, gif) embeds:
// Add prepares a port and makes its interface through stack.Create, which
// calls Create; Destroy closes the port, which leaves the table.
type Cloner struct {
	prefix  string
	mu      sync.Mutex
	ip      *ipv4.IPv4
	pending map[string]*Port
	table   Table
}

// NewCloner returns a cloner for names prefix0, prefix1, ...
func NewCloner(prefix string) *Cloner {
	return &Cloner{prefix: prefix, pending: map[string]*Port{}}
}

// Attach is the kind's ipv4.Transport Attach: tunnels send through ip.
func (c *Cloner) Attach(ip *ipv4.IPv4) error {
	c.mu.Lock()
	c.ip = ip
	c.mu.Unlock()
	return nil
}

// IP is the IPv4 instance tunnels send through (nil before SetIP).
func (c *Cloner) IP() *ipv4.IPv4 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ip
}

// Table is the tunnels received packets are matched against.
func (c *Cloner) Table() *Table { return &c.table }

// Prefix implements stack.Cloner.
func (c *Cloner) Prefix() string { return c.prefix }

// Create implements stack.Cloner: the port Add prepared for name, or
// ErrNotConfigured.
func (c *Cloner) Create(name string) (port.Port, stack.IfOptions, error) {
	c.mu.Lock()
	p := c.pending[name]
	delete(c.pending, name)
	c.mu.Unlock()
	if p == nil {
		return nil, stack.IfOptions{}, &stack.OpError{Op: c.prefix + " create", Interface: name, Err: ErrNotConfigured,
			Fix: "make " + c.prefix + " interfaces with " + c.prefix + ".Module.Add"}
	}
	return p, stack.IfOptions{}, nil
}

// Add makes the tunnel interface name from local to remote (IPv4 unicast
// addresses) with cfg's other fields and enc, through s.
func (c *Cloner) Add(s *stack.Stack, name string, local, remote netip.Addr, cfg Config, enc Encap) (*stack.Interface, error) {
	ip := c.IP()
	if ip == nil {
		return nil, &stack.OpError{Op: c.prefix + " add", Interface: name, Err: ErrNoIPv4, Fix: "pass the module in ipv4.Options.Transports too"}
	}
	if !local.Is4() || !remote.Is4() || remote.IsMulticast() || remote.IsUnspecified() {
		return nil, &stack.OpError{Op: c.prefix + " add", Interface: name, Err: ErrBadEndpoint}
	}
	cfg.Local, cfg.Remote = local.As4(), remote.As4()
	p, err := NewPort(ip, cfg, enc)
	if err != nil {
		return nil, &stack.OpError{Op: c.prefix + " add", Interface: name, Err: err}
	}
	return c.add(s, name, p)
}

// add makes the interface name for p through s and enters p in the table.
func (c *Cloner) add(s *stack.Stack, name string, p *Port) (*stack.Interface, error) {
	c.mu.Lock()
	c.pending[name] = p
	c.mu.Unlock()
	ifc, err := s.Create(name)
	if err != nil {
		c.mu.Lock()
		delete(c.pending, name)
		c.mu.Unlock()
		return nil, err
	}
	p.Bind(ifc)
	p.table = &c.table
	c.table.Add(p)
	return ifc, nil
}

// StatsOf returns the counters of the tunnel behind ifc; false when ifc is
// not a tunnel interface.
func StatsOf(ifc *stack.Interface) (Stats, bool) {
	p, ok := ifc.Port().(*Port)
	if !ok {
		return Stats{}, false
	}
	return p.TunnelStats(), true
}
