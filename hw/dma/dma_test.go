package dma

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"strings"
	"testing"
)

func TestIOVAAllocator(t *testing.T) {
	a := NewIOVAs([]Range{{0, 0x3fffff}, {0x1000000, 0x1ffffff}})
	// Page 0 (the first 2 MiB) is never handed out.
	x, err := a.Alloc(0x200000, 0x200000)
	if err != nil || x != 0x200000 {
		t.Fatalf("first alloc %#x %v", x, err)
	}
	y, err := a.Alloc(0x200000, 0x200000)
	if err != nil || y != 0x1000000 {
		t.Fatalf("second alloc %#x %v (should skip to the second range)", y, err)
	}
	if _, err := a.Alloc(0x2000000, 0x1000); !errors.Is(err, ErrNoIOVA) {
		t.Fatalf("oversized alloc: %v", err)
	}
	a.Release(x, 0x200000)
	a.Release(y, 0x200000)
	if len(a.free) != 2 || a.free[0] != (Range{0x200000, 0x3fffff}) || a.free[1] != (Range{0x1000000, 0x1ffffff}) {
		t.Fatalf("free list not merged back: %+v", a.free)
	}
	if _, err := a.Alloc(0x1000, 3); err == nil {
		t.Fatal("non power-of-two alignment accepted")
	}
}

func TestMemorySmallAndLarge(t *testing.T) {
	s := NewSpace()
	m := NewMemory(s, MemoryOptions{NoHugepages: true})
	r1, err := m.Alloc(4096, 4096)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := m.Alloc(100, 64)
	if err != nil {
		t.Fatal(err)
	}
	if r2.IOVA%64 != 0 {
		t.Fatalf("alignment not honoured: %#x", r2.IOVA)
	}
	if uint64(addrOf(r1.Mem)) == r1.IOVA {
		t.Fatal("IOVA equals the virtual address")
	}
	big, err := m.Alloc(3<<20, 0)
	if err != nil {
		t.Fatal(err)
	}
	copy(big.Mem[1<<20:], "through the iommu")
	got, ok := s.Lookup(big.IOVA+1<<20, 17)
	if !ok || string(got) != "through the iommu" {
		t.Fatalf("device view %q ok=%v", got, ok)
	}
	if _, ok := s.Lookup(big.IOVA+3<<20, 1); ok {
		t.Fatal("lookup past the end of the mapping succeeded")
	}
	for _, r := range []Region{r1, r2, big} {
		if err := m.Free(r); err != nil {
			t.Fatal(err)
		}
	}
	if s.Mappings() != 0 {
		t.Fatalf("%d mappings left", s.Mappings())
	}
	if err := m.Free(r1); err == nil {
		t.Fatal("double free accepted")
	}
}

func TestHugepageFallbackWarnsWithFix(t *testing.T) {
	if b, err := os.ReadFile("/proc/sys/vm/nr_hugepages"); err != nil || strings.TrimSpace(string(b)) != "0" {
		t.Skip("hugepages are reserved on this machine; the fallback is not reachable")
	}
	var log bytes.Buffer
	m := NewMemory(NewSpace(), MemoryOptions{Logger: slog.New(slog.NewTextHandler(&log, nil))})
	defer m.Close()
	if _, err := m.Alloc(4096, 0); err != nil {
		t.Fatal(err)
	}
	if m.Hugepages() || !strings.Contains(log.String(), "nr_hugepages") {
		t.Fatalf("no fix-it warning: %q", log.String())
	}
	strict := NewMemory(NewSpace(), MemoryOptions{RequireHugepages: true})
	_, err := strict.Alloc(4096, 0)
	if !errors.Is(err, ErrNoHugepages) || !strings.Contains(err.Error(), "echo 64 > /proc/sys/vm/nr_hugepages") {
		t.Fatalf("strict alloc: %v", err)
	}
}

func TestRegionSlice(t *testing.T) {
	r := Region{Mem: make([]byte, 100), IOVA: 0x1000}
	s, err := r.Slice(10, 20)
	if err != nil || s.IOVA != 0x100a || s.Len() != 20 {
		t.Fatalf("%+v %v", s, err)
	}
	if _, err := r.Slice(90, 20); err == nil {
		t.Fatal("slice past end accepted")
	}
}

// TestSetRanges: memory allocated before its mapper's address space is
// known keeps its IOVAs when the ranges arrive, later chunks come from the
// new ranges, and ranges that exclude a mapped chunk are refused without
// changing anything.
func TestSetRanges(t *testing.T) {
	s := NewSpace()
	m := NewMemory(s, MemoryOptions{NoHugepages: true, Ranges: []Range{{Start: 1 << 32, Last: 1<<39 - 1}}})
	defer m.Close()
	r1, err := m.Alloc(HugePageSize, HugePageSize)
	if err != nil {
		t.Fatal(err)
	}
	if r1.IOVA != 1<<32 {
		t.Fatalf("first chunk at %#x, want %#x", r1.IOVA, uint64(1<<32))
	}
	if err := m.SetRanges([]Range{{Start: 0, Last: 0xfedfffff}}); !errors.Is(err, ErrRanges) {
		t.Fatalf("ranges excluding a mapped chunk: %v, want ErrRanges", err)
	}
	// The refused ranges changed nothing: the next chunk follows the first.
	r2, err := m.Alloc(HugePageSize, HugePageSize)
	if err != nil || r2.IOVA != 1<<32+HugePageSize {
		t.Fatalf("second chunk at %#x (%v), want %#x", r2.IOVA, err, uint64(1<<32+HugePageSize))
	}
	usable := []Range{{Start: 0, Last: 0xfedfffff}, {Start: 0xfef00000, Last: 1<<39 - 1}}
	if err := m.SetRanges(usable); err != nil {
		t.Fatal(err)
	}
	// New chunks come from the new ranges' lowest gap (page 0 excluded);
	// the old chunks' IOVAs stay reserved.
	r3, err := m.Alloc(HugePageSize, HugePageSize)
	if err != nil || r3.IOVA != HugePageSize {
		t.Fatalf("third chunk at %#x (%v), want %#x", r3.IOVA, err, HugePageSize)
	}
	if err := m.Free(r2); err != nil {
		t.Fatal(err)
	}
	// r2's IOVA went back into the new ranges' free list.
	a := m.iovas
	if err := a.Reserve(r2.IOVA, HugePageSize); err != nil {
		t.Errorf("freed chunk's IOVA not free again: %v", err)
	}
	if err := a.Reserve(r1.IOVA, HugePageSize); err == nil {
		t.Error("a live chunk's IOVA was free")
	}
	for _, r := range []Region{r1, r3} {
		if b, ok := s.Lookup(r.IOVA, 64); !ok || &b[0] != &r.Mem[0] {
			t.Errorf("IOVA %#x not mapped to its region", r.IOVA)
		}
	}
}

func TestIOVAReserve(t *testing.T) {
	a := NewIOVAs([]Range{{0, 0xffffff}})
	if err := a.Reserve(0x400000, 0x200000); err != nil {
		t.Fatal(err)
	}
	if err := a.Reserve(0x500000, 0x1000); !errors.Is(err, ErrNoIOVA) {
		t.Errorf("overlapping reservation: %v", err)
	}
	if err := a.Reserve(0x100000, 0x1000); !errors.Is(err, ErrNoIOVA) {
		t.Errorf("reservation in page 0: %v", err)
	}
	if err := a.Reserve(0x1000000, 0x1000); !errors.Is(err, ErrNoIOVA) {
		t.Errorf("reservation past the range: %v", err)
	}
	if len(a.free) != 2 || a.free[0] != (Range{0x200000, 0x3fffff}) || a.free[1] != (Range{0x600000, 0xffffff}) {
		t.Errorf("free list %#x", a.free)
	}
	a.Release(0x400000, 0x200000)
	if len(a.free) != 1 || a.free[0] != (Range{0x200000, 0xffffff}) {
		t.Errorf("free list after release %#x", a.free)
	}
}
