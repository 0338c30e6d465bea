package vcard

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
)

// Mode is how the data path learns about work.
type Mode int

// Modes.
const (
	// Poll never enables card interrupts; Wait returns at once.
	Poll Mode = iota
	// Interrupt enables the RX, TX and error causes; Wait sleeps on the
	// vector (MSI-X when offered, else INTx with unmask).
	Interrupt
)

// Config is what a program chooses when it attaches a card.
type Config struct {
	// Pool supplies every RX buffer; its memory must come from the
	// function's DMA allocator (mbuf.Pool.From(f.DMA())), or Attach fails.
	// TX buffers may come from any pool whose memory does; Transmit
	// refuses (TxForeign) a buffer from any other. Required.
	Pool *mbuf.Pool
	// RxDescs and TxDescs are ring sizes, powers of two from 8 to 4096
	// (docs/vcard.md §2). Default 256 each.
	RxDescs, TxDescs int
	// Mode is Poll or Interrupt (default Poll).
	Mode Mode
	// Logger receives state changes; nil means slog.Default.
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if c.Pool == nil {
		return fmt.Errorf("%w: Config.Pool is nil: create an mbuf.Pool from the card's DMA memory", ErrConfig)
	}
	if c.RxDescs == 0 {
		c.RxDescs = 256
	}
	if c.TxDescs == 0 {
		c.TxDescs = 256
	}
	for _, n := range []int{c.RxDescs, c.TxDescs} {
		if n < reg.MinRing || n > reg.MaxRing || n&(n-1) != 0 {
			return fmt.Errorf("%w: ring of %d descriptors: want a power of two from %d to %d", ErrConfig, n, reg.MinRing, reg.MaxRing)
		}
	}
	if c.RxDescs > c.Pool.Available() {
		return fmt.Errorf("%w: pool %q has %d free buffers, fewer than the %d RX descriptors", ErrConfig, c.Pool.Name(), c.Pool.Available(), c.RxDescs)
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Device is one attached card.
type Device struct {
	f    pci.Function
	regs pci.Regs
	cfg  Config
	log  *slog.Logger

	rx rxRing
	tx txRing

	irq     pci.IRQ
	irqKind pci.IRQKind

	mu     sync.Mutex // control registers and the key-cache staging window
	mac    net.HardwareAddr
	keys   KeyCache
	closed bool
}

// Driver returns the pci.Driver entry for a Registry; every card it attaches
// uses cfg.
func Driver(cfg Config) pci.Driver {
	return pci.Driver{Name: "vcard", IDs: IDs(), Attach: func(f pci.Function) (io.Closer, error) {
		return Attach(f, cfg)
	}}
}

// Attach resets the card, sets up both rings on cfg.Pool and starts them.
// On success the Device owns f (Close closes it).
func Attach(f pci.Function, cfg Config) (*Device, error) {
	d := &Device{f: f}
	if err := cfg.setDefaults(); err != nil {
		return nil, d.opErr("attach", err, "")
	}
	d.cfg, d.log = cfg, cfg.Logger
	if err := cfg.Pool.Err(); err != nil {
		return nil, d.opErr("attach", fmt.Errorf("%w: pool %q: %w", ErrConfig, cfg.Pool.Name(), err), "")
	}
	if !cfg.Pool.From(f.DMA()) {
		// RX buffers would carry IOVAs the card cannot reach.
		return nil, d.opErr("attach", fmt.Errorf("%w: pool %q is not in the card's DMA memory", ErrConfig, cfg.Pool.Name()),
			"create the pool with mbuf.NewPool(f.DMA(), ...)")
	}
	if !matches(f.ID()) {
		return nil, d.opErr("attach", fmt.Errorf("%w: %s", ErrUnsupported, f.ID()), "this driver serves 1f0a:8011 only")
	}
	if err := pci.EnableBusMaster(f); err != nil {
		return nil, d.opErr("attach", err, "the function's config space must be writable")
	}
	r, err := f.BAR(0)
	if err != nil {
		return nil, d.opErr("attach", err, "")
	}
	if r.Size() < reg.BAR0Size {
		return nil, d.opErr("attach", fmt.Errorf("%w: BAR0 is %d bytes", ErrUnsupported, r.Size()), "the card's BAR0 is 4 KiB")
	}
	d.regs = r
	if id, v := r.Read32(reg.ID), r.Read32(reg.VERSION); id != reg.IDMagic || v>>16 != reg.Version>>16 {
		return nil, d.opErr("attach", fmt.Errorf("%w: ID register %#x version %#x", ErrUnsupported, id, v), "the card does not speak docs/vcard.md version 1")
	}
	if err := d.reset(); err != nil {
		return nil, err
	}
	d.mac = d.readMAC()
	d.keys = KeyCache{d: d, used: make([]bool, r.Read32(reg.KEYSLOTS)), caps: r.Read32(reg.KEYCAPS)}
	if err := d.setupRings(); err != nil {
		d.teardown()
		return nil, err
	}
	if cfg.Mode == Interrupt {
		if err := d.setupIRQ(); err != nil {
			d.teardown()
			return nil, err
		}
	}
	r.Write32(reg.RXFILTER, reg.FilterBEACON|reg.FilterBCAST)
	r.Write32(reg.CTRL, reg.CtrlTXEN|reg.CtrlRXEN)
	d.startRings()
	d.log.Debug("vcard attached", "addr", f.Addr(), "mac", d.mac, "keyslots", len(d.keys.used), "mode", cfg.Mode)
	return d, nil
}

func matches(id pci.ID) bool {
	for _, x := range IDs() {
		if x == id {
			return true
		}
	}
	return false
}

// reset issues CTRL.RST and waits for READY (§2.1).
func (d *Device) reset() error {
	d.regs.Write32(reg.CTRL, reg.CtrlRST)
	deadline := time.Now().Add(100 * time.Millisecond)
	for d.regs.Read32(reg.CTRL)&reg.CtrlRST != 0 || d.regs.Read32(reg.STATUS)&reg.StatusREADY == 0 {
		if time.Now().After(deadline) {
			return d.opErr("reset", ErrResetTimeout, "the card did not report STATUS.READY within 100 ms; reset the function")
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

func (d *Device) readMAC() net.HardwareAddr {
	lo, hi := d.regs.Read32(reg.MACL), d.regs.Read32(reg.MACH)
	return net.HardwareAddr{byte(lo), byte(lo >> 8), byte(lo >> 16), byte(lo >> 24), byte(hi), byte(hi >> 8)}
}

// allocRing takes n descriptors of DMA memory.
func (d *Device) allocRing(n int) (dma.Region, error) {
	m, err := d.f.DMA().Alloc(n*reg.DescSize, 0)
	if err != nil {
		return dma.Region{}, d.opErr("attach", err, "the card's DMA allocator is out of memory")
	}
	clear(m.Mem)
	return m, nil
}

// Close stops the card, frees every buffer the rings held and the ring
// memory, and closes the function.
func (d *Device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return d.opErr("close", ErrClosed, "")
	}
	d.closed = true
	d.mu.Unlock()
	d.regs.Write32(reg.IMR, 0)
	d.regs.Write32(reg.CTRL, 0)
	err := d.reset()
	d.teardown()
	return errors.Join(err, d.f.Close())
}

// teardown frees ring buffers and memory and interrupt routing.
func (d *Device) teardown() {
	if d.irq != nil {
		_ = d.f.DisableIRQs()
		d.irq = nil
	}
	d.rx.free(d.f.DMA())
	d.tx.free(d.f.DMA())
}

// MAC returns the station address.
func (d *Device) MAC() net.HardwareAddr {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append(net.HardwareAddr(nil), d.mac...)
}

// Addr is the PCI address.
func (d *Device) Addr() string { return d.f.Addr() }
