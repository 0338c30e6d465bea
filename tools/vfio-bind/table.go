package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gopkt/gopkt/pcihost"
)

// writeTable prints devices the way dpdk-devbind.py --status groups them:
// a line per function with address, IDs, name, class, driver, IOMMU group,
// and each interface with its state.
func writeTable(w io.Writer, devs []pcihost.Device) {
	if len(devs) == 0 {
		fmt.Fprintln(w, "no PCI functions found")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ADDRESS\tID\tNAME\tCLASS\tDRIVER\tIOMMU\tVFIO\tINTERFACE\tSTATE")
	for _, d := range devs {
		name := strings.TrimSpace(d.VendorName + " " + d.DeviceName)
		if name == "" {
			name = "-"
		}
		drv := d.Driver
		if drv == "" {
			drv = "-"
		}
		group := "-"
		if d.IOMMUGroup >= 0 {
			group = fmt.Sprint(d.IOMMUGroup)
		}
		paths := "-"
		if len(d.VFIO) > 0 {
			paths = strings.Join(d.VFIO, ",")
		}
		ifname, state := "-", "-"
		if len(d.Interfaces) > 0 {
			var names, states []string
			for _, i := range d.Interfaces {
				names = append(names, i.Name)
				states = append(states, ifState(i))
			}
			ifname, state = strings.Join(names, ","), strings.Join(states, "; ")
		}
		fmt.Fprintf(tw, "%s\t%s:%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", d.Addr, d.Vendor, d.Product, name, d.ClassName, drv, group, paths, ifname, state)
	}
	tw.Flush()
}

// ifState is "down", "up", or "up, in use: addresses ..., routes ...".
func ifState(i pcihost.Interface) string {
	if !i.Up {
		return "down"
	}
	if !i.InUse() {
		return "up"
	}
	var parts []string
	for _, a := range i.Addrs {
		parts = append(parts, a.String())
	}
	for _, r := range i.Routes {
		parts = append(parts, "route "+r.String())
	}
	return "up, in use (" + strings.Join(parts, ", ") + ")"
}
