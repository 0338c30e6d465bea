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
