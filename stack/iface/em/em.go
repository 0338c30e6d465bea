package em

import (
	"errors"
	"fmt"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/stack"
)

// Interface is an attached e1000 device and its stack interface.
type Interface struct {
	*stack.Interface
	Device *e1000.Device
}

// Attach starts the e1000 driver on f with the stack's pool (cfg.Pool is
// overridden) and attaches the device to s as name.
func Attach(s *stack.Stack, name string, f pci.Function, cfg e1000.Config) (*Interface, error) {
	cfg.Pool = s.Pool()
	dev, err := e1000.Attach(f, cfg)
	if err != nil {
		return nil, fmt.Errorf("em: attach %s: %w", name, err)
	}
	ifc, err := s.Attach(name, dev, stack.IfOptions{})
	if err != nil {
		return nil, errors.Join(err, dev.Close())
	}
	return &Interface{Interface: ifc, Device: dev}, nil
}

// Detach removes the interface from its stack, then stops the device.
func (i *Interface) Detach() error {
	return errors.Join(i.Stack().Detach(i.Interface), i.Device.Close())
}
