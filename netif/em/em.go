package em

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/stack"
)

// ServiceInterval is how often an attached device's housekeeping
// (e1000.Device.Service: link state, 64-bit counters, TX hang detection)
// runs; the driver wants 100 ms to 1 s.
const ServiceInterval = 200 * time.Millisecond

// DrainTimeout bounds how long Detach waits for the device to send what
// it queued (a link that is down never drains).
const DrainTimeout = 500 * time.Millisecond

// Interface is an attached e1000 device and its stack interface.
type Interface struct {
	*stack.Interface
	Device *e1000.Device

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// Attach starts the e1000 driver on f with the stack's pool (cfg.Pool is
// overridden), attaches the device to s as name, and starts the device's
// housekeeping goroutine (Service every ServiceInterval), so link events,
// counter accumulation and TX hang recovery work for every attached
// device. Detach stops it.
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
	i := &Interface{Interface: ifc, Device: dev, stop: make(chan struct{}), done: make(chan struct{})}
	go i.service()
	return i, nil
}

// service runs the device's slow path until Detach.
func (i *Interface) service() {
	defer close(i.done)
	t := time.NewTicker(ServiceInterval)
	defer t.Stop()
	for {
		select {
		case <-i.stop:
			return
		case <-t.C:
			i.Device.Service()
		}
	}
}

// Detach removes the interface from its stack, stops the housekeeping
// goroutine, waits up to DrainTimeout for the TX ring to empty, then closes the device (which returns its ring buffers to the
// pool). It is safe from any goroutine, a handler on the interface's own
// receive goroutine included (stack.Detach does not wait for the handler).
func (i *Interface) Detach() error {
	err := i.Stack().Detach(i.Interface)
	i.stopOnce.Do(func() { close(i.stop) })
	<-i.done
	// The stack no longer touches the port: let the device send what it
	// was given (a graceful stop drains TX) before Close resets it.
	if !i.Device.Drain(DrainTimeout) {
		i.Stack().Logger().Warn("em: TX not drained before close; the rest is freed unsent", "ifname", i.Name(), "timeout", DrainTimeout)
	}
	return errors.Join(err, i.Device.Close())
}
