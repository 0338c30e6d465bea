package vcard

import (
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
	"github.com/gopkt/gopkt/hw/pci"
)

// IDs returns the ID table: the one card the driver serves (docs/vcard.md
// §1). Each call returns a fresh slice.
func IDs() []pci.ID { return []pci.ID{{Vendor: reg.VendorID, Device: reg.DeviceID}} }
