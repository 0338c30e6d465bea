package dma

import "fmt"

// Region is a piece of DMA memory: Mem is what the CPU sees, IOVA is the bus
// address of Mem[0]. Both are contiguous for len(Mem) bytes.
type Region struct {
	Mem  []byte
	IOVA uint64
}

// Len is the region's length in bytes.
func (r Region) Len() int { return len(r.Mem) }

// Slice returns the sub-region [off, off+n).
func (r Region) Slice(off, n int) (Region, error) {
	if off < 0 || n < 0 || off > len(r.Mem)-n {
		return Region{}, fmt.Errorf("dma: slice [%d, +%d) outside a %d-byte region", off, n, len(r.Mem))
	}
	return Region{Mem: r.Mem[off : off+n : off+n], IOVA: r.IOVA + uint64(off)}, nil
}

// Range is a span of usable IOVA space, [Start, Last] inclusive, as the IOMMU
// reports it.
type Range struct {
	Start, Last uint64
}

// Mapper maps host memory into a device's IO address space. The VFIO container
// implements it with VFIO_IOMMU_MAP_DMA; Space implements it in process.
type Mapper interface {
	// Map makes mem readable and writable by the device at iova.
	Map(mem []byte, iova uint64) error
	// Unmap removes the mapping of size bytes at iova.
	Unmap(iova, size uint64) error
}

// Allocator hands out DMA regions. pci.Function.DMA returns one.
type Allocator interface {
	// Alloc returns a region of at least size bytes, aligned to align bytes in
	// IOVA space (align is a power of two; 0 means 4096).
	Alloc(size, align int) (Region, error)
	// Free returns a region to the allocator and unmaps it when its chunk is
	// empty.
	Free(Region) error
}
