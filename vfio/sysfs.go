package vfio

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// sysfs reads the facts VFIO needs before it touches /dev/vfio: whether the
// device exists, its IOMMU group, its driver and its group mates. root is
// "/sys" or a fake tree in tests.
type sysfs struct {
	root string
}

func (s sysfs) devDir(addr string) string {
	return filepath.Join(s.root, "bus", "pci", "devices", addr)
}

func (s sysfs) exists(addr string) bool {
	_, err := os.Stat(s.devDir(addr))
	return err == nil
}

// group returns the device's IOMMU group number, or ok == false when the
// device has no iommu_group link (the kernel runs without an IOMMU).
func (s sysfs) group(addr string) (n int, ok bool, err error) {
	l, err := os.Readlink(filepath.Join(s.devDir(addr), "iommu_group"))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	n, err = strconv.Atoi(filepath.Base(l))
	if err != nil {
		return 0, false, fmt.Errorf("iommu_group link %q of %s does not end in a number", l, addr)
	}
	return n, true, nil
}

// driver is the name of the driver bound to addr, "" for none.
func (s sysfs) driver(addr string) string {
	l, err := os.Readlink(filepath.Join(s.devDir(addr), "driver"))
	if err != nil {
		return ""
	}
	return filepath.Base(l)
}

// netIfaces lists the network interfaces a kernel driver made for addr.
func (s sysfs) netIfaces(addr string) []string {
	ents, err := os.ReadDir(filepath.Join(s.devDir(addr), "net"))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// groupMembers lists the PCI addresses in IOMMU group n, sorted.
func (s sysfs) groupMembers(n int) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(s.root, "kernel", "iommu_groups", strconv.Itoa(n), "devices"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out, nil
}

// iommuGroups counts the IOMMU groups the kernel made; 0 means no IOMMU.
func (s sysfs) iommuGroups() int {
	ents, _ := os.ReadDir(filepath.Join(s.root, "kernel", "iommu_groups"))
	return len(ents)
}

// freeHugepages is the number of free 2 MiB hugepages, or -1 when the kernel
// has no 2 MiB hugepage pool.
func (s sysfs) freeHugepages() int {
	b, err := os.ReadFile(filepath.Join(s.root, "kernel", "mm", "hugepages", "hugepages-2048kB", "free_hugepages"))
	if err != nil {
		return -1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return -1
	}
	return n
}

// Drivers that leave an IOMMU group viable: vfio-pci itself, and the drivers
// that declare driver_managed_dma (pci-stub, and pcieport for bridges) in
// Linux 5.19 and later (drivers/vfio/group.c, iommu DMA ownership).
func viableDriver(name string) bool {
	switch name {
	case "", "vfio-pci", "pci-stub", "pcieport":
		return true
	}
	return false
}

// describe names a device and what holds it, e.g. "0000:00:03.0 (e1000,
// interface eth1)" or "0000:00:02.0 (no driver)".
func (s sysfs) describe(addr string) string {
	drv := s.driver(addr)
	if drv == "" {
		drv = "no driver"
	}
	if ifs := s.netIfaces(addr); len(ifs) > 0 {
		return fmt.Sprintf("%s (%s, interface %s)", addr, drv, strings.Join(ifs, ", "))
	}
	return fmt.Sprintf("%s (%s)", addr, drv)
}

// checkDevice runs the checks that need only sysfs, in the order a user fixes
// them: device exists, IOMMU on, bound to vfio-pci, group viable. It returns
// the IOMMU group number.
func (s sysfs) checkDevice(addr string) (int, error) {
	if !s.exists(addr) {
		return 0, &OpError{Op: "open", Addr: addr, Err: ErrNoDevice,
			Detail: fmt.Sprintf("%s does not exist", s.devDir(addr)),
			Fix:    "use a full address such as 0000:00:02.0; 'vfio-bind list' (or lspci -D) shows the devices"}
	}
	n, ok, err := s.group(addr)
	if err != nil {
		return 0, &OpError{Op: "open", Addr: addr, Err: ErrNoIOMMU, Cause: err, Fix: fixIOMMU}
	}
	if !ok {
		detail := "the device has no iommu_group link in sysfs"
		if s.iommuGroups() == 0 {
			detail = "the kernel runs without an IOMMU (" + filepath.Join(s.root, "kernel", "iommu_groups") + " is empty), so the device has no IOMMU group"
		}
		return 0, &OpError{Op: "open", Addr: addr, Err: ErrNoIOMMU, Detail: detail, Fix: fixIOMMU}
	}
	if drv := s.driver(addr); drv != "vfio-pci" {
		detail := "it is bound to no driver"
		if drv != "" {
			detail = "it is bound to " + drv
			if ifs := s.netIfaces(addr); len(ifs) > 0 {
				detail += " (interface " + strings.Join(ifs, ", ") + ")"
			}
		}
		return 0, &OpError{Op: "open", Addr: addr, Err: ErrNotBound, Detail: detail,
			Fix: fmt.Sprintf("run 'vfio-bind bind %s' (or by hand: echo vfio-pci > %s/driver_override; "+
				"echo %s > %s/driver/unbind; echo %s > /sys/bus/pci/drivers_probe)",
				addr, s.devDir(addr), addr, s.devDir(addr), addr)}
	}
	if err := s.checkViable(addr, n); err != nil {
		return 0, err
	}
	return n, nil
}

// checkViable reports ErrNotViable when a group mate of addr is held by a
// driver that does not give up DMA ownership.
func (s sysfs) checkViable(addr string, n int) error {
	members, err := s.groupMembers(n)
	if err != nil {
		return &OpError{Op: "open", Addr: addr, Err: ErrNoIOMMU, Cause: err,
			Detail: fmt.Sprintf("IOMMU group %d has no device list", n), Fix: fixIOMMU}
	}
	var blockers []string
	for _, m := range members {
		if !viableDriver(s.driver(m)) {
			blockers = append(blockers, m)
		}
	}
	if len(blockers) == 0 {
		return nil
	}
	return s.notViable(addr, n, members, blockers)
}

// notViable builds the ErrNotViable error: every group member and its driver,
// and what to do with the ones in the way.
func (s sysfs) notViable(addr string, n int, members, blockers []string) error {
	var all []string
	for _, m := range members {
		all = append(all, s.describe(m))
	}
	fix := "bind every device of the group to vfio-pci or unbind it from its driver"
	if len(blockers) > 0 {
		fix = fmt.Sprintf("bind them too with 'vfio-bind bind %s' (or unbind them)", strings.Join(blockers, " "))
	}
	fix += ", or move the NIC to a slot with its own IOMMU group (the functions of a multifunction card without ACS share one, as do devices behind a conventional PCI bridge)"
	return &OpError{Op: "open", Addr: addr, Err: ErrNotViable,
		Detail: fmt.Sprintf("group %d holds %s", n, strings.Join(all, ", ")), Fix: fix}
}
