// Package hw is the bottom layer of gopkt: everything a userspace driver needs
// from the machine, and nothing about any particular device.
//
// Sub-packages, read in this order:
//
//   - hw/pci: the pci.Function interface a driver attaches to (config space,
//     BARs as Regs, DMA allocator, interrupt vectors, reset), the ID-table
//     driver registry, and PCI discovery from sysfs.
//   - hw/dma: DMA memory: hugepage-backed chunks whose IOVAs come from an
//     allocator over the ranges the IOMMU reports (never IOVA == virtual).
//   - hw/mbuf: the shared pool of packet buffers in DMA memory that every
//     driver ring and every protocol layer uses (zero copy end to end).
//   - hw/pci/pcitest: a pci.Function made of byte slices and heap "DMA", for
//     unit tests and in-process device models.
//
// The Linux implementation of pci.Function lives in package vfio.
package hw
