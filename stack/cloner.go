package stack

import (
	"io"
	"strings"

	"github.com/gopkt/gopkt/hw/port"
)

// Cloner creates pseudo-interfaces on demand (NetBSD's if_clone): the stack
// picks the cloner whose Prefix is the interface name without its unit
// number ("tap" for tap0). Cloners are passed in Options.Cloners; "lo" is
// built in. tun, vlan, bridge, gre and gif cloners plug in the same way.
type Cloner interface {
	// Prefix is the name stem this cloner serves ("tap").
	Prefix() string
	// Create makes the device behind a new interface called name. The
	// stack closes the port (if it is an io.Closer) on Destroy.
	Create(name string) (port.Port, IfOptions, error)
}

// splitName splits "tap12" into "tap" and true.
func splitName(name string) (string, bool) {
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	return name[:i], i > 0 && i < len(name)
}

// Create makes a pseudo-interface called name through the cloner registered
// for its prefix, and attaches it.
func (s *Stack) Create(name string) (*Interface, error) {
	prefix, ok := splitName(name)
	if !ok {
		return nil, &OpError{Op: "create", Interface: name, Err: ErrBadName, Fix: "a cloned interface name is a prefix and a unit number, like tap0"}
	}
	c := s.cloners[prefix]
	if c == nil {
		var have []string
		for p := range s.cloners {
			have = append(have, p)
		}
		return nil, &OpError{Op: "create", Interface: name, Err: ErrNoCloner, Fix: "registered prefixes: " + strings.Join(have, ", ") + "; pass the cloner in Options.Cloners"}
	}
	if s.InterfaceByName(name) != nil {
		return nil, &OpError{Op: "create", Interface: name, Err: ErrExists}
	}
	p, o, err := c.Create(name)
	if err != nil {
		return nil, &OpError{Op: "create", Interface: name, Err: err}
	}
	ifc, err := s.attach(name, p, o, true)
	if err != nil {
		if cl, ok := p.(io.Closer); ok {
			_ = cl.Close()
		}
		return nil, err
	}
	return ifc, nil
}

// Destroy detaches a cloned interface and closes its device.
func (s *Stack) Destroy(name string) error {
	ifc := s.InterfaceByName(name)
	if ifc == nil {
		return &OpError{Op: "destroy", Interface: name, Err: ErrNoInterface}
	}
	if !ifc.cloned {
		return &OpError{Op: "destroy", Interface: name, Err: ErrNotClonable, Fix: "use Detach for attached ports"}
	}
	s.mu.Lock()
	closed := s.closed
	s.mu.Unlock()
	if ifc == s.lo && !closed {
		return &OpError{Op: "destroy", Interface: name, Err: ErrNotClonable, Fix: "lo0 is always present"}
	}
	return s.destroy(ifc)
}

func (s *Stack) destroy(ifc *Interface) error {
	if err := s.Detach(ifc); err != nil {
		return err
	}
	if cl, ok := ifc.port.(io.Closer); ok {
		if err := cl.Close(); err != nil {
			return &OpError{Op: "destroy", Interface: ifc.name, Err: err}
		}
	}
	return nil
}
