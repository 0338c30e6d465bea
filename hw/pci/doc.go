// Package pci is the seam between drivers and the machine.
//
// A driver attaches to a Function: configuration space, memory BARs as Regs
// (32-bit MMIO through sync/atomic), a dma.Allocator, interrupt vectors
// delivered as IRQs, reset and close. Package vfio implements Function for real
// devices through Linux VFIO; package pcitest implements it over byte slices
// and an in-process IOMMU so drivers and device models can be tested without
// hardware. A Registry of Drivers matches devices by ID table.
//
// Files, by concern:
//
//   - function.go, regs.go, driver.go: the driver-facing contract.
//   - discover.go (+ discover_names.go, discover_net.go): Discovery lists
//     devices from sysfs with u-root's pci package, names from pci.ids through
//     ghw's pcidb (never fetched from the network), the current driver, the
//     IOMMU group and its other members, and each network interface's state
//     (up, addresses, routes) from netlink dumps.
//   - bind.go, bind_state.go: Binder moves devices to vfio-pci and back with
//     driver_override, refuses interfaces in use unless forced, rolls back on
//     failure and remembers the previous driver in a state file.
//   - discover_errors.go: sentinels and *OpError, whose messages say what to
//     do. tools/vfio-bind is a thin CLI over Discovery and Binder.
//
// Ownership: BAR windows and DMA memory belong to the Function and die with
// Close; a driver must quiesce the device before closing it.
package pci
