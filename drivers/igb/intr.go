package igb

import (
	"errors"
	"time"

	"github.com/gopkt/gopkt/hw/pci"
)

// MSI-X (82576 datasheet §7.3): with GPIE.Multiple_MSIX each interrupt
// cause is steered through IVAR to one of up to 25 vectors. The driver uses
// one vector per queue pair (RX and TX causes of queue i on vector i) and
// one more, vector Queues(), for the other causes (link status change),
// so a goroutine per queue can sleep on its own eventfd.

// ErrTimeout is returned by Queue.Wait when no interrupt came in time.
var ErrTimeout = errors.New("igb: no interrupt before the timeout")

// setupMSIX enables Queues()+1 MSI-X vectors and programs GPIE, IVAR,
// IVAR_MISC, EIAC (vectors clear their EICR bit when they fire) and EIMS.
// EITR stays 0: no throttling.
func (d *Device) setupMSIX() error {
	n := len(d.queues)
	irqs, err := d.f.EnableIRQs(pci.MSIX, n+1)
	if err != nil {
		return d.opErr("msix", err, "the device needs MSI-X with one vector per queue pair plus one")
	}
	r := d.regs
	r.Write32(regGPIE, gpieMultiMSIX|gpieEIAME|gpiePBA)
	for i, q := range d.queues {
		q.irq, q.irqBit = irqs[i], 1<<i
		// IVAR register i: byte 0 RX queue i, byte 1 TX queue i (queues
		// 8-15 would use bytes 2 and 3).
		r.Write32(regIVAR0+uint32(4*i), uint32(ivarValid|i)|uint32(ivarValid|i)<<8)
		r.Write32(regEITR0+uint32(4*i), 0)
	}
	d.otherIRQ = irqs[n]
	r.Write32(regIVARMSC, uint32(ivarValid|n)<<8) // byte 1: other causes
	mask := uint32(1)<<(n+1) - 1
	r.Write32(regEIAC, mask)
	r.Write32(regIMS, icrLSC)
	r.Write32(regEIMS, mask)
	return nil
}

// Wait sleeps until the queue's MSI-X vector fires (a frame was received
// or a transmission completed on it) or timeout passes (ErrTimeout). A
// negative timeout waits forever. Only with Config.Interrupts. Call it
// from the goroutine that calls RxBurst (it looks at the receive ring on a
// timeout: QueueStats.IRQLate).
func (q *Queue) Wait(timeout time.Duration) error {
	if q.irq == nil {
		return errors.New("igb: Wait needs Config.Interrupts")
	}
	n, err := q.irq.Wait(timeout)
	return q.waited(n, err, timeout != 0)
}

// waited counts what a sleep on the queue's vector ended with and returns
// Wait's error: interrupts, or a timeout (ErrTimeout; counted unless
// count is false). A frame the device finished before the timeout should
// have woken us (EIAC cleared its EICR bit, so every new cause sends a
// message: §7.3.4): it is counted as IRQLate, so a lost interrupt shows
// instead of hiding behind the caller's timeout.
func (q *Queue) waited(n uint64, err error, count bool) error {
	if errors.Is(err, pci.ErrIRQTimeout) {
		if count {
			q.stats.WaitTimeouts.Add(1)
			if q.rx[q.rxNext].ready() {
				q.stats.IRQLate.Add(1)
			}
		}
		return ErrTimeout
	}
	if err != nil {
		return err
	}
	q.stats.Interrupts.Add(n)
	return nil
}

// WaitRx is the idle half of a NAPI-style receive loop (Linux's NAPI, the
// em driver's Adaptive mode): the loop polls RxBurst while frames come and,
// when a poll finds the ring empty, sleeps on the queue's interrupt instead
// of polling on. WaitRx returns at once if a received frame waits.
// Otherwise it clears the vector's stale cause (EICR is write-1-to-clear:
// causes set while the vector was masked), unmasks the vector (EIMS), looks
// at the ring once more (a frame written back before the unmask raises no
// message), sleeps until the vector fires or timeout passes (ErrTimeout),
// then masks the vector again (EIMC) and drops the interrupts counted
// meanwhile, so that the polling that follows raises no message per frame
// (§7.3.1: EICR, EIMS, EIMC; §7.3.4: EIAC clears the cause when the
// message is sent). That is three register writes per idle period and none
// per frame while frames come. Under emulation the sleeping vCPU gives its
// host CPU back to whatever produces the frames. Only with
// Config.Interrupts; a queue's loop uses WaitRx or Wait, not both (Wait
// keeps the vector unmasked).
func (q *Queue) WaitRx(timeout time.Duration) error {
	if q.irq == nil {
		return errors.New("igb: WaitRx needs Config.Interrupts")
	}
	if q.rx[q.rxNext].ready() {
		return nil
	}
	r, bit := q.regs, q.irqBit
	r.Write32(regEICR, bit)
	r.Write32(regEIMS, bit)
	if q.rx[q.rxNext].ready() {
		r.Write32(regEIMC, bit)
		return nil
	}
	n, err := q.irq.Wait(timeout)
	r.Write32(regEIMC, bit)
	// Messages sent between the wake-up and the mask would make the next
	// idle period's sleep end at once.
	_, _ = q.irq.Wait(0)
	return q.waited(n, err, true)
}
