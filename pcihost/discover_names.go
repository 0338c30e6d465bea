package pcihost

import (
	"fmt"

	"github.com/jaypipes/pcidb"
)

// names is a loaded pci.ids database.
type names struct {
	db *pcidb.DB
}

// loadNames opens pci.ids through ghw's pcidb with the network fetch forced
// off (pcidb would otherwise honour PCIDB_ENABLE_NETWORK_FETCH). It returns
// nil when no database is found: names are optional.
func loadNames(path string) *names {
	off := false
	opts := []*pcidb.WithOption{{EnableNetworkFetch: &off}}
	if path != "" {
		opts = append(opts, pcidb.WithPath(path))
	}
	db, err := pcidb.New(opts...)
	if err != nil {
		return nil
	}
	return &names{db: db}
}

// name fills the vendor, device and class names of dev. Without pci.ids the
// class name falls back to u-root's table (fallback) and the others stay
// empty.
func (d *Discovery) name(dev *Device, fallback string) {
	if !d.NoNames {
		d.namesOnce.Do(func() { d.names = loadNames(d.PCIIDs) })
	}
	n := d.names
	if n == nil {
		dev.ClassName = fallback
		return
	}
	if v, ok := n.db.Vendors[dev.Vendor]; ok {
		dev.VendorName = v.Name
	}
	if p, ok := n.db.Products[dev.Vendor+dev.Product]; ok {
		dev.DeviceName = p.Name
	}
	dev.ClassName = fallback
	if c, ok := n.db.Classes[fmt.Sprintf("%02x", dev.Class>>16)]; ok {
		dev.ClassName = c.Name
		sub := fmt.Sprintf("%02x", dev.Class>>8&0xff)
		for _, s := range c.Subclasses {
			if s.ID == sub {
				dev.ClassName = s.Name
			}
		}
	}
}
