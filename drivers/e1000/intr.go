package e1000

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/port"
)

// Interrupts (SDM §13.4.17-13.4.21, 82574 §7.4). The data path never needs
// them: Poll mode leaves them masked. Interrupt and Adaptive modes route one
// vector to an eventfd (INTx on the 8254x, which VFIO masks on delivery and
// the driver unmasks after reading ICR; MSI-X vector 0 on the 82574L, with
// IVAR mapping RX queue 0 and "other" causes to it) and enable receive and
// link causes. ITR throttles the rate (SDM §13.4.18, 256 ns units).

// rxIntrMask are the causes that wake a sleeping receiver.
const rxIntrMask = intRXT0 | intRXO | intRXDMT0 | intLSC

func (d *Device) intrMask() uint32 {
	if d.irqKind == pci.MSIX {
		return rxIntrMask | intRXQ0 | intOTHER
	}
	return rxIntrMask
}

func (d *Device) setupInterrupts() error {
	d.regs.Write32(regITR, uint32(d.cfg.ITR/(256*time.Nanosecond)))
	d.regs.Write32(regIMC, intAll)
	if d.cfg.Mode == Poll {
		return nil
	}
	kind := pci.INTx
	if d.model.Gen == Gen82574 && d.f.IRQCount(pci.MSIX) > 0 {
		kind = pci.MSIX
	}
	if d.f.IRQCount(kind) == 0 {
		return d.opErr("attach", fmt.Errorf("%w: %s has no %s vector", ErrNoInterrupts, d.f.Addr(), kind),
			"use poll mode (--mode poll), or check that the kernel routes the device's interrupt")
	}
	// Whatever ran the device before us (the Linux driver, another program)
	// may have left a throttling timer of another interrupt mode armed.
	Quiesce(d.regs, d.model.ID)
	irqs, err := d.f.EnableIRQs(kind, 1)
	if err != nil {
		return d.opErr("attach", err, "use poll mode, or check the VFIO interrupt set-up")
	}
	d.irqs, d.irqKind = irqs, kind
	if kind == pci.MSIX {
		// 82574 §10.2.4.10: RX queue 0 and other causes to vector 0, each
		// with its valid bit; TX causes are not used.
		d.regs.Write32(regIVAR, (vecRx|ivarValid)<<ivarRxQ0Shift|(vecRx|ivarValid)<<ivarOtherShift)
		d.regs.Set32(regCTRLEXT, ctrlExtPBAClr)
	}
	if d.cfg.Mode == Interrupt {
		d.regs.Write32(regIMS, d.intrMask())
	}
	return nil
}

// Wait implements port.Waiter for the RX goroutine: it returns at once when
// a frame is waiting; otherwise Poll mode returns at once too (the caller
// polls), Interrupt mode sleeps on the vector, and Adaptive mode polls the
// ring (memory only, no register access) for AdaptiveSpin before it enables
// interrupts and sleeps.
func (d *Device) Wait(timeout time.Duration) error {
	if d.rx.pending() {
		return nil
	}
	switch d.cfg.Mode {
	case Poll:
		return nil
	case Adaptive:
		end := time.Now().Add(d.cfg.AdaptiveSpin)
		for time.Now().Before(end) {
			if d.rx.pending() {
				return nil
			}
		}
		d.regs.Write32(regIMS, d.intrMask())
		defer d.regs.Write32(regIMC, intAll)
		// A frame may have landed before the mask opened.
		if d.rx.pending() {
			return nil
		}
	}
	if len(d.irqs) == 0 {
		return ErrNoInterrupts
	}
	_, err := d.irqs[0].Wait(timeout)
	d.ack()
	if errors.Is(err, pci.ErrIRQTimeout) {
		return port.ErrTimeout
	}
	return err
}

// ack reads (and so clears) the interrupt causes, notes a link change and
// unmasks INTx (SDM §13.4.17: ICR is cleared on read).
func (d *Device) ack() {
	icr := d.regs.Read32(regICR)
	if icr&intLSC != 0 {
		d.mu.Lock()
		d.updateLinkLSC(true)
		d.mu.Unlock()
	}
	if icr&intRXO != 0 {
		d.rx.overruns.Add(1)
	}
	if len(d.irqs) > 0 {
		_ = d.irqs[0].Unmask()
	}
}

// txProgress is what Service remembers between calls for hang detection.
type txProgress struct {
	cleaned  uint64
	since    time.Time
	watching bool // the ring was busy at the start of the window
}

// Service is the slow path: call it from one goroutine every 100 ms to 1 s.
// It refreshes the link state (publishing changes on LinkEvents),
// accumulates the hardware counters into 64-bit totals, and detects a hung
// transmitter: work queued, link up, no descriptor completed for
// TxHangTimeout. The reset itself runs on the TX goroutine at its next
// TxBurst.
func (d *Device) Service() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	if d.cfg.Mode == Poll {
		// No interrupt path reads ICR in poll mode: the latched causes
		// are ours, and LSC tells a flap shorter than our period apart
		// from a quiet link (ICR is clear-on-read; RXO counts as in ack).
		icr := d.regs.Read32(regICR)
		if icr&intRXO != 0 {
			d.rx.overruns.Add(1)
		}
		d.updateLinkLSC(icr&intLSC != 0)
	} else {
		d.updateLink()
	}
	d.readCounters()
	q := &d.tx
	now := d.cfg.Clock.Now()
	cleaned := q.progress.Load()
	if !q.busy.Load() || cleaned != d.lastTxOK.cleaned || !d.link.Up || q.resetReq.Load() || !d.lastTxOK.watching {
		// Progress (or nothing to do): start a new observation window.
		d.lastTxOK = txProgress{cleaned: cleaned, since: now, watching: q.busy.Load()}
		return
	}
	if q.ring[q.oldest.Load()].loadHi()&txStatDD != 0 {
		// The device finished; the TX goroutine has not reaped yet.
		d.lastTxOK.since = now
		return
	}
	if now.Sub(d.lastTxOK.since) >= d.cfg.TxHangTimeout {
		d.log.Warn("e1000: transmit hang detected", "stalled", now.Sub(d.lastTxOK.since))
		q.resetReq.Store(true)
		d.lastTxOK.since = now
	}
}
