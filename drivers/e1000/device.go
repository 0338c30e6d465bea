package e1000

import (
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/port"
)

// Mode is how the data path learns about work.
type Mode int

// Modes.
const (
	// Poll never enables device interrupts; Wait returns at once.
	Poll Mode = iota
	// Interrupt enables RX and link interrupts; Wait sleeps on the vector
	// (INTx with unmask on the 8254x, MSI-X on the 82574L).
	Interrupt
	// Adaptive polls while traffic flows and, after AdaptiveSpin without a
	// frame, arms the interrupt and sleeps on it.
	Adaptive
)

func (m Mode) String() string {
	switch m {
	case Poll:
		return "poll"
	case Interrupt:
		return "interrupt"
	case Adaptive:
		return "adaptive"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Config is what a program chooses when it attaches a device.
type Config struct {
	// Pool supplies every RX buffer; its memory must come from the
	// function's DMA allocator (mbuf.Pool.From(f.DMA())), or Attach fails.
	// TX buffers may come from any pool whose memory does; TxBurst drops
	// and counts (TxForeign) a buffer from any other. Required.
	Pool *mbuf.Pool
	// RxDescs and TxDescs are ring sizes: powers of two from 64 to 4096
	// (SDM §13.4.27 wants multiples of 8; powers of two keep index
	// arithmetic a mask). Default 512 each.
	RxDescs, TxDescs int
	// RxRefill is how many descriptors the driver takes back before it
	// refills the ring and writes RDT (default RxDescs/4, at least 32).
	// Each RDT write is a trap into the emulator (and, under QEMU, a wait
	// for its global lock while another vCPU transmits), so batching
	// refills is what keeps a receiver fast under emulation.
	RxRefill int
	// PortIndex is stored in mbuf.Meta.Port of every received frame.
	PortIndex uint16
	// MTU in bytes, 68 to 9000 (default 1500). Frames above the 2048-byte
	// buffer size are chained.
	MTU int
	// Mode is poll, interrupt or adaptive (default Poll).
	Mode Mode
	// ITR is the minimum interval between interrupts (SDM §13.4.18; 256 ns
	// units, 0 disables throttling). Default 128 µs.
	ITR time.Duration
	// AdaptiveSpin is how long Adaptive mode keeps polling an empty ring
	// before it sleeps on the interrupt (default 200 µs).
	AdaptiveSpin time.Duration
	// VLAN enables tag stripping on RX and insertion on TX (CTRL.VME, SDM
	// §9.2: the TCI goes in the descriptor's special field).
	VLAN bool
	// Promisc receives every frame (RCTL.UPE|MPE).
	Promisc bool
	// TxHangTimeout is how long the TX ring may hold work without progress
	// before Service resets it (default 2 s).
	TxHangTimeout time.Duration
	// Clock is the clock used for hang detection (nil: clock.System()).
	Clock clock.Clock
	// Logger receives state changes (link, resets); nil means slog.Default.
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if c.Pool == nil {
		return fmt.Errorf("%w: Config.Pool is nil: create an mbuf.Pool from the device's DMA memory", ErrConfig)
	}
	if c.RxDescs == 0 {
		c.RxDescs = 512
	}
	if c.TxDescs == 0 {
		c.TxDescs = 512
	}
	for _, n := range []int{c.RxDescs, c.TxDescs} {
		if n < 64 || n > 4096 || n&(n-1) != 0 {
			return fmt.Errorf("%w: ring of %d descriptors: want a power of two from 64 to 4096", ErrConfig, n)
		}
	}
	if c.RxRefill == 0 {
		c.RxRefill = max(rxRefillMin, c.RxDescs/4)
	}
	if c.RxRefill < 1 || c.RxRefill > c.RxDescs/2 {
		return fmt.Errorf("%w: RxRefill %d: want 1 to half the ring (%d)", ErrConfig, c.RxRefill, c.RxDescs/2)
	}
	if c.MTU == 0 {
		c.MTU = 1500
	}
	if c.MTU < MinMTU || c.MTU > MaxMTU {
		return fmt.Errorf("%w: MTU %d outside %d..%d", port.ErrMTU, c.MTU, MinMTU, MaxMTU)
	}
	if c.ITR == 0 {
		c.ITR = 128 * time.Microsecond
	}
	if c.ITR < 0 {
		c.ITR = 0
	}
	if c.AdaptiveSpin == 0 {
		c.AdaptiveSpin = 200 * time.Microsecond
	}
	if c.TxHangTimeout == 0 {
		c.TxHangTimeout = 2 * time.Second
	}
	c.Clock = clock.Or(c.Clock)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.RxDescs/2 > c.Pool.Cap() {
		return fmt.Errorf("%w: pool %q has %d buffers, fewer than half the %d RX descriptors", ErrConfig, c.Pool.Name(), c.Pool.Cap(), c.RxDescs)
	}
	return nil
}

// MTU limits.
const (
	MinMTU = 68
	MaxMTU = 9000
	// ethOverhead is header + 802.1Q tag + FCS around an MTU-sized payload.
	ethOverhead = 14 + 4 + 4
)

// Device is one attached e1000-family port. It implements port.Port,
// port.Filter and port.Waiter.
//
// RxBurst is for one goroutine and TxBurst for one goroutine (they may be
// different); the control methods are safe for concurrent use.
type Device struct {
	f     pci.Function
	regs  pci.Regs
	model Model
	cfg   Config
	qemu  bool
	log   *slog.Logger

	rx rxQueue
	tx txQueue

	irqs    []pci.IRQ
	irqKind pci.IRQKind

	mu       sync.Mutex // control path: registers other than the tails, stats, filters
	mac      [6]byte
	mtu      atomic.Int32
	link     port.LinkState
	linkCh   chan port.LinkState
	hw       HWStats
	statBase qemuStatBase
	lastTxOK txProgress
	closed   bool
	promisc  bool
	allMulti bool
	mcast    [][6]byte

	ring dma.Region // both descriptor rings
}

var (
	_ port.Port      = (*Device)(nil)
	_ port.Filter    = (*Device)(nil)
	_ port.Waiter    = (*Device)(nil)
	_ port.CacheUser = (*Device)(nil)
)

// NewDriver returns the pci.Driver for a Registry; every device it attaches
// gets cfg (which must name the Pool).
func NewDriver(cfg Config) pci.Driver {
	return pci.Driver{
		Name: "e1000",
		IDs:  IDs(),
		Attach: func(f pci.Function) (io.Closer, error) {
			return Attach(f, cfg)
		},
	}
}

// Attach resets and initialises the device behind f and starts its rings. On
// success the Device owns f (Close closes it); on error f is left open.
func Attach(f pci.Function, cfg Config) (*Device, error) {
	model, ok := LookupModel(f.ID())
	if !ok {
		return nil, &OpError{Op: "attach", Addr: f.Addr(), Err: ErrUnsupported,
			Fix: fmt.Sprintf("device %s is not in the e1000 ID table (82540EM, 82544GC, 82545EM, 82574L)", f.ID())}
	}
	if err := cfg.setDefaults(); err != nil {
		return nil, &OpError{Op: "attach", Addr: f.Addr(), Err: err}
	}
	if err := cfg.Pool.Err(); err != nil {
		return nil, &OpError{Op: "attach", Addr: f.Addr(), Err: fmt.Errorf("%w: pool %q: %w", ErrConfig, cfg.Pool.Name(), err)}
	}
	if !cfg.Pool.From(f.DMA()) {
		// RX refills would hand the device IOVAs it cannot reach.
		return nil, &OpError{Op: "attach", Addr: f.Addr(),
			Err: fmt.Errorf("%w: pool %q is not in the device's DMA memory", ErrConfig, cfg.Pool.Name()),
			Fix: "create the pool from the memory the function was opened with: mbuf.NewPool(f.DMA(), ...) or the VFIO container's Memory()"}
	}
	regs, err := f.BAR(0)
	if err != nil {
		return nil, &OpError{Op: "attach", Addr: f.Addr(), Err: err, Fix: "the e1000 registers are in memory BAR 0"}
	}
	d := &Device{
		f:      f,
		regs:   regs,
		model:  model,
		cfg:    cfg,
		qemu:   f.SubsystemID() == qemuSubsystem,
		log:    cfg.Logger.With("dev", f.Addr(), "model", model.Name),
		linkCh: make(chan port.LinkState, 1),
	}
	d.mtu.Store(int32(cfg.MTU))
	if err := d.start(); err != nil {
		d.teardown()
		return nil, err
	}
	return d, nil
}

// Open is Attach for programs that do not use a Registry.
func Open(f pci.Function, cfg Config) (*Device, error) { return Attach(f, cfg) }

// Model is the matched model.
func (d *Device) Model() Model { return d.model }

// Function is the PCI function the device drives.
func (d *Device) Function() pci.Function { return d.f }

// MAC implements port.Port.
func (d *Device) MAC() [6]byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.mac
}

// MTU implements port.Port.
func (d *Device) MTU() int { return int(d.mtu.Load()) }

// Offloads implements port.Port. QEMU's 8254x models verify no receive
// checksums, so only the 82574L reports them.
func (d *Device) Offloads() port.Offloads {
	o := port.TxIPCsum | port.TxL4Csum | port.TxTSO | port.Chains
	if d.cfg.VLAN {
		o |= port.VLANInsert | port.VLANStrip
	}
	if d.model.Gen == Gen82574 {
		o |= port.RxIPCsum | port.RxL4Csum
	}
	return o
}

// Link implements port.Port.
func (d *Device) Link() port.LinkState {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.link
}

// LinkEvents implements port.Port.
func (d *Device) LinkEvents() <-chan port.LinkState { return d.linkCh }

// Close quiesces the device (interrupts masked, receiver and transmitter
// off), resets it, returns every buffer the rings held to its pool, frees the
// descriptor memory and closes the PCI function.
func (d *Device) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return ErrClosed
	}
	d.closed = true
	d.mu.Unlock()
	d.teardown()
	close(d.linkCh)
	return d.f.Close()
}

// teardown is the shared part of Close and a failed Attach; it leaves f open.
func (d *Device) teardown() {
	d.quiesce()
	_ = d.resetMAC()
	if d.irqs != nil {
		_ = d.f.DisableIRQs()
		d.irqs = nil
	}
	d.rx.release()
	d.tx.release()
	if d.ring.Mem != nil {
		_ = d.f.DMA().Free(d.ring)
		d.ring = dma.Region{}
	}
}

// quiesce stops DMA: interrupts masked, receiver and transmitter disabled
// (SDM §14.8 "Software Reset": stop the rings before resetting).
func (d *Device) quiesce() {
	d.regs.Write32(regIMC, intAll)
	d.regs.Write32(regRCTL, 0)
	d.regs.Write32(regTCTL, tctlPSP)
	// Retire the 82574L's throttling timers too (quiesce.go): teardown
	// disables MSI-X next.
	Quiesce(d.regs, d.model.ID)
}
