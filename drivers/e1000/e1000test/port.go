package e1000test

import (
	"fmt"

	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/pci/pcitest"
)

// Model IDs the model can present.
var (
	ID82540EM = pci.ID{Vendor: 0x8086, Device: 0x100E}
	ID82544GC = pci.ID{Vendor: 0x8086, Device: 0x100C}
	ID82545EM = pci.ID{Vendor: 0x8086, Device: 0x100F}
	ID82574L  = pci.ID{Vendor: 0x8086, Device: 0x10D3}
)

// Options describe one model port.
type Options struct {
	ID  pci.ID  // one of the IDs above (default 82540EM)
	MAC [6]byte // permanent address in the EEPROM
	// QEMU presents QEMU's subsystem ID (1af4:1100) and QEMU's statistics
	// quirk: error counters (CRCERRS..MPC, RNBC) do not clear on read.
	QEMU bool
	// BadEEPROMSum corrupts the EEPROM checksum word.
	BadEEPROMSum bool
	// QueueFrames is how many frames may wait for RX descriptors (default 512).
	QueueFrames int
	// LinkDown starts with the link down.
	LinkDown bool
}

// Port is one model device.
type Port struct {
	bus  *Bus
	fn   *function
	id   pci.ID
	opts Options
	gen  int // 0: 82544, 1: 8254x, 2: 82574

	reg    [barSize / 4]uint32
	eeprom [64]uint16
	phy    [32]uint16
	ee     microwire
	link   bool

	queue                 frameQueue
	txbuf                 []byte // packet being assembled from TX descriptors
	txseg                 []byte // segment under construction (TSO, VLAN, CRC)
	rxscratch             []byte // VLAN-stripped copy of a received frame
	tx                    txState
	source                []byte // RX generator template (nil: none)
	tap                   func(frame []byte)
	hostile               Hostile
	hostDescs, hostFrames uint64
	counts                Counts
}

// Counts are model-side observations for tests.
type Counts struct {
	TxFrames   uint64 // frames put on the wire
	RxFrames   uint64 // frames written into the RX ring
	RxQueued   uint64 // frames that had to wait for descriptors
	RxMissed   uint64 // frames dropped: no descriptors and the queue full
	RxFiltered uint64 // frames the address filter rejected
	DMAFaults  uint64 // descriptor or buffer addresses outside the IOMMU
	Hostile    uint64 // hostile actions taken
	TxStalled  uint64 // TDT writes ignored while stalled
}

// NewPort adds a port to the bus.
func NewPort(bus *Bus, opts Options) *Port {
	if opts.ID == (pci.ID{}) {
		opts.ID = ID82540EM
	}
	if opts.QueueFrames == 0 {
		opts.QueueFrames = 512
	}
	p := &Port{bus: bus, id: opts.ID, opts: opts, link: !opts.LinkDown}
	switch opts.ID {
	case ID82544GC:
		p.gen = 0
	case ID82574L:
		p.gen = 2
	default:
		p.gen = 1
	}
	sub := pci.ID{Vendor: 0x8086, Device: 0x001E}
	if opts.QEMU {
		sub = pci.ID{Vendor: 0x1af4, Device: 0x1100}
	}
	irqs := map[pci.IRQKind]int{pci.INTx: 1}
	if p.gen == 2 {
		irqs[pci.MSI] = 1
		irqs[pci.MSIX] = 5
	}
	cfg := pcitest.Config{
		Addr:        fmt.Sprintf("0000:00:%02x.0", 2+len(bus.ports)),
		ID:          opts.ID,
		SubsystemID: sub,
		Class:       0x020000,
		IRQs:        irqs,
		Reset:       p.functionReset,
	}
	cfg.BARs[0] = barSize
	cfg.Hooks[0] = (*hook)(p)
	p.fn = &function{Function: pcitest.New(cfg), bus: bus}
	p.buildEEPROM()
	p.queue.init(opts.QueueFrames, maxFrame)
	p.txbuf = make([]byte, 0, 1<<16+64)
	p.txseg = make([]byte, 0, maxFrame+8)
	p.rxscratch = make([]byte, maxFrame)
	bus.mu.Lock()
	p.resetLocked()
	bus.ports = append(bus.ports, p)
	bus.mu.Unlock()
	return p
}

// maxFrame is the longest frame the model carries (16 KiB, SDM §13.4.22 LPE).
const maxFrame = 16384

// Function is the pci.Function to attach a driver to.
func (p *Port) Function() pci.Function { return p.fn }

// Fake is the underlying pcitest function (interrupt and reset counters).
func (p *Port) Fake() *pcitest.Function { return p.fn.Function }

// Counts returns the model's observations.
func (p *Port) Counts() Counts {
	p.bus.mu.Lock()
	defer p.bus.mu.Unlock()
	return p.counts
}

// Reg reads a register without side effects (for tests).
func (p *Port) Reg(off uint32) uint32 {
	p.bus.mu.Lock()
	defer p.bus.mu.Unlock()
	return p.reg[off/4]
}

// SetLink takes the link up or down and signals LSC, like QEMU's set_link.
func (p *Port) SetLink(up bool) {
	p.bus.mu.Lock()
	defer p.bus.mu.Unlock()
	if p.link == up {
		return
	}
	p.link = up
	p.updateStatus()
	p.cause(icrLSC)
}

// SetSource makes the port receive copies of frame whenever it has free RX
// descriptors (a traffic generator for RX benchmarks); nil stops it.
func (p *Port) SetSource(frame []byte) {
	p.bus.mu.Lock()
	defer p.bus.mu.Unlock()
	p.source = append([]byte(nil), frame...)
	if frame == nil {
		p.source = nil
	}
	p.fillFromSource()
}

// SetTap calls f with every frame the port puts on the wire (after offloads
// and VLAN insertion, without FCS). f runs under the bus lock and must copy
// what it keeps.
func (p *Port) SetTap(f func(frame []byte)) {
	p.bus.mu.Lock()
	defer p.bus.mu.Unlock()
	p.tap = f
}

// Inject delivers frame to the port as if it came from the wire.
func (p *Port) Inject(frame []byte) {
	p.bus.mu.Lock()
	defer p.bus.mu.Unlock()
	p.receive(frame)
}

func (p *Port) updateStatus() {
	if p.link {
		p.reg[rSTATUS/4] = statusLU | statusFD | statusSpeed1G
		p.phy[1] |= 1<<2 | 1<<5
	} else {
		p.reg[rSTATUS/4] = 0
		p.phy[1] &^= 1 << 2
	}
}

// resetLocked is the device reset (power-on, CTRL.RST or function reset):
// every register to its default, rings off, interrupts masked.
func (p *Port) resetLocked() {
	clear(p.reg[:])
	p.reg[rCTRL/4] = ctrlSLU
	p.reg[rEECD/4] = eecdPRES
	p.reg[rVET/4] = 0x8100
	p.updateStatus()
	p.phy = [32]uint16{0: 1<<12 | 1<<6 | 1<<8, 1: 0x7949, 2: 0x0141, 3: 0x0c20, 4: 0x01e1, 5: 0x45e1, 9: 0x0300, 10: 0x3c00}
	if p.link {
		p.phy[1] |= 1<<2 | 1<<5
	}
	p.ee = microwire{}
	p.tx = txState{}
	p.txbuf = p.txbuf[:0]
	p.queue.reset()
}

func (p *Port) functionReset() error {
	p.bus.mu.Lock()
	defer p.bus.mu.Unlock()
	p.resetLocked()
	return nil
}

// cause sets interrupt causes and raises the vector when an unmasked cause
// is pending (SDM §13.4.17-13.4.20).
func (p *Port) cause(c uint32) {
	if p.gen == 2 {
		if c&(icrRXT0) != 0 {
			c |= icrRXQ0
		}
		if c&icrLSC != 0 {
			c |= icrOTHER
		}
	}
	p.reg[rICR/4] |= c
	p.maybeRaise()
}

func (p *Port) maybeRaise() {
	if p.reg[rICR/4]&p.reg[rIMS/4] == 0 {
		return
	}
	vec := 0
	if p.gen == 2 {
		if iv := p.reg[rIVAR/4]; iv&0x8 != 0 {
			vec = int(iv & 7)
		}
	}
	p.fn.Raise(vec)
}

// hook is the port's register file as a pci.RegHook.
type hook Port

func (h *hook) Read32(off uint32) uint32 {
	p := (*Port)(h)
	p.bus.mu.Lock()
	defer p.bus.mu.Unlock()
	return p.read(off)
}

func (h *hook) Write32(off, v uint32) {
	p := (*Port)(h)
	p.bus.mu.Lock()
	defer p.bus.mu.Unlock()
	p.write(off, v)
}

func (p *Port) read(off uint32) uint32 {
	i := off / 4
	switch {
	case off == rICR:
		v := p.reg[i]
		p.reg[i] = 0 // read to clear, SDM §13.4.17
		return v
	case off == rICS:
		return p.reg[rICR/4]
	case off == rEECD:
		return p.eecdRead()
	case off == rEERD && p.gen == 0:
		return 0 // the 82544 has no EERD
	case off >= rCRCERRS && off < rStatEnd:
		v := p.reg[i]
		if !(p.opts.QEMU && p.nonClearing(off)) {
			p.reg[i] = 0
			if off == rGORCH || off == rGOTCH {
				p.reg[i-1] = 0
			}
		}
		if off == rGORCL || off == rGOTCL {
			return v // cleared with the high half
		}
		return v
	}
	return p.reg[i]
}

// nonClearing reports QEMU's plain (never cleared) statistics registers.
func (p *Port) nonClearing(off uint32) bool {
	return off <= rMPC || off == rRNBC || (off >= 0x4014 && off <= 0x4070) || off == 0x40FC
}

func (p *Port) write(off, v uint32) {
	i := off / 4
	switch off {
	case rCTRL:
		if v&ctrlRST != 0 {
			p.resetLocked()
			return
		}
		p.reg[i] = v
	case rSTATUS, rICS:
		if off == rICS {
			p.cause(v)
		}
	case rICR:
		p.reg[i] &^= v // write 1 to clear
	case rIMS:
		p.reg[i] |= v
		p.maybeRaise()
	case rIMC:
		p.reg[rIMS/4] &^= v
	case rEECD:
		p.eecdWrite(v)
	case rEERD:
		p.eerdWrite(v)
	case rMDIC:
		p.mdic(v)
	case rRDLEN, rTDLEN:
		p.reg[i] = v & 0xfff80
	case rRDH, rRDT, rTDH:
		p.reg[i] = v & 0xffff
		if off == rRDT {
			p.flushQueue()
			p.fillFromSource()
		}
	case rTDT:
		p.reg[i] = v & 0xffff
		p.transmit()
	case rTCTL:
		p.reg[i] = v
		p.transmit()
	case rRCTL:
		p.reg[i] = v
		if v&rctlEN != 0 {
			p.flushQueue()
			p.fillFromSource()
		}
	default:
		if off >= rCRCERRS && off < rStatEnd {
			return // statistics are read-only
		}
		p.reg[i] = v
	}
}

// mdic performs a PHY access (SDM §13.4.7): PHY address 1 only.
func (p *Port) mdic(v uint32) {
	reg := (v >> 16) & 0x1f
	phyAddr := (v >> 21) & 0x1f
	op := (v >> 26) & 3
	if phyAddr != 1 {
		p.reg[rMDIC/4] = v | mdicReady | mdicError
		return
	}
	switch op {
	case 1: // write
		val := uint16(v)
		if reg == 0 {
			if val&(1<<9) != 0 && p.link { // restart auto-negotiation: done at once
				p.phy[1] |= 1 << 5
			}
			val &^= 1<<15 | 1<<9 // self-clearing
		}
		if reg != 1 && reg != 2 && reg != 3 {
			p.phy[reg] = val
		}
		p.reg[rMDIC/4] = v | mdicReady
	case 2: // read
		p.reg[rMDIC/4] = v&^0xffff | uint32(p.phy[reg]) | mdicReady
	default:
		p.reg[rMDIC/4] = v | mdicReady | mdicError
	}
}
