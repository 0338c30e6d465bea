// Package dma provides memory a device can read and write by bus address.
//
// A Region is host memory plus the I/O virtual address (IOVA) of its first
// byte; both are contiguous. Regions come from a Memory, which
//
//   - takes anonymous 2 MiB hugepages (mmap MAP_HUGETLB|MAP_HUGE_2MB; no
//     hugetlbfs mount needed), falling back to 4 KiB pages only with a loud
//     warning that says how to reserve hugepages;
//   - picks IOVAs from an allocator over the ranges the IOMMU reports usable
//     (VFIO_IOMMU_GET_INFO's IOVA-range capability), never IOVA == virtual
//     address;
//   - asks a Mapper (the VFIO container, or the in-process Space used by tests
//     and device models) to map each chunk once.
//
// Memory coherence: on x86 DMA is cache coherent. Drivers order their stores to
// descriptors before the doorbell by writing the doorbell through pci.Regs,
// whose atomic store is a full barrier. Nothing in a Region may hold a Go
// pointer: the garbage collector does not scan it and the device may overwrite
// it.
//
// Start with Memory.Alloc; Space is the fake IOMMU a device model uses to turn
// an IOVA from a descriptor back into bytes (Space.Lookup).
package dma
