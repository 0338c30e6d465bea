package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/drivers/igb"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/vfio"
)

// opener opens PCI functions that share one DMA address space. The real one
// is VFIO; tests pass one built on the e1000 device model.
type opener func(addrs []string, dmaBytes uint64, backend vfio.Backend, log *slog.Logger) (fns []pci.Function, mem dma.Allocator, done func() error, err error)

// openVFIO opens every address in one VFIO container, through backend
// (--vfio).
func openVFIO(addrs []string, dmaBytes uint64, backend vfio.Backend, log *slog.Logger) ([]pci.Function, dma.Allocator, func() error, error) {
	c := vfio.NewContainer(vfio.Options{DMABytes: dmaBytes, Logger: log, Backend: backend})
	var fns []pci.Function
	for _, a := range addrs {
		d, err := c.Open(a)
		if err != nil {
			_ = c.Close()
			return nil, nil, nil, err
		}
		fns = append(fns, d)
	}
	return fns, c.Memory(), c.Close, nil
}

// options are the flags every command shares.
type options struct {
	mode     string
	mtu      int
	rxDescs  int
	txDescs  int
	rxRefill int
	buffers  int
	vlan     bool
	promisc  bool
	itr      time.Duration
	verbose  bool
	queues   int // queue pairs of an 82576 (drivers/igb)
	backend  vfio.Backend
}

func (o options) config(pool *mbuf.Pool, idx int, log *slog.Logger) (e1000.Config, error) {
	c := e1000.Config{
		Pool: pool, RxDescs: o.rxDescs, TxDescs: o.txDescs, RxRefill: o.rxRefill, MTU: o.mtu,
		VLAN: o.vlan, Promisc: o.promisc, ITR: o.itr, PortIndex: uint16(idx), Logger: log,
	}
	switch o.mode {
	case "poll":
		c.Mode = e1000.Poll
	case "interrupt":
		c.Mode = e1000.Interrupt
	case "adaptive":
		c.Mode = e1000.Adaptive
	default:
		return c, fmt.Errorf("--mode %q: want poll, interrupt or adaptive", o.mode)
	}
	return c, nil
}

// isIGB reports whether f is an 82576 (drivers/igb drives it).
func isIGB(f pci.Function) bool {
	for _, id := range igb.IDs() {
		if f.ID() == id {
			return true
		}
	}
	return false
}

// session is the open devices, their shared pool and the way to close them.
type session struct {
	devs []*e1000.Device
	igbs []*igb.Device // 82576s (the loop command with --queues)
	// igbIdle: the 82576 receivers sleep on their queue's MSI-X vector
	// when the ring is empty (--mode interrupt or adaptive) instead of
	// polling on.
	igbIdle bool
	// igbAdaptive: --mode adaptive, whose receivers first sleep a
	// while (rx --idle-defer) and poll again before arming the interrupt.
	igbAdaptive bool
	fns         []pci.Function
	pool        *mbuf.Pool
	done        func() error
	out         io.Writer
}

func openSession(open opener, addrs []string, o options, out io.Writer, log *slog.Logger) (*session, error) {
	bytes := uint64(o.buffers)*mbuf.SlotSize + uint64(len(addrs))*(1<<20)
	fns, mem, done, err := open(addrs, bytes, o.backend, log)
	if err != nil {
		return nil, err
	}
	pool, err := mbuf.NewPool(mem, mbuf.PoolOptions{Name: "e1000-test", Buffers: o.buffers})
	if err != nil {
		_ = done()
		return nil, err
	}
	s := &session{pool: pool, done: done, out: out}
	for i, f := range fns {
		if isIGB(f) {
			var d *igb.Device
			nq, err := igbQueuesOf(o.queues)
			irq := o.mode == "interrupt" || o.mode == "adaptive"
			if err == nil && !irq && o.mode != "poll" {
				err = fmt.Errorf("--mode %q: want poll, interrupt or adaptive", o.mode)
			}
			if err == nil {
				d, err = igb.Attach(f, igb.Config{Pool: pool, Queues: nq, RxRing: o.rxDescs, TxRing: o.txDescs, Interrupts: irq})
			}
			s.igbIdle, s.igbAdaptive = irq, o.mode == "adaptive"
			if err == nil {
				s.igbs = append(s.igbs, d)
				s.fns = append(s.fns, f) // igb.Device.Close leaves the function open
				continue
			}
			for _, f := range fns[i:] {
				_ = f.Close()
			}
			_ = s.close()
			return nil, err
		}
		cfg, err := o.config(pool, i, log)
		if err == nil {
			var d *e1000.Device
			d, err = e1000.Attach(f, cfg)
			if err == nil {
				s.devs = append(s.devs, d)
				continue
			}
		}
		for _, f := range fns[i:] {
			_ = f.Close()
		}
		_ = s.close()
		return nil, err
	}
	return s, nil
}

// close detaches the ports, checks that every buffer came back, and
// releases the DMA memory.
func (s *session) close() error {
	var errs []error
	for _, d := range s.devs {
		if err := d.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range s.igbs {
		if err := d.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, f := range s.fns {
		if err := f.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	inUse := s.pool.InUse()
	fmt.Fprintf(s.out, "pool: %d/%d buffers free\n", s.pool.Cap()-inUse, s.pool.Cap())
	if inUse != 0 {
		errs = append(errs, fmt.Errorf("pool: %d buffers leaked", inUse))
	} else if err := s.pool.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := s.done(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
