// Package pci is the seam between drivers and the machine.
//
// A driver attaches to a Function: configuration space, memory BARs as Regs
// (32-bit MMIO through sync/atomic), a dma.Allocator, interrupt vectors
// delivered as IRQs, reset and close. Package vfio implements Function for real
// devices through Linux VFIO; package pcitest implements it over byte slices
// and an in-process IOMMU so drivers and device models can be tested without
// hardware. A Registry of Drivers matches devices by ID table.
//
// Files, by concern: function.go, regs.go, driver.go (the driver-facing
// contract), mmio_*.go (the MMIO accessors).
//
// What it does not do: finding devices in sysfs, naming them from pci.ids
// and binding them to vfio-pci are operator tooling, in package pcihost
// above the drivers, so no driver links pci.ids parsing or netlink.
//
// Ownership: BAR windows and DMA memory belong to the Function and die with
// Close; a driver must quiesce the device before closing it.
package pci
