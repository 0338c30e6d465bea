package pcitest

import (
	"fmt"
	"sync"
	"time"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/pci"
)

// Config describes the fake function.
type Config struct {
	Addr        string // default "0000:00:00.0"
	ID          pci.ID
	SubsystemID pci.ID
	Class       uint32
	// BARs are the memory BARs' sizes (0: absent). A BAR with a hook in Hooks
	// sends every access to it; otherwise accesses hit a zeroed byte slice.
	BARs  [6]uint32
	Hooks [6]pci.RegHook
	// IRQs is how many vectors of each kind exist.
	IRQs map[pci.IRQKind]int
	// Reset is called by Function.Reset (the device model's reset).
	Reset func() error
}

// Function is a fake pci.Function.
type Function struct {
	cfg    Config
	config [4096]byte
	bars   [6][]uint32
	regs   [6]pci.Regs
	space  *dma.Space
	mem    *dma.Memory

	mu     sync.Mutex
	kind   pci.IRQKind
	irqs   []*IRQ
	closed bool
	resets int
}

var _ pci.Function = (*Function)(nil)

// New returns a fake function.
func New(cfg Config) *Function {
	if cfg.Addr == "" {
		cfg.Addr = "0000:00:00.0"
	}
	f := &Function{cfg: cfg, space: dma.NewSpace()}
	f.mem = dma.NewMemory(f.space, dma.MemoryOptions{NoHugepages: true})
	le16 := func(off int, v uint16) { f.config[off], f.config[off+1] = byte(v), byte(v>>8) }
	le16(pci.CfgVendorID, cfg.ID.Vendor)
	le16(pci.CfgVendorID+2, cfg.ID.Device)
	le16(pci.CfgSubVendor, cfg.SubsystemID.Vendor)
	le16(pci.CfgSubDevice, cfg.SubsystemID.Device)
	f.config[pci.CfgClass] = byte(cfg.Class)
	f.config[pci.CfgClass+1] = byte(cfg.Class >> 8)
	f.config[pci.CfgClass+2] = byte(cfg.Class >> 16)
	for i, n := range cfg.BARs {
		if n == 0 {
			continue
		}
		if h := cfg.Hooks[i]; h != nil {
			f.regs[i] = pci.NewHookedRegs(n, h)
			continue
		}
		f.bars[i] = make([]uint32, (n+3)/4)
		b := unsafeBytes(f.bars[i])
		r, err := pci.NewRegs(b)
		if err != nil {
			panic(err) // a uint32 slice is always aligned
		}
		f.regs[i] = r
	}
	return f
}

// Space is the in-process IOMMU: device models resolve IOVAs through it.
func (f *Function) Space() *dma.Space { return f.space }

// Memory is the DMA allocator (also returned by DMA).
func (f *Function) Memory() *dma.Memory { return f.mem }

// Resets counts Reset calls.
func (f *Function) Resets() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.resets
}

// Addr implements pci.Function.
func (f *Function) Addr() string { return f.cfg.Addr }

// ID implements pci.Function.
func (f *Function) ID() pci.ID { return f.cfg.ID }

// SubsystemID implements pci.Function.
func (f *Function) SubsystemID() pci.ID { return f.cfg.SubsystemID }

// Class implements pci.Function.
func (f *Function) Class() uint32 { return f.cfg.Class }

// ReadConfig implements pci.Function.
func (f *Function) ReadConfig(off int, b []byte) error {
	if off < 0 || off+len(b) > len(f.config) {
		return fmt.Errorf("pcitest: config read [%d,+%d) out of range", off, len(b))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	copy(b, f.config[off:])
	return nil
}

// WriteConfig implements pci.Function.
func (f *Function) WriteConfig(off int, b []byte) error {
	if off < 0 || off+len(b) > len(f.config) {
		return fmt.Errorf("pcitest: config write [%d,+%d) out of range", off, len(b))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if off < 4 {
		return fmt.Errorf("pcitest: config write to read-only IDs at %#x", off)
	}
	copy(f.config[off:], b)
	return nil
}

// BAR implements pci.Function.
func (f *Function) BAR(i int) (pci.Regs, error) {
	if i < 0 || i >= 6 || f.regs[i].Size() == 0 {
		return pci.Regs{}, fmt.Errorf("%w: BAR%d of %s", pci.ErrNoBAR, i, f.cfg.Addr)
	}
	return f.regs[i], nil
}

// DMA implements pci.Function.
func (f *Function) DMA() dma.Allocator { return f.mem }

// IRQCount implements pci.Function.
func (f *Function) IRQCount(kind pci.IRQKind) int { return f.cfg.IRQs[kind] }

// EnableIRQs implements pci.Function.
func (f *Function) EnableIRQs(kind pci.IRQKind, n int) ([]pci.IRQ, error) {
	if n <= 0 || n > f.cfg.IRQs[kind] {
		return nil, fmt.Errorf("%w: %d %s vectors requested, %s has %d", pci.ErrNoIRQ, n, kind, f.cfg.Addr, f.cfg.IRQs[kind])
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kind = kind
	f.irqs = make([]*IRQ, n)
	out := make([]pci.IRQ, n)
	for i := range f.irqs {
		f.irqs[i] = &IRQ{ch: make(chan struct{}, 1), level: kind == pci.INTx}
		out[i] = f.irqs[i]
	}
	return out, nil
}

// DisableIRQs implements pci.Function.
func (f *Function) DisableIRQs() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.irqs = nil
	return nil
}

// Raise fires vector v, as the device asserting its interrupt. It reports
// whether a vector was enabled to receive it.
func (f *Function) Raise(v int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if v < 0 || v >= len(f.irqs) {
		return false
	}
	f.irqs[v].fire()
	return true
}

// Reset implements pci.Function.
func (f *Function) Reset() error {
	f.mu.Lock()
	f.resets++
	f.mu.Unlock()
	if f.cfg.Reset != nil {
		return f.cfg.Reset()
	}
	for _, b := range f.bars {
		clear(b)
	}
	return nil
}

// Close implements pci.Function.
func (f *Function) Close() error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return pci.ErrClosed
	}
	f.closed = true
	f.irqs = nil
	f.mu.Unlock()
	return f.mem.Close()
}

// IRQ is a channel-backed vector. INTx vectors are level-style: after firing
// they stay masked until Unmask, like VFIO's automasked INTx.
type IRQ struct {
	mu      sync.Mutex
	ch      chan struct{}
	count   uint64
	level   bool
	masked  bool
	pending bool
}

func (q *IRQ) fire() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.level && q.masked {
		q.pending = true
		return
	}
	q.count++
	if q.level {
		q.masked = true
	}
	select {
	case q.ch <- struct{}{}:
	default:
	}
}

// Wait implements pci.IRQ.
func (q *IRQ) Wait(timeout time.Duration) (uint64, error) {
	var tc <-chan time.Time
	if timeout == 0 {
		select {
		case <-q.ch:
		default:
			return 0, pci.ErrIRQTimeout
		}
		q.mu.Lock()
		defer q.mu.Unlock()
		n := q.count
		q.count = 0
		return n, nil
	}
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		tc = t.C
	}
	select {
	case <-q.ch:
	case <-tc:
		return 0, pci.ErrIRQTimeout
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	n := q.count
	q.count = 0
	return n, nil
}

// Unmask implements pci.IRQ.
func (q *IRQ) Unmask() error {
	q.mu.Lock()
	pending := q.pending
	q.masked, q.pending = false, false
	q.mu.Unlock()
	if pending {
		q.fire()
	}
	return nil
}

// Fd implements pci.IRQ.
func (q *IRQ) Fd() int { return -1 }
