// Package pcitest implements pci.Function without hardware: BARs are byte
// slices (or a RegHook that a device model supplies), DMA memory is ordinary
// anonymous memory mapped into an in-process IOMMU (dma.Space) at IOVAs that
// differ from virtual addresses, and interrupts are delivered through channels.
//
// A device model (for example the e1000 model in drivers/e1000/e1000test)
// gets the Space to turn descriptor addresses into bytes and calls Raise to
// interrupt the driver. Leak checks: Space().Mappings() is 0 after Close when
// the driver freed everything.
package pcitest
