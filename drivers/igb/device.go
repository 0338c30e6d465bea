package igb

import (
	"fmt"
	"time"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
)

// IDs returns the PCI IDs the driver binds: the 82576 copper PF (QEMU's
// igb).
func IDs() []pci.ID { return []pci.ID{{Vendor: 0x8086, Device: 0x10c9}} }

// MaxQueues is the number of queue pairs the driver uses at most (the 82576
// has 16; RSS spreads over 8 without VMDq, §7.1.2.8).
const MaxQueues = 8

// Config configures Attach.
type Config struct {
	// Pool supplies every receive buffer; it must live in f's DMA memory.
	Pool *mbuf.Pool
	// Queues is the number of RX/TX queue pairs, 1 to MaxQueues (default 1).
	// With more than one, RSS spreads received flows over them.
	Queues int
	// RxRing and TxRing are descriptors per queue: a power of two from 8 to
	// 4096 (default 512).
	RxRing, TxRing int
	// Key is the RSS key (nil: DefaultKey); Fields the hashed fields
	// (0: DefaultFields).
	Key    *[KeyLen]byte
	Fields HashFields
	// Interrupts enables MSI-X, one vector per queue pair plus one for
	// other causes, for Queue.Wait; off, the queues are polled.
	Interrupts bool
	// LinkTimeout bounds the wait for link up at attach (default 5 s; QEMU
	// reports link at once).
	LinkTimeout time.Duration
}

func (c *Config) setDefaults() error {
	if c.Pool == nil {
		return fmt.Errorf("%w: Config.Pool is nil", ErrConfig)
	}
	if c.Queues == 0 {
		c.Queues = 1
	}
	if c.Queues < 1 || c.Queues > MaxQueues {
		return fmt.Errorf("%w: %d queues, want 1 to %d", ErrConfig, c.Queues, MaxQueues)
	}
	for _, r := range []*int{&c.RxRing, &c.TxRing} {
		if *r == 0 {
			*r = 512
		}
		if *r < 8 || *r > 4096 || *r&(*r-1) != 0 {
			return fmt.Errorf("%w: ring of %d descriptors, want a power of two from 8 to 4096", ErrConfig, *r)
		}
	}
	if c.Key == nil {
		k := DefaultKey()
		c.Key = &k
	}
	if c.Fields == 0 {
		c.Fields = DefaultFields
	}
	if c.LinkTimeout == 0 {
		c.LinkTimeout = 5 * time.Second
	}
	return nil
}

// Device is one attached 82576. Queue i's RxBurst and TxBurst may run on
// their own goroutine each; different queues run in parallel.
type Device struct {
	f      pci.Function
	regs   pci.Regs
	cfg    Config
	mac    [6]byte
	reta   RETA
	queues []*Queue
	rings  []dma.Region
	closed bool
	port   *Port // the hw/port view, made by Port

	otherIRQ pci.IRQ
	vf       *vfState // non-nil for a virtual function (AttachVF)
}

// Attach resets the device and brings it up with cfg.Queues queue pairs,
// polled (interrupts masked). The order follows the 82576 datasheet §4.5
// (initialization): reset, interrupts off, link, receive and transmit
// units per queue, then RCTL/TCTL.
func Attach(f pci.Function, cfg Config) (*Device, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, &OpError{Op: "attach", Addr: f.Addr(), Err: err}
	}
	if !cfg.Pool.From(f.DMA()) {
		return nil, &OpError{Op: "attach", Addr: f.Addr(), Err: ErrConfig, Fix: "make Config.Pool with mbuf.NewPool on the function's DMA memory (f.DMA()): the device can reach no other buffers"}
	}
	if !matches(f.ID()) {
		return nil, &OpError{Op: "attach", Addr: f.Addr(), Err: ErrNotIGB, Fix: fmt.Sprintf("device %v is not an 82576 (8086:10c9)", f.ID())}
	}
	regs, err := f.BAR(0)
	if err != nil {
		return nil, &OpError{Op: "attach", Addr: f.Addr(), Err: err}
	}
	d := &Device{f: f, regs: regs, cfg: cfg}
	if err := d.enableBusMaster(); err != nil {
		return nil, d.opErr("attach", err, "")
	}
	if err := d.reset(); err != nil {
		return nil, err
	}
	if err := d.start(); err != nil {
		d.teardown()
		return nil, err
	}
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

func (d *Device) opErr(op string, err error, fix string) error {
	return &OpError{Op: op, Addr: d.f.Addr(), Err: err, Fix: fix}
}

// enableBusMaster sets memory space and bus master in the PCI command
// register (PCI 3.0 §6.2.2).
func (d *Device) enableBusMaster() error {
	var b [2]byte
	if err := d.f.ReadConfig(pci.CfgCommand, b[:]); err != nil {
		return err
	}
	b[0] |= 0x06
	return d.f.WriteConfig(pci.CfgCommand, b[:])
}

// reset masks interrupts, issues CTRL.RST and waits for it to clear
// (§4.3.1 software reset), then masks interrupts again and clears causes.
func (d *Device) reset() error {
	r := d.regs
	r.Write32(regIMC, 0xffffffff)
	r.Write32(regEIMC, 0xffffffff)
	r.Write32(regRCTL, 0)
	r.Write32(regTCTL, 0)
	r.Write32(regCTRL, r.Read32(regCTRL)|ctrlRST)
	deadline := time.Now().Add(time.Second)
	for r.Read32(regCTRL)&ctrlRST != 0 {
		if time.Now().After(deadline) {
			return d.opErr("reset", ErrResetTimout, "the device did not clear CTRL.RST within 1 s")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(10 * time.Millisecond) // §4.3.1: wait before touching registers
	r.Write32(regIMC, 0xffffffff)
	r.Write32(regEIMC, 0xffffffff)
	r.Read32(regICR)
	r.Read32(regEICR)
	return nil
}

// start brings the device up: MAC address, link, RSS, queues, RCTL/TCTL.
func (d *Device) start() error {
	r := d.regs
	r.Write32(regCTRLEXT, r.Read32(regCTRLEXT)|ctrlExtDRVLD)
	// The device loads receive address 0 from the EEPROM at reset.
	lo, hi := r.Read32(regRAL0), r.Read32(regRAH0)
	d.mac = [6]byte{byte(lo), byte(lo >> 8), byte(lo >> 16), byte(lo >> 24), byte(hi), byte(hi >> 8)}
	r.Write32(regRAH0, hi|1<<31) // AV
	for i := range 128 {
		r.Write32(regMTA+uint32(4*i), 0)
	}
	r.Write32(regCTRL, r.Read32(regCTRL)|ctrlSLU)
	// The reset takes the link down; restarting auto-negotiation on the
	// PHY brings it back (QEMU completes it about 500 ms later).
	if err := d.writePHY(phyBMCR, bmcrANEN|bmcrANRST|bmcrDuplex|bmcrSpd1G); err != nil {
		return d.opErr("link", err, "")
	}
	deadline := time.Now().Add(d.cfg.LinkTimeout)
	for r.Read32(regSTATUS)&statusLU == 0 {
		if time.Now().After(deadline) {
			return d.opErr("link", ErrNoLink, "check the cable (QEMU: set_link nicN on)")
		}
		time.Sleep(10 * time.Millisecond)
	}
	d.setupRSS()
	for i := range d.cfg.Queues {
		q, err := d.newQueue(i)
		if err != nil {
			return err
		}
		d.queues = append(d.queues, q)
	}
	if d.cfg.Interrupts {
		if err := d.setupMSIX(); err != nil {
			return err
		}
	}
	r.Write32(regTCTL, tctlEN|tctlPSP|tctlCT|tctlCOLD)
	r.Write32(regRCTL, rctlEN|rctlBAM|rctlSECRC) // 2048-byte buffers (BSIZE 00); SRRCTL overrides per queue
	return nil
}

// writePHY writes PHY register reg over MDIC and waits for READY.
func (d *Device) writePHY(reg, val uint32) error {
	d.regs.Write32(regMDIC, val&0xffff|reg<<16|mdicPHY1|mdicOpW)
	deadline := time.Now().Add(100 * time.Millisecond)
	for {
		v := d.regs.Read32(regMDIC)
		if v&mdicError != 0 {
			return fmt.Errorf("igb: PHY register %d write failed (MDIC %#08x)", reg, v)
		}
		if v&mdicReady != 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("igb: PHY register %d write timed out", reg)
		}
		time.Sleep(time.Millisecond)
	}
}

// setupRSS writes the key, the redirection table and MRQC (§7.1.2.8). With
// one queue RSS is left off. RXCSUM.PCSD makes the descriptor carry the hash
// instead of the fragment checksum (QEMU computes the hash only then).
func (d *Device) setupRSS() {
	r := d.regs
	d.reta.Spread(d.cfg.Queues)
	if d.cfg.Queues == 1 {
		r.Write32(regMRQC, 0)
		return
	}
	k := d.cfg.Key
	for i := range KeyLen / 4 {
		r.Write32(regRSSRK+uint32(4*i), uint32(k[4*i])|uint32(k[4*i+1])<<8|uint32(k[4*i+2])<<16|uint32(k[4*i+3])<<24)
	}
	for i, w := range d.reta.words() {
		r.Write32(regRETA+uint32(4*i), w)
	}
	r.Write32(regRXCSUM, rxcsumPCSD)
	r.Write32(regMRQC, mrqcRSS|uint32(d.cfg.Fields))
}

// MAC is the station address.
func (d *Device) MAC() [6]byte { return d.mac }

// Queues is the number of queue pairs.
func (d *Device) Queues() int { return len(d.queues) }

// Queue returns queue pair i.
func (d *Device) Queue(i int) *Queue { return d.queues[i] }

// RETA returns the redirection table the device uses.
func (d *Device) RETA() RETA { return d.reta }

// Key returns the RSS key and hashed fields the device uses.
func (d *Device) Key() ([KeyLen]byte, HashFields) { return *d.cfg.Key, d.cfg.Fields }

// RxBurst receives on queue 0 (the single-queue port contract).
func (d *Device) RxBurst(bufs []*mbuf.Buf) int { return d.queues[0].RxBurst(bufs) }

// TxBurst transmits on queue 0.
func (d *Device) TxBurst(bufs []*mbuf.Buf) int { return d.queues[0].TxBurst(bufs) }

// LinkUp reports STATUS.LU.
func (d *Device) LinkUp() bool { return d.regs.Read32(regSTATUS)&statusLU != 0 }

// Close stops the receive and transmit units and every queue, resets the
// device (no DMA after this) and returns every buffer to the pool. The
// pci.Function stays open: its owner closes it.
func (d *Device) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	if d.port != nil {
		d.port.Close()
	}
	d.teardown()
	return nil
}

func (d *Device) teardown() {
	if d.vf != nil {
		d.vfQuiesce() // the VF's queues off and its reset: no DMA after it
		time.Sleep(10 * time.Millisecond)
	} else {
		r := d.regs
		r.Write32(regRCTL, 0)
		r.Write32(regTCTL, 0)
		for _, q := range d.queues {
			q.stop()
		}
		d.reset() // no DMA after a completed reset; a timeout leaves nothing better to do
	}
	if d.otherIRQ != nil {
		d.f.DisableIRQs()
		d.otherIRQ = nil
	}
	for _, q := range d.queues {
		q.release()
	}
	for _, rg := range d.rings {
		d.f.DMA().Free(rg)
	}
	d.rings = nil
}
