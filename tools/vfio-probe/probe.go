package main

import (
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gopkt/gopkt/drivers/e1000"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/vfio"
)

// model is what the probe needs to know about a NIC model.
type model struct {
	name   string
	eerd   eerdLayout
	i82574 bool // 82574L: MSI-X, IVAR, TARC enable
}

// modelOf maps the PCI ID to a model (IDs from pci.ids / the datasheets).
func modelOf(id pci.ID) (model, bool) {
	if id.Vendor != 0x8086 {
		return model{}, false
	}
	switch id.Device {
	case 0x100e:
		return model{name: "82540EM", eerd: eerdLayout{done: 1 << 4, addrShift: 8}}, true
	case 0x100f:
		return model{name: "82545EM", eerd: eerdLayout{done: 1 << 4, addrShift: 8}}, true
	case 0x10d3:
		return model{name: "82574L", eerd: eerdLayout{done: 1 << 1, addrShift: 2}, i82574: true}, true
	}
	return model{}, false
}

// probeConfig are the knobs from the command line.
type probeConfig struct {
	timeout time.Duration
	dst     net.HardwareAddr
	irq     string // auto, intx, msi, msix, none
	noTX    bool
	reset   bool
}

// prober runs the checks on one device and fills a report.
type prober struct {
	d    *vfio.Device
	regs pci.Regs
	m    model
	cfg  probeConfig
	rep  *report
	irqs []pci.IRQ
	kind pci.IRQKind
	mac  [6]byte
}

func probe(d *vfio.Device, cfg probeConfig, rep *report) error {
	rep.add("addr", d.Addr())
	rep.add("id", d.ID().String())
	rep.add("subsystem", d.SubsystemID().String())
	rep.add("class", fmt.Sprintf("%06x", d.Class()))
	m, ok := modelOf(d.ID())
	if !ok {
		return fmt.Errorf("%s is %s, not an e1000 the probe knows (8086:100e, 8086:100f, 8086:10d3)", d.Addr(), d.ID())
	}
	rep.add("model", m.name)
	p := &prober{d: d, m: m, cfg: cfg, rep: rep}
	p.describe()
	regs, err := d.BAR(0)
	if err != nil {
		return err
	}
	p.regs = regs
	if err := pci.EnableBusMaster(d); err != nil {
		return err
	}
	if cfg.reset {
		if err := d.Reset(); err != nil {
			rep.add("reset", "unsupported")
		} else {
			rep.add("reset", "ok")
		}
	}
	if err := p.identity(); err != nil {
		return err
	}
	// Quiet the device: mask every cause, clear what is pending, and retire
	// any throttling timer the previous interrupt mode left (e1000.Quiesce).
	e1000.Quiesce(regs, d.ID())
	regs.Write32(regICR, 0xFFFFFFFF)
	defer p.quiesce()
	if cfg.irq != "none" {
		if err := p.interrupts(); err != nil {
			return err
		}
	}
	if !cfg.noTX {
		if err := p.transmit(); err != nil {
			return err
		}
	}
	return nil
}

// describe reports what VFIO said about the device and its container.
func (p *prober) describe() {
	c := p.d.Container()
	info := c.IOMMUInfo()
	p.rep.add("iommu_type", c.IOMMUType())
	var rs []string
	for _, r := range info.Ranges {
		rs = append(rs, fmt.Sprintf("%#x-%#x", r.Start, r.Last))
	}
	p.rep.add("iova_ranges", strings.Join(rs, ","))
	p.rep.add("iommu_pgsizes", fmt.Sprintf("%#x", info.PageSizes))
	if info.HasDMAAvail {
		p.rep.add("dma_avail", fmt.Sprint(info.DMAAvail))
	}
	r := p.d.Regions()[0]
	how := "pread"
	switch {
	case r.Mappable() && r.HasSparse:
		how = fmt.Sprintf("sparse(%d)", len(r.Sparse))
	case r.Mappable():
		how = "whole"
	}
	p.rep.add("bar0", fmt.Sprintf("size=%#x mmap=%s", r.Size, how))
	for _, k := range []pci.IRQKind{pci.INTx, pci.MSI, pci.MSIX} {
		p.rep.add("irq_"+strings.ToLower(strings.ReplaceAll(k.String(), "-", "")), fmt.Sprint(p.d.IRQCount(k)))
	}
	p.rep.add("can_reset", fmt.Sprint(p.d.CanReset()))
}

// identity reads CTRL, STATUS, the receive address and the EEPROM MAC.
func (p *prober) identity() error {
	r := p.regs
	p.rep.add("ctrl", fmt.Sprintf("%#08x", r.Read32(regCTRL)))
	st := r.Read32(regSTATUS)
	p.rep.add("status", fmt.Sprintf("%#08x", st))
	p.rep.add("link_up", fmt.Sprint(st&statusLU != 0))
	ral, rah := r.Read32(regRAL0), r.Read32(regRAH0)
	p.rep.add("ral0", fmt.Sprintf("%#08x", ral))
	p.rep.add("rah0", fmt.Sprintf("%#08x", rah))
	if rah&rah0AV != 0 {
		p.rep.add("mac_ral", net.HardwareAddr{byte(ral), byte(ral >> 8), byte(ral >> 16), byte(ral >> 24), byte(rah), byte(rah >> 8)}.String())
	}
	// The Ethernet address is EEPROM words 0-2, low byte first (SDM §5.6.1).
	for w := 0; w < 3; w++ {
		v, err := p.eepromRead(uint32(w))
		if err != nil {
			return err
		}
		p.mac[2*w], p.mac[2*w+1] = byte(v), byte(v>>8)
	}
	p.rep.add("mac_eeprom", net.HardwareAddr(p.mac[:]).String())
	return nil
}

// eepromRead reads one 16-bit EEPROM word through EERD.
func (p *prober) eepromRead(word uint32) (uint16, error) {
	p.regs.Write32(regEERD, word<<p.m.eerd.addrShift|eerdStart)
	deadline := time.Now().Add(p.cfg.timeout)
	for {
		v := p.regs.Read32(regEERD)
		if v&p.m.eerd.done != 0 {
			return uint16(v >> eerdDataShift), nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("EERD read of word %d: no done bit after %v (EERD=%#08x)", word, p.cfg.timeout, v)
		}
		time.Sleep(100 * time.Microsecond)
	}
}

// Vector roles: which vector the test cause (LSC via ICS) and the TX
// write-back arrive on.
func (p *prober) otherVector() int {
	if p.kind == pci.MSIX {
		return 1
	}
	return 0
}

// interrupts enables eventfd delivery and proves it with a software-set
// cause: ICS.LSC raises the interrupt as a link change would.
func (p *prober) interrupts() error {
	kind, n := pci.INTx, 1
	switch p.cfg.irq {
	case "msi":
		kind = pci.MSI
	case "msix":
		kind, n = pci.MSIX, 2
	case "auto":
		if p.m.i82574 && p.d.IRQCount(pci.MSIX) >= 2 {
			kind, n = pci.MSIX, 2
		}
	}
	irqs, err := p.d.EnableIRQs(kind, n)
	if err != nil {
		return err
	}
	p.irqs, p.kind = irqs, kind
	p.rep.add("irq_kind", kind.String())
	p.rep.add("irq_vectors", fmt.Sprint(n))
	mask := uint32(icrLSC | icrTXDW)
	if kind == pci.MSIX {
		// 82574L MSI-X: IVAR routes TxQ0 to vector 0 and Other (LSC lands
		// there in MSI-X mode) to vector 1; IMS must hold the queue bits.
		p.regs.Write32(regIVAR, ivarValid<<ivarTXQ0Shift|(ivarValid|1)<<ivarOtherShift) // vectors 0 and 1
		mask |= icrTXQ0 | icrOTHER
	}
	p.regs.Write32(regIMS, mask)
	start := time.Now()
	p.regs.Write32(regICS, icrLSC)
	v := p.otherVector()
	cnt, err := irqs[v].Wait(p.cfg.timeout)
	if err != nil {
		return fmt.Errorf("%s vector %d after ICS.LSC: %w", kind, v, err)
	}
	p.rep.add("irq_ics_vector", fmt.Sprint(v))
	p.rep.add("irq_ics_count", fmt.Sprint(cnt))
	p.rep.add("irq_ics_us", fmt.Sprint(time.Since(start).Microseconds()))
	if kind == pci.MSIX {
		if c, err := irqs[0].Wait(0); err == nil {
			return fmt.Errorf("MSI-X vector 0 fired %d times for an Other cause routed to vector 1", c)
		}
	}
	p.rep.add("irq_icr", fmt.Sprintf("%#08x", p.ackCauses()))
	return irqs[v].Unmask()
}

// ackCauses clears the cause register. ICR is clear-on-read for INTx and MSI;
// in MSI-X mode with IMS set the 82574L keeps it (QEMU e1000e_mac_icr_read),
// so the bits are also written back (write 1 to clear).
func (p *prober) ackCauses() uint32 {
	icr := p.regs.Read32(regICR)
	if p.kind == pci.MSIX {
		p.regs.Write32(regICR, icr)
	}
	return icr
}

// transmit proves DMA through the IOMMU: one legacy descriptor in a ring in
// DMA memory points at one 60-byte frame; the NIC must fetch both, advance
// TDH, write DD back and interrupt.
func (p *prober) transmit() error {
	mem := p.d.DMA()
	ring, err := mem.Alloc(4096, 4096)
	if err != nil {
		return err
	}
	defer mem.Free(ring)
	buf, err := mem.Alloc(2048, 64)
	if err != nil {
		return err
	}
	defer mem.Free(buf)
	if m, ok := mem.(*dma.Memory); ok {
		p.rep.add("dma_hugepages", fmt.Sprint(m.Hugepages()))
	}
	p.rep.add("ring_iova", fmt.Sprintf("%#x", ring.IOVA))
	// The IOMMU translates: the bus address is not the CPU's address.
	va := uint64(uintptr(unsafe.Pointer(&ring.Mem[0])))
	p.rep.add("ring_va", fmt.Sprintf("%#x", va))
	if va == ring.IOVA {
		return fmt.Errorf("ring IOVA %#x equals its virtual address: the allocator must not identity-map", va)
	}
	p.rep.add("buf_iova", fmt.Sprintf("%#x", buf.IOVA))

	frame := probeFrame(p.cfg.dst, p.mac, p.d.Addr())
	copy(buf.Mem, frame)
	p.rep.add("tx_frame", hex.EncodeToString(frame))
	clear(ring.Mem)
	const nDesc = 8 // TDLEN must be a multiple of 128 bytes (SDM §13.4.40)
	d := ring.Mem[:txdSize]
	le64(d[0:], buf.IOVA)
	d[txdLen], d[txdLen+1] = byte(len(frame)), byte(len(frame)>>8)
	d[txdCmd] = txdCmdEOP | txdCmdIFCS | txdCmdRS

	r := p.regs
	r.Write32(regTCTL, 0)
	r.Write32(regTIPG, tipgDefault)
	r.Write32(regTDBAL, uint32(ring.IOVA))
	r.Write32(regTDBAH, uint32(ring.IOVA>>32))
	r.Write32(regTDLEN, nDesc*txdSize)
	r.Write32(regTDH, 0)
	r.Write32(regTDT, 0)
	if p.m.i82574 {
		r.Set32(regTARC0, tarcEnable)
	}
	r.Write32(regTCTL, tctlEN|tctlPSP|tctlCT|tctlCOLD)
	p.rep.add("tdh_before", fmt.Sprint(r.Read32(regTDH)))
	start := time.Now()
	r.Write32(regTDT, 1) // the doorbell: an atomic store orders the descriptor before it
	deadline := start.Add(p.cfg.timeout)
	// The NIC writes DD behind the compiler's back: load it atomically.
	status := (*uint32)(unsafe.Pointer(&d[txdStatus]))
	for r.Read32(regTDH) != 1 || atomic.LoadUint32(status)&txdStaDD == 0 {
		if time.Now().After(deadline) {
			return fmt.Errorf("TX descriptor not processed after %v: TDH=%d status=%#x", p.cfg.timeout, r.Read32(regTDH), atomic.LoadUint32(status))
		}
		time.Sleep(50 * time.Microsecond)
	}
	p.rep.add("tdh_after", fmt.Sprint(r.Read32(regTDH)))
	p.rep.add("tx_dd", fmt.Sprint(atomic.LoadUint32(status)&txdStaDD != 0))
	p.rep.add("tx_us", fmt.Sprint(time.Since(start).Microseconds()))
	if p.irqs != nil {
		cnt, err := p.irqs[0].Wait(p.cfg.timeout)
		if err != nil {
			return fmt.Errorf("%s vector 0 after the TX write-back: %w", p.kind, err)
		}
		p.rep.add("tx_irq_vector", "0")
		p.rep.add("tx_irq_count", fmt.Sprint(cnt))
		p.rep.add("tx_icr", fmt.Sprintf("%#08x", p.ackCauses()))
		if err := p.irqs[0].Unmask(); err != nil {
			return err
		}
	}
	r.Write32(regTCTL, 0)
	return nil
}

// quiesce stops TX and turns interrupt delivery off through the driver's
// release path, which retires the 82574L's throttling timers before MSI-X
// goes away (a late one aborts QEMU's e1000e; see drivers/e1000/quiesce.go).
func (p *prober) quiesce() {
	p.regs.Write32(regTCTL, 0)
	if p.irqs != nil {
		_ = e1000.ReleaseIRQs(p.d, p.regs)
		return
	}
	e1000.Quiesce(p.regs, p.d.ID())
}

// probeFrame builds the 60-byte test frame: dst, src, EtherType 0x88B5 (IEEE
// 802 local experimental 1), "gopkt vfio-probe <addr>", zero padding.
func probeFrame(dst net.HardwareAddr, src [6]byte, addr string) []byte {
	f := make([]byte, 60)
	copy(f[0:6], dst)
	copy(f[6:12], src[:])
	f[12], f[13] = 0x88, 0xB5
	copy(f[14:], "gopkt vfio-probe "+addr)
	return f
}

func le64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

// report is an ordered list of key: value lines.
type report struct {
	keys []string
	vals map[string]string
}

func newReport() *report { return &report{vals: map[string]string{}} }

func (r *report) add(k, v string) {
	if _, ok := r.vals[k]; !ok {
		r.keys = append(r.keys, k)
	}
	r.vals[k] = v
}

func (r *report) text() string {
	var b strings.Builder
	for _, k := range r.keys {
		fmt.Fprintf(&b, "%s: %s\n", k, r.vals[k])
	}
	return b.String()
}
