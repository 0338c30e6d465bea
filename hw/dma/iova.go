package dma

import (
	"errors"
	"fmt"
	"sort"
)

// ErrNoIOVA means the IOMMU's usable ranges have no gap large enough.
var ErrNoIOVA = errors.New("dma: out of IOVA space")

// IOVAs allocates bus addresses from the ranges an IOMMU reports. It is a
// first-fit free list: DMA chunks are few and large, so simplicity wins.
// It is not safe for concurrent use; Memory serialises it.
type IOVAs struct {
	free []Range // sorted, non-overlapping, inclusive
}

// NewIOVAs returns an allocator over ranges. Page 0 is never handed out, so a
// zero IOVA in a descriptor is always a bug the device model can catch.
func NewIOVAs(ranges []Range) *IOVAs {
	a := &IOVAs{}
	for _, r := range ranges {
		if r.Start == 0 {
			if r.Last < 1<<21 {
				continue
			}
			r.Start = 1 << 21
		}
		if r.Last >= r.Start {
			a.free = append(a.free, r)
		}
	}
	sort.Slice(a.free, func(i, j int) bool { return a.free[i].Start < a.free[j].Start })
	return a
}

// Alloc returns size bytes of IOVA space aligned to align (a power of two).
func (a *IOVAs) Alloc(size, align uint64) (uint64, error) {
	if size == 0 || align == 0 || align&(align-1) != 0 {
		return 0, fmt.Errorf("dma: bad IOVA request size %#x align %#x", size, align)
	}
	for i, r := range a.free {
		start := (r.Start + align - 1) &^ (align - 1)
		if start < r.Start || start > r.Last || r.Last-start < size-1 {
			continue
		}
		last := start + size - 1
		var rest []Range
		if start > r.Start {
			rest = append(rest, Range{r.Start, start - 1})
		}
		if last < r.Last {
			rest = append(rest, Range{last + 1, r.Last})
		}
		a.free = append(a.free[:i], append(rest, a.free[i+1:]...)...)
		return start, nil
	}
	return 0, fmt.Errorf("%w: no %#x-byte gap aligned to %#x", ErrNoIOVA, size, align)
}

// Reserve takes [iova, iova+size) out of the free space, as if Alloc had
// returned it; it fails with ErrNoIOVA unless the whole range is free.
func (a *IOVAs) Reserve(iova, size uint64) error {
	last := iova + size - 1
	if size == 0 || last < iova {
		return fmt.Errorf("dma: bad IOVA reservation %#x+%#x", iova, size)
	}
	for i, r := range a.free {
		if iova < r.Start || last > r.Last {
			continue
		}
		var rest []Range
		if iova > r.Start {
			rest = append(rest, Range{r.Start, iova - 1})
		}
		if last < r.Last {
			rest = append(rest, Range{last + 1, r.Last})
		}
		a.free = append(a.free[:i], append(rest, a.free[i+1:]...)...)
		return nil
	}
	return fmt.Errorf("%w: %#x+%#x is not inside one free range", ErrNoIOVA, iova, size)
}

// Release gives [iova, iova+size) back, merging with neighbours.
func (a *IOVAs) Release(iova, size uint64) {
	r := Range{iova, iova + size - 1}
	i := sort.Search(len(a.free), func(i int) bool { return a.free[i].Start > r.Start })
	a.free = append(a.free, Range{})
	copy(a.free[i+1:], a.free[i:])
	a.free[i] = r
	// Merge with the next, then the previous range.
	if i+1 < len(a.free) && a.free[i].Last+1 == a.free[i+1].Start {
		a.free[i].Last = a.free[i+1].Last
		a.free = append(a.free[:i+1], a.free[i+2:]...)
	}
	if i > 0 && a.free[i-1].Last+1 == a.free[i].Start {
		a.free[i-1].Last = a.free[i].Last
		a.free = append(a.free[:i], a.free[i+1:]...)
	}
}
