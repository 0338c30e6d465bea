package e1000

import (
	"fmt"
	"time"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
)

// Reset and initialisation, following SDM §14 "General Initialization and
// Reset Operation" (82574: datasheet §4.6 "Software Initialization
// Sequence"). QEMU quirk: its CTRL.RST resets nothing but the bit itself, so
// every register the driver relies on is written explicitly below, never
// assumed to hold its reset value.

const resetPoll = 50 * time.Millisecond

// resetMAC masks interrupts, stops DMA and issues a device reset.
func (d *Device) resetMAC() error {
	// SDM §14.3 / 82574 §4.6.1: mask all interrupts before the reset.
	d.regs.Write32(regIMC, intAll)
	d.regs.Write32(regRCTL, 0)
	d.regs.Write32(regTCTL, tctlPSP)
	_ = d.regs.Read32(regSTATUS)
	if d.model.Gen == Gen82574 {
		// 82574 §5.2.1.3: disable PCIe master access and wait for
		// outstanding requests before a software reset.
		d.regs.Set32(regCTRL, ctrlGIOMD)
		deadline := time.Now().Add(resetPoll)
		for d.regs.Read32(regSTATUS)&statusGIOME != 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Microsecond)
		}
	}
	// SDM §13.4.1: CTRL.RST resets the MAC; it self-clears. Allow 1 µs
	// before the next access (we wait longer on purpose: 82574 needs 1 ms).
	d.regs.Write32(regCTRL, d.regs.Read32(regCTRL)|ctrlRST)
	time.Sleep(time.Millisecond)
	deadline := time.Now().Add(resetPoll)
	for d.regs.Read32(regCTRL)&ctrlRST != 0 {
		if time.Now().After(deadline) {
			return d.opErr("reset", ErrResetTimeout, "CTRL.RST did not self-clear; try a function-level reset (unbind and bind vfio-pci)")
		}
		time.Sleep(100 * time.Microsecond)
	}
	// Interrupts stay masked after the reset; clear anything pending.
	d.regs.Write32(regIMC, intAll)
	_ = d.regs.Read32(regICR)
	return nil
}

// start runs the whole initialisation sequence and starts both rings.
func (d *Device) start() error {
	// Memory decoding and bus mastering (PCI 3.0 §6.2.2) before any DMA.
	if err := pci.EnableBusMaster(d.f); err != nil {
		return d.opErr("attach", err, "cannot write the PCI command register")
	}
	// 1. Reset with interrupts masked (SDM §14.3, 82574 §4.6.1).
	if err := d.resetMAC(); err != nil {
		return err
	}
	if d.model.Gen == Gen82574 {
		// 82574 §10.2.2.4: tell firmware a driver owns the device.
		d.regs.Set32(regCTRLEXT, ctrlExtDrvLoad)
	}
	// 2. MAC address from the EEPROM into RAL0/RAH0 (SDM §14.4 step 1,
	// §5.6.1), clear the other receive address registers, the multicast
	// table and the VLAN filter table (SDM §14.4 steps 1-3).
	mac, err := d.macFromEEPROM()
	if err != nil {
		return d.opErr("attach", err, "the EEPROM did not answer; the device may need a power cycle")
	}
	if err := d.CheckEEPROM(); err != nil {
		d.log.Warn("e1000: EEPROM checksum", "err", err)
	}
	d.mu.Lock()
	d.mac = mac
	d.writeRAR(mac)
	for i := uint32(1); i < 16; i++ {
		d.regs.Write32(regRAL0+8*i, 0)
		d.regs.Write32(regRAH0+8*i, 0)
	}
	d.promisc = d.cfg.Promisc
	d.writeMTA(nil)
	for i := uint32(0); i < vftaEntries; i++ {
		d.regs.Write32(regVFTA+4*i, 0)
	}
	d.regs.Write32(regVET, 0x8100) // SDM §13.4.10: 802.1Q TPID
	// 3. Link set-up (SDM §14.5.2, copper, auto-negotiation).
	d.setupLink()
	// 4. Statistics start from zero (SDM §14.6: read to clear).
	d.clearCounters()
	d.mu.Unlock()

	// 5. Descriptor rings: one DMA region, RX ring then TX ring, 128-byte
	// aligned as RDBAL/TDBAL require (SDM §13.4.25, §13.4.36).
	rxBytes, txBytes := d.cfg.RxDescs*descSize, d.cfg.TxDescs*descSize
	d.ring, err = d.f.DMA().Alloc(rxBytes+txBytes, dma.SmallPage)
	if err != nil {
		return d.opErr("attach", err, "no DMA memory for the descriptor rings; reserve hugepages or raise RLIMIT_MEMLOCK")
	}
	clear(d.ring.Mem)
	// Small per-queue caches keep the set of buffers in circulation (and
	// so the memory the CPU and the device touch) close to the ring sizes:
	// freed buffers go back through the pool's LIFO stack and are reused
	// hot, as with DPDK's per-lcore mempool cache.
	d.rx.init(d.regs, d.ring.Mem[:rxBytes], d.cfg.RxDescs, d.cfg.Pool.NewCache(d.cfg.RxRefill))
	d.rx.maxFrame.Store(int32(d.cfg.MTU + ethOverhead))
	d.rx.refillAt = uint32(d.cfg.RxRefill)
	d.rx.vlan = d.cfg.VLAN
	d.rx.csum = d.model.Gen == Gen82574
	d.rx.portIdx = d.cfg.PortIndex
	d.tx.init(d.regs, d.ring.Mem[rxBytes:], d.cfg.TxDescs, d.cfg.Pool.NewCache(txCacheSize), d.f.DMA())
	d.tx.vlan = d.cfg.VLAN
	d.initTx(d.ring.IOVA + uint64(rxBytes))
	if err := d.initRx(d.ring.IOVA); err != nil {
		return err
	}
	// 6. Interrupts last, once the rings are live (SDM §14.4 final step).
	if err := d.setupInterrupts(); err != nil {
		return err
	}
	d.mu.Lock()
	d.updateLink()
	d.mu.Unlock()
	return nil
}

// initRx programs the receive unit (SDM §14.4 "Receive Initialization").
func (d *Device) initRx(iova uint64) error {
	r := d.regs
	r.Write32(regRDBAL, uint32(iova))
	r.Write32(regRDBAH, uint32(iova>>32))
	r.Write32(regRDLEN, uint32(d.cfg.RxDescs*descSize))
	r.Write32(regRDH, 0)
	r.Write32(regRDT, 0)
	// No receive delay: write-back and interrupt per frame, moderated by
	// ITR only (SDM §13.4.30: RDTR 0 disables the delay timer).
	r.Write32(regRDTR, 0)
	r.Write32(regRADV, 0)
	if d.model.Gen == Gen82574 {
		// Legacy descriptors: RFCTL.EXSTEN off, RCTL.DTYP 00 (82574
		// §10.2.5.8, §7.1.4); IP and TCP/UDP checksum offload on.
		r.Write32(regRFCTL, 0)
		r.Write32(regRXCSUM, rxcsumIPOFL|rxcsumTUOFL)
	} else {
		// QEMU's 8254x models do not verify receive checksums.
		r.Write32(regRXCSUM, 0)
	}
	d.rx.refill()
	if d.rx.tail == 0 {
		return d.opErr("attach", fmt.Errorf("%w: no mbufs for the RX ring", mbuf.ErrExhausted),
			fmt.Sprintf("pool %q is empty; give it at least %d buffers per port", d.cfg.Pool.Name(), 2*d.cfg.RxDescs))
	}
	// SDM §14.4 last step: enable the receiver. QEMU holds reception for
	// about one second after every RCTL write.
	d.mu.Lock()
	r.Write32(regRCTL, d.rctl())
	d.mu.Unlock()
	return nil
}

// initTx programs the transmit unit (SDM §14.5 "Transmit Initialization").
func (d *Device) initTx(iova uint64) {
	r := d.regs
	r.Write32(regTCTL, tctlPSP) // off while the ring is set up
	r.Write32(regTDBAL, uint32(iova))
	r.Write32(regTDBAH, uint32(iova>>32))
	r.Write32(regTDLEN, uint32(d.cfg.TxDescs*descSize))
	r.Write32(regTDH, 0)
	r.Write32(regTDT, 0)
	r.Write32(regTIDV, 0)
	r.Write32(regTADV, 0)
	if d.model.Gen == Gen82574 {
		r.Write32(regTXDCTL, txdctl82574)
	}
	// IPG for IEEE 802.3 copper (SDM §13.4.34 table 13-78).
	r.Write32(regTIPG, tipgCopper)
	// SDM §14.5: EN, PSP, CT 0x0F, COLD 0x40 (full duplex), RTLC on 82574.
	tctl := uint32(tctlEN | tctlPSP | 0x0F<<tctlCTShift | 0x40<<tctlCOLDSh)
	if d.model.Gen == Gen82574 {
		tctl |= tctlRTLC
	}
	r.Write32(regTCTL, tctl)
}

// resetTx recovers a hung transmit unit: stop it, take every buffer back
// (counted as dropped), and start an empty ring. It runs on the TX
// goroutine (TxBurst), asked for by Service.
func (d *Device) resetTx() {
	q := &d.tx
	q.resetReq.Store(false)
	d.mu.Lock()
	tctl := d.regs.Read32(regTCTL)
	d.regs.Write32(regTCTL, tctl&^tctlEN)
	q.release()
	clear(d.ring.Mem[d.cfg.RxDescs*descSize:])
	d.regs.Write32(regTDH, 0)
	d.regs.Write32(regTDT, 0)
	d.regs.Write32(regTCTL, tctl|tctlEN)
	d.mu.Unlock()
	q.resets.Add(1)
	d.log.Warn("e1000: transmit ring reset after a hang")
}
