package e1000

import (
	"time"

	"github.com/gopkt/gopkt/hw/pci"
)

// Interrupt quiescing: the one place every program that drives an
// e1000-family NIC's interrupts goes through before the interrupt mode
// changes (EnableIRQs of another kind) or the device is released
// (DisableIRQs, Close, process exit). Device uses it on attach, in the
// self-test and on Close; tools that program the registers themselves
// (tools/vfio-probe) call Quiesce or ReleaseIRQs directly.
//
// Why: the 82574L throttles each MSI-X vector with EITR and the legacy/MSI
// path with ITR (82574 §10.2.4.2, §10.2.4.4). QEMU 7.2's e1000e model arms a
// throttling timer after every interrupt message it sends, for EITR × 256 ns
// of its virtual clock, and EITR/ITR can never be lower than 500 there
// (E1000E_MIN_XITR: a write of 0 is stored as 500, so 128 µs). The timer's
// callback asserts that the interrupt mode it was armed in is still on
// (e1000e_intrmgr_on_msix_throttling_timer: msix_enabled; the ITR one: not
// msix_enabled) and aborts the whole guest otherwise. Disabling MSI-X
// within a timer's lifetime after the last interrupt is therefore fatal when
// QEMU's main loop, which runs the timers, is late: on a loaded host it is
// late by milliseconds, and a probe that released the device right after its
// transmit interrupt aborted the guest on its first cycle (2 of 4 fresh runs
// of the main job).
//
// Masking causes and writing 0 to EITR does not help (the timer is already
// armed, and 0 means 500). What does: CTRL_EXT.INT_TIMERS_CLEAR_ENA (bit 29,
// 82574 §10.2.2.4) asks the device to clear its interrupt timers on an IMS
// write of every cause; QEMU implements this by firing every running timer
// synchronously, inside the register write, while the mode they were armed
// in is still on (e1000e_set_ims → e1000e_intrmgr_fire_all_timers). A fired
// timer that finds a cause pending sends one last message and re-arms, so the
// flush repeats until a round ends with no cause pending (ICR read 0 with
// every cause masked). Hardware clears the timers on the IMC write that
// follows. When the flush cannot make the device quiet (a cause keeps
// arriving), Quiesce falls back to waiting out the longest throttling
// interval (65535 × 256 ns ≈ 16.8 ms) with every cause masked.

const (
	// ctrlExtIntTimersClr is CTRL_EXT.INT_TIMERS_CLEAR_ENA (82574 §10.2.2.4).
	ctrlExtIntTimersClr = 1 << 29
	// imsValid is every cause bit the 82574L implements in IMS (82574
	// §10.2.4.5): the value whose write clears the interrupt timers.
	imsValid = intTXDW | intTXQE | intLSC | intRXDMT0 | intRXO | intRXT0 | intMDAC |
		intTXDLow | intSRPD | intACK | intMNG | intRXQ0 | intRXQ1 | intTXQ0 | intTXQ1 | intOTHER
	// quiesceRounds bounds the flush; each round that still finds a cause
	// pending means one more message was sent and one more timer armed.
	quiesceRounds = 8
	// maxThrottle is the longest interval EITR/ITR can hold.
	maxThrottle = 65535 * 256 * time.Nanosecond
)

// Quiesce masks every interrupt cause of an e1000-family NIC, clears what is
// pending and retires the 82574L's interrupt throttling timers, so that the interrupt mode can change or the
// device can be released without a late throttling interrupt. It reports
// whether the timers were retired by the flush (true) or by the timed
// fallback (false). r is BAR 0; id picks the model (unknown IDs get the
// 8254x treatment: mask and clear only). Safe to call in any interrupt mode,
// before or after interrupts were enabled. Stop the receiver and transmitter
// first where the caller can: a cause that arrives during the flush costs a
// round.
func Quiesce(r pci.Regs, id pci.ID) bool {
	r.Write32(regIMC, intAll)
	_ = r.Read32(regICR) // clear on read with every cause masked (SDM §13.4.17)
	m, ok := LookupModel(id)
	if !ok || m.Gen != Gen82574 {
		_ = r.Read32(regSTATUS) // flush posted writes
		return true
	}
	ext := r.Read32(regCTRLEXT)
	r.Write32(regCTRLEXT, ext|ctrlExtIntTimersClr)
	quiet := false
	for i := 0; i < quiesceRounds && !quiet; i++ {
		r.Write32(regICR, intAll) // write 1 to clear (MSI-X mode keeps ICR on read)
		r.Write32(regIMS, imsValid)
		r.Write32(regIMC, intAll)
		// A cause that was pending when the timers fired (a delayed
		// RDTR/TIDV cause the flush collected, or one that arrived between
		// the two writes) was just sent, arming a timer: go round again.
		quiet = r.Read32(regICR) == 0
	}
	r.Write32(regCTRLEXT, ext)
	_ = r.Read32(regSTATUS)
	if !quiet {
		time.Sleep(maxThrottle + time.Millisecond)
	}
	return quiet
}

// ReleaseIRQs quiesces the device and then turns its interrupt delivery off
// through f: what a program that enabled interrupts itself must do before it
// closes f. f.ID() picks the model.
func ReleaseIRQs(f pci.Function, r pci.Regs) error {
	Quiesce(r, f.ID())
	return f.DisableIRQs()
}
