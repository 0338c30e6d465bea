package e1000

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopkt/gopkt/hw/pci"
)

// Self-test, in the spirit of the Linux driver's ethtool test (registers,
// EEPROM, interrupt, link) and the SDM's register descriptions: each test
// saves what it touches and restores it, so the port keeps working.

// SelfTestResult is one test's outcome.
type SelfTestResult struct {
	Name string
	Err  error // nil: passed
}

// regPattern is a read/write register and the bits that are writable (SDM
// §13.4.25-13.4.38: descriptor base addresses are 16-byte aligned, lengths
// 128-byte multiples below 1 MiB; MTA and VFTA are plain arrays).
var regPatterns = []struct {
	name string
	off  uint32
	mask uint32
}{
	{"RDBAL", regRDBAL, 0xFFFFFFF0},
	{"RDBAH", regRDBAH, 0xFFFFFFFF},
	{"RDLEN", regRDLEN, 0x000FFF80},
	{"TDBAL", regTDBAL, 0xFFFFFFF0},
	{"TDBAH", regTDBAH, 0xFFFFFFFF},
	{"TDLEN", regTDLEN, 0x000FFF80},
	{"MTA[0]", regMTA, 0xFFFFFFFF},
	{"MTA[127]", regMTA + 127*4, 0xFFFFFFFF},
	{"VFTA[0]", regVFTA, 0xFFFFFFFF},
}

var patterns = [...]uint32{0x5A5A5A5A, 0xA5A5A5A5, 0x00000000, 0xFFFFFFFF, 0x12345678}

// SelfTest runs the register, EEPROM, interrupt and link tests. The data
// path must be idle (no RxBurst/TxBurst running) while it runs: the receiver
// and transmitter are paused for the register test.
func (d *Device) SelfTest() []SelfTestResult {
	return []SelfTestResult{
		{"registers", d.testRegisters()},
		{"eeprom", d.CheckEEPROM()},
		{"interrupt", d.testInterrupt()},
		{"link", d.testLink()},
	}
}

func (d *Device) testRegisters() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	r := d.regs
	rctl, tctl := r.Read32(regRCTL), r.Read32(regTCTL)
	r.Write32(regRCTL, rctl&^rctlEN)
	r.Write32(regTCTL, tctl&^tctlEN)
	var errs []error
	for _, p := range regPatterns {
		saved := r.Read32(p.off)
		for _, v := range patterns {
			r.Write32(p.off, v&p.mask)
			if got := r.Read32(p.off) & p.mask; got != v&p.mask {
				errs = append(errs, fmt.Errorf("%s: wrote %#08x, read %#08x", p.name, v&p.mask, got))
				break
			}
		}
		r.Write32(p.off, saved)
	}
	// The RX and TX heads stay where they were: the rings are unchanged.
	r.Write32(regTCTL, tctl)
	r.Write32(regRCTL, rctl)
	if len(errs) > 0 {
		return d.opErr("selftest", fmt.Errorf("%w: %w", ErrRegisterCheck, errors.Join(errs...)),
			"the BAR mapping or the device is faulty")
	}
	return nil
}

// testInterrupt sets a cause through ICS with its mask bit open and waits
// for the vector (SDM §13.4.19: ICS raises an interrupt when the cause is
// enabled in IMS).
func (d *Device) testInterrupt() error {
	irqs := d.irqs
	if len(irqs) == 0 {
		kind := pci.INTx
		if d.model.Gen == Gen82574 && d.f.IRQCount(pci.MSIX) > 0 {
			kind = pci.MSIX
		}
		Quiesce(d.regs, d.model.ID) // the mode changes: no timer of the old one may be left
		var err error
		irqs, err = d.f.EnableIRQs(kind, 1)
		if err != nil {
			return d.opErr("selftest", fmt.Errorf("%w: %w", ErrNoInterrupts, err), "check the VFIO interrupt set-up")
		}
		if kind == pci.MSIX {
			d.regs.Write32(regIVAR, (vecRx|ivarValid)<<ivarRxQ0Shift|(vecRx|ivarValid)<<ivarOtherShift)
		}
		defer func() { _ = ReleaseIRQs(d.f, d.regs) }()
	}
	cause := uint32(intRXSEQ) // a cause nothing else raises
	if d.model.Gen == Gen82574 {
		cause = intOTHER | intRXSEQ
	}
	d.regs.Write32(regIMS, cause)
	d.regs.Write32(regICS, cause)
	_, err := irqs[0].Wait(time.Second)
	icr := d.regs.Read32(regICR)
	_ = irqs[0].Unmask()
	if d.cfg.Mode != Interrupt {
		d.regs.Write32(regIMC, intAll)
	} else {
		d.regs.Write32(regIMC, cause&^d.intrMask())
	}
	if err != nil {
		return d.opErr("selftest", fmt.Errorf("%w: no interrupt after ICS (ICR %#08x): %w", ErrSelfTest, icr, err),
			"the interrupt is not routed: check the IOMMU interrupt remapping (intremap=on) and the VFIO eventfd")
	}
	return nil
}

func (d *Device) testLink() error {
	_, err := d.WaitLink(3 * time.Second)
	return err
}
