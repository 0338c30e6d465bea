package vcard

import (
	"errors"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
	"github.com/gopkt/gopkt/hw/pci"
)

// setupIRQ routes the card's one vector to userspace: MSI-X when offered,
// else INTx (§5).
func (d *Device) setupIRQ() error {
	kind := pci.INTx
	if d.f.IRQCount(pci.MSIX) > 0 {
		kind = pci.MSIX
	}
	irqs, err := d.f.EnableIRQs(kind, 1)
	if err != nil {
		return d.opErr("attach", errors.Join(ErrConfig, err), "use Mode: Poll when the function has no usable interrupt")
	}
	d.irq, d.irqKind = irqs[0], kind
	d.regs.Write32(reg.IMR, reg.IntRXDONE|reg.IntTXDONE|reg.IntRXNOBUF|reg.IntDMAERR)
	return nil
}

// Wait sleeps until the card interrupts or timeout passes (negative:
// forever), acknowledges the causes and returns them (reg ICR bits; 0 on
// timeout). In Poll mode it returns at once with the pending causes.
func (d *Device) Wait(timeout time.Duration) (uint32, error) {
	if d.irq == nil {
		icr := d.regs.Read32(reg.ICR)
		d.regs.Write32(reg.ICR, icr)
		return icr, nil
	}
	if _, err := d.irq.Wait(timeout); err != nil {
		if errors.Is(err, pci.ErrIRQTimeout) {
			return 0, nil
		}
		return 0, d.opErr("wait", err, "")
	}
	icr := d.regs.Read32(reg.ICR)
	d.regs.Write32(reg.ICR, icr)
	if d.irqKind == pci.INTx {
		if err := d.irq.Unmask(); err != nil {
			return icr, d.opErr("wait", err, "")
		}
	}
	return icr, nil
}

// IRQFd is the interrupt's eventfd for an epoll set (-1 in Poll mode or when
// the function has none).
func (d *Device) IRQFd() int {
	if d.irq == nil {
		return -1
	}
	return d.irq.Fd()
}
