package e1000

import (
	"fmt"

	"github.com/gopkt/gopkt/hw/pci"
)

// Model is one member of the family the driver serves. Matching is data: the
// ID table below, read by Driver.
type Model struct {
	Name string
	ID   pci.ID
	// Gen is the programming model generation.
	Gen Gen
}

// Gen distinguishes the programming differences the driver cares about.
type Gen int

// Generations.
const (
	// Gen82544 is the 82544GC/EI: no EERD register (the EEPROM is read by
	// bit-banging EECD, SDM §5.3), no receive checksum offload on QEMU.
	Gen82544 Gen = iota
	// Gen8254x is the 82540EM/82545EM: EERD with DONE in bit 4, INTx only.
	Gen8254x
	// Gen82574 is the 82574L (PCIe): EERD with DONE in bit 1, GIO master
	// disable before reset, MSI-X with IVAR, TXDCTL bit 22.
	Gen82574
)

func (g Gen) String() string {
	switch g {
	case Gen82544:
		return "82544"
	case Gen8254x:
		return "8254x"
	case Gen82574:
		return "82574"
	}
	return fmt.Sprintf("Gen(%d)", int(g))
}

const vendorIntel = 0x8086

// models is the ID table (device IDs from the 8254x SDM §5.6.13 table 5-7 and
// the 82574 datasheet §6.2.1.14). QEMU's e1000 is the 82540EM, e1000-82544gc
// the 82544GC copper, e1000-82545em the 82545EM copper and e1000e the 82574L.
var models = [...]Model{
	{"82540EM", pci.ID{Vendor: vendorIntel, Device: 0x100E}, Gen8254x},
	{"82540EM-LOM", pci.ID{Vendor: vendorIntel, Device: 0x1015}, Gen8254x},
	{"82544GC", pci.ID{Vendor: vendorIntel, Device: 0x100C}, Gen82544},
	{"82544EI", pci.ID{Vendor: vendorIntel, Device: 0x1008}, Gen82544},
	{"82545EM", pci.ID{Vendor: vendorIntel, Device: 0x100F}, Gen8254x},
	{"82574L", pci.ID{Vendor: vendorIntel, Device: 0x10D3}, Gen82574},
}

// Models returns a copy of the ID table.
func Models() []Model { return append([]Model(nil), models[:]...) }

// LookupModel returns the model with id.
func LookupModel(id pci.ID) (Model, bool) {
	for _, m := range models {
		if m.ID == id {
			return m, true
		}
	}
	return Model{}, false
}

// IDs returns the ID table as pci.IDs (for pci.Driver).
func IDs() []pci.ID {
	ids := make([]pci.ID, len(models))
	for i, m := range models {
		ids[i] = m.ID
	}
	return ids
}

// qemuSubsystem is the subsystem ID QEMU gives its PCI devices (Red Hat,
// 0x1af4:0x1100). The driver uses it for one emulation quirk: QEMU's MPC, RNBC
// and the error counters do not clear on read (stats.go).
var qemuSubsystem = pci.ID{Vendor: 0x1af4, Device: 0x1100}
