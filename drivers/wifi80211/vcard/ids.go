package vcard

import (
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
	"github.com/gopkt/gopkt/hw/pci"
)

// IDs is the ID table: the one card the driver serves (docs/vcard.md §1).
var IDs = []pci.ID{{Vendor: reg.VendorID, Device: reg.DeviceID}}
