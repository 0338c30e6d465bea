package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopkt/gopkt/drivers/igb"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/stack"
)

// igbLoader: -d igb pci=ADDR[,queues=N][,mode=interrupt|poll][,rxdescs=N]
// [,txdescs=N][,mtu=N][,name=igbN]: the 82576 with N queue pairs, RSS
// spreading received flows over them and the stack running one receive
// goroutine per queue (hw/port MultiQueue).
var igbLoader = driverLoader{
	Name:  "igb",
	Usage: "pci=0000:00:02.0[,queues=1..8][,mode=interrupt|poll][,rxdescs=256][,txdescs=256][,mtu=1500][,name=igb0]",
	Keys:  []string{"pci", "queues", "mode", "rxdescs", "txdescs", "mtu"},
	New:   newIGBDriver,
}

// igbDrainTimeout bounds how long Detach waits for the TX rings to empty.
const igbDrainTimeout = 500 * time.Millisecond

// igbvfLoader: -d igbvf pci=ADDR[,mac=MAC][,mode=interrupt|poll]
// [,rxdescs=N][,txdescs=N][,mtu=N][,name=vfN]: an 82576 virtual function
// (SR-IOV, created on a PF that Linux's igb drives) with its one queue
// pair; the PF's driver sets its MAC filter and frame size over the
// mailbox. mac= asks for that address when the PF assigned none.
var igbvfLoader = driverLoader{
	Name:  "igbvf",
	Usage: "pci=0000:00:12.0[,mac=02:00:5e:00:00:01][,mode=interrupt|poll][,rxdescs=256][,txdescs=256][,mtu=1500][,name=vf0]",
	Keys:  []string{"pci", "mac", "mode", "rxdescs", "txdescs", "mtu"},
	New:   newIGBVFDriver,
}

type igbDriver struct {
	vf   bool    // an 82576 VF (igbvf), attached with igb.AttachVF
	mac  [6]byte // igbvf's mac=
	addr string
	cfg  igb.Config
	mtu  int
	fn   pci.Function
	dev  *igb.Device
	ifc  *stack.Interface
	ifc0 string // the interface's name, for the log after Detach
}

func newIGBDriver(o options) (driver, error) {
	e, err := newIGBCommon(o, "the 82576's PCI address, such as pci=0000:00:02.0")
	if err != nil {
		return nil, err
	}
	if e.cfg.Queues, err = o.intRange("queues", 1, 1, igb.MaxQueues); err != nil {
		return nil, err
	}
	return e, nil
}

func newIGBVFDriver(o options) (driver, error) {
	e, err := newIGBCommon(o, "the VF's PCI address, the PF's virtfnN link in sysfs")
	if err != nil {
		return nil, err
	}
	e.vf, e.cfg.Queues = true, 1
	if m, ok := o.get("mac"); ok {
		if e.mac, err = parseMAC(m); err != nil {
			return nil, fmt.Errorf("mac=%w", err)
		}
	}
	return e, nil
}

// newIGBCommon reads the options igb and igbvf share.
func newIGBCommon(o options, what string) (*igbDriver, error) {
	a, ok := o.get("pci")
	if !ok {
		return nil, fmt.Errorf("missing pci=ADDR (%s; 'vfio-bind list' shows them)", what)
	}
	addr, err := parsePCIAddr(a)
	if err != nil {
		return nil, err
	}
	e := &igbDriver{addr: addr}
	if e.mtu, err = o.intRange("mtu", igb.MaxMTU, igb.MinMTU, igb.MaxMTU); err != nil {
		return nil, err
	}
	for _, r := range []struct {
		key string
		dst *int
	}{{"rxdescs", &e.cfg.RxRing}, {"txdescs", &e.cfg.TxRing}} {
		n, err := o.intRange(r.key, 256, 64, 4096)
		if err != nil {
			return nil, err
		}
		if n&(n-1) != 0 {
			return nil, fmt.Errorf("%s=%d: want a power of two from 64 to 4096", r.key, n)
		}
		*r.dst = n
	}
	// A daemon should not spin a core per queue while idle: each queue's
	// receive goroutine sleeps on its MSI-X vector.
	switch m, _ := o.get("mode"); m {
	case "", "interrupt":
		e.cfg.Interrupts = true
	case "poll":
	default:
		return nil, fmt.Errorf("mode=%s: want interrupt or poll", m)
	}
	return e, nil
}

func (e *igbDriver) Prefix() string {
	if e.vf {
		return "vf"
	}
	return "igb"
}

// Open claims the device through VFIO; the error says how to bind it.
func (e *igbDriver) Open(d *daemon) error {
	fn, err := d.openPCI(e.addr)
	if err != nil {
		return err
	}
	e.fn = fn
	return nil
}

func (e *igbDriver) Attach(d *daemon, name string) (*stack.Interface, error) {
	cfg := e.cfg
	cfg.Pool = d.pool
	var dev *igb.Device
	var err error
	if e.vf {
		dev, err = igb.AttachVF(e.fn, igb.VFConfig{Pool: cfg.Pool, RxRing: cfg.RxRing, TxRing: cfg.TxRing, MAC: e.mac, Interrupts: cfg.Interrupts})
	} else {
		dev, err = igb.Attach(e.fn, cfg)
	}
	if err != nil {
		_ = e.fn.Close()
		e.fn = nil
		return nil, err
	}
	p := dev.Port()
	if err := p.SetMTU(e.mtu); err != nil {
		return nil, errors.Join(err, dev.Close(), e.closeFn())
	}
	ifc, err := d.s.Attach(name, p, stack.IfOptions{})
	if err != nil {
		return nil, errors.Join(err, dev.Close(), e.closeFn())
	}
	e.dev, e.ifc, e.ifc0 = dev, ifc, name
	d.log.Info("igb attached", "ifname", name, "pci", e.addr, "vf", e.vf, "mac", ifc.MAC(), "queues", dev.Queues(), "interrupts", cfg.Interrupts)
	return ifc, nil
}

func (e *igbDriver) closeFn() error {
	if e.fn == nil {
		return nil
	}
	err := e.fn.Close()
	e.fn = nil
	return err
}

// Service follows the link (the stack reads the port's link events).
func (e *igbDriver) Service() {
	if e.dev != nil {
		e.dev.Port().Service()
	}
}

// Detach takes the interface off the stack, lets the TX rings drain, then
// closes the device (its ring buffers go back to the pool) and the
// function.
func (e *igbDriver) Detach(d *daemon) error {
	var errs []error
	if e.ifc != nil {
		errs = append(errs, d.s.Detach(e.ifc))
		e.ifc = nil
	}
	if e.dev != nil {
		deadline := time.Now().Add(igbDrainTimeout)
		for qi := range e.dev.Queues() {
			for e.dev.Queue(qi).InFlight() > 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
		}
		if e.cfg.Interrupts {
			// The driver's interrupt counters, for the log: a Wait that
			// timed out with a frame waiting means a lost (or late)
			// interrupt (igb.QueueStats.IRQLate).
			for qi := range e.dev.Queues() {
				st := e.dev.Queue(qi).Stats()
				d.log.Info("igb queue interrupts", "ifname", e.ifc0, "queue", qi, "interrupts", st.Interrupts.Load(),
					"wait-timeouts", st.WaitTimeouts.Load(), "late", st.IRQLate.Load())
			}
		}
		errs = append(errs, e.dev.Close())
		e.dev = nil
	}
	errs = append(errs, e.closeFn())
	return errors.Join(errs...)
}

// reserveIGB is what one 82576 can hold without any protocol parking
// anything, per queue pair: a full RX ring, the queue's own refill and
// completion caches (up to twice igb's 64 each, kept from attach), a full
// TX ring, the stack's cache of the pair (up to twice 64) and the
// interface's burst and transmit queue.
func reserveIGB(e *igbDriver) int {
	return e.cfg.Queues * (e.cfg.RxRing + e.cfg.TxRing + 2*2*64 + 2*64 + ifaceBurst)
}
