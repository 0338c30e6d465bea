package e1000

import (
	"testing"

	"github.com/gopkt/gopkt/hw/pci"
)

// throttleModel is the part of QEMU 7.2's e1000e that Quiesce works against:
// every interrupt message arms a throttling timer; an IMS write of every
// cause with CTRL_EXT.INT_TIMERS_CLEAR_ENA set fires the armed timers (and
// first folds delayed causes into ICR); then pending causes (ICR & IMS) are
// sent, which arms a timer again. ICR reads clear it while IMS is 0.
// The flush is modelled at once: what QEMU does in e1000e_set_ims.
type throttleModel struct {
	icr, ims, ctrlExt uint32
	delayed           uint32 // a TIDV-delayed cause the flush collects
	stuck             uint32 // a cause that arrives during every flush
	armed             bool
	flushes           int
}

func (m *throttleModel) send() {
	if m.icr&m.ims != 0 {
		m.armed = true
	}
}

func (m *throttleModel) Read32(off uint32) uint32 {
	switch off {
	case regICR:
		v := m.icr
		if m.ims == 0 {
			m.icr = 0
		}
		return v
	case regCTRLEXT:
		return m.ctrlExt
	case regIMS:
		return m.ims
	}
	return 0
}

func (m *throttleModel) Write32(off, v uint32) {
	switch off {
	case regIMC:
		m.ims &^= v
	case regICR:
		m.icr &^= v
		m.send()
	case regCTRLEXT:
		m.ctrlExt = v
	case regIMS:
		m.ims |= v & imsValid
		if v&imsValid == imsValid && m.ctrlExt&ctrlExtIntTimersClr != 0 {
			m.flushes++
			m.icr |= m.delayed | m.stuck
			m.delayed = 0
			m.armed = false
		}
		m.send()
	}
}

func TestQuiesceRetiresThrottlingTimers(t *testing.T) {
	id82574 := pci.ID{Vendor: vendorIntel, Device: 0x10D3}
	for _, tc := range []struct {
		name    string
		m       throttleModel
		quiet   bool
		flushes int
	}{
		{"armed timer", throttleModel{armed: true, ims: intRXQ0 | intOTHER, icr: intRXQ0, ctrlExt: ctrlExtPBAClr}, true, 1},
		{"delayed cause rearms once", throttleModel{armed: true, delayed: intTXDW}, true, 2},
		{"cause keeps arriving", throttleModel{armed: true, stuck: intRXT0}, false, quiesceRounds},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tc.m
			ext := m.ctrlExt
			quiet := Quiesce(pci.NewHookedRegs(0x20000, &m), id82574)
			if quiet != tc.quiet || m.flushes != tc.flushes {
				t.Errorf("Quiesce = %v after %d flushes, want %v after %d", quiet, m.flushes, tc.quiet, tc.flushes)
			}
			if tc.quiet && m.armed {
				t.Error("a throttling timer is still armed")
			}
			if m.ims != 0 || m.ctrlExt != ext {
				t.Errorf("IMS %#x CTRL_EXT %#x after Quiesce, want 0 and %#x", m.ims, m.ctrlExt, ext)
			}
		})
	}
	// The 8254x has no such timers: mask and clear only.
	m := throttleModel{ims: intRXT0, icr: intRXT0}
	if !Quiesce(pci.NewHookedRegs(0x20000, &m), pci.ID{Vendor: vendorIntel, Device: 0x100E}) || m.flushes != 0 || m.ims != 0 {
		t.Errorf("82540EM: flushes %d IMS %#x", m.flushes, m.ims)
	}
}
