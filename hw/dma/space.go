package dma

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Space is an in-process IOMMU: a Mapper that remembers which host memory
// backs each IOVA so that a device model can turn a bus address from a
// descriptor back into bytes. Tests and the virtual devices use it; on real
// hardware the IOMMU does this job.
//
// Lookups are lock-free (copy-on-write table); Map and Unmap serialise.
type Space struct {
	mu  sync.Mutex
	tab atomic.Pointer[[]mapping]
}

type mapping struct {
	iova uint64
	mem  []byte
}

// NewSpace returns an empty address space.
func NewSpace() *Space {
	s := &Space{}
	s.tab.Store(&[]mapping{})
	return s
}

// Map implements Mapper.
func (s *Space) Map(mem []byte, iova uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.tab.Load()
	for _, m := range old {
		if iova < m.iova+uint64(len(m.mem)) && m.iova < iova+uint64(len(mem)) {
			return fmt.Errorf("dma: IOVA %#x+%#x overlaps an existing mapping at %#x", iova, len(mem), m.iova)
		}
	}
	tab := append(append([]mapping(nil), old...), mapping{iova, mem})
	sort.Slice(tab, func(i, j int) bool { return tab[i].iova < tab[j].iova })
	s.tab.Store(&tab)
	return nil
}

// Unmap implements Mapper.
func (s *Space) Unmap(iova, size uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := *s.tab.Load()
	tab := make([]mapping, 0, len(old))
	found := false
	for _, m := range old {
		if m.iova == iova && uint64(len(m.mem)) == size {
			found = true
			continue
		}
		tab = append(tab, m)
	}
	if !found {
		return fmt.Errorf("dma: unmap of IOVA %#x+%#x that is not mapped", iova, size)
	}
	s.tab.Store(&tab)
	return nil
}

// Lookup returns the n bytes at iova, or ok == false when any of them is not
// mapped (the device model then reports a DMA fault, as an IOMMU would).
func (s *Space) Lookup(iova uint64, n int) (b []byte, ok bool) {
	tab := *s.tab.Load()
	i := sort.Search(len(tab), func(i int) bool { return tab[i].iova > iova }) - 1
	if i < 0 || n < 0 {
		return nil, false
	}
	m := tab[i]
	off := iova - m.iova
	if off >= uint64(len(m.mem)) || uint64(len(m.mem))-off < uint64(n) {
		return nil, false
	}
	return m.mem[off : off+uint64(n) : off+uint64(n)], true
}

// Mappings is the number of live mappings (for leak checks).
func (s *Space) Mappings() int { return len(*s.tab.Load()) }

// addrOf is used by tests to prove IOVA != virtual address.
func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }
