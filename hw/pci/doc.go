// Package pci is the seam between drivers and the machine.
//
// A driver attaches to a Function: configuration space, memory BARs as Regs
// (32-bit MMIO through sync/atomic), a dma.Allocator, interrupt vectors
// delivered as IRQs, reset and close. Package vfio implements Function for real
// devices through Linux VFIO; package pcitest implements it over byte slices
// and an in-process IOMMU so drivers and device models can be tested without
// hardware. A Registry of Drivers matches devices by ID table.
//
// Discovery (sysfs, names from pci.ids, current driver, IOMMU group, network
// interface state) lives in discover.go.
//
// Ownership: BAR windows and DMA memory belong to the Function and die with
// Close; a driver must quiesce the device before closing it.
package pci
