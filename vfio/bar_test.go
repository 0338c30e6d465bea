package vfio

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestSparseBAR maps a region whose sparse-mmap capability leaves a hole, with
// a memfd standing in for the device fd (vfio-pci serves both mmap and
// pread/pwrite on one fd the same way). Stores through the mapped areas and
// through the hole must land at the right file offsets, and loads must see
// them.
func TestSparseBAR(t *testing.T) {
	fd, err := unix.MemfdCreate("fake-vfio-device", unix.MFD_CLOEXEC)
	if err != nil {
		t.Skipf("memfd_create: %v", err)
	}
	defer unix.Close(fd)
	const base = 0x10000 // the region's offset in the "device fd"
	if err := unix.Ftruncate(fd, base+0x4000); err != nil {
		t.Fatal(err)
	}
	d := &Device{fd: fd}
	r := RegionInfo{
		Index: 3, Flags: regionFlagRead | regionFlagWrite | regionFlagMmap | regionFlagCaps,
		Size: 0x4000, Offset: base, HasSparse: true,
		Sparse: []Area{{Offset: 0, Size: 0x1000}, {Offset: 0x3000, Size: 0x1000}}, // hole 0x1000-0x2fff
	}
	b, err := d.mapRegion(r)
	if err != nil {
		t.Fatal(err)
	}
	defer b.unmap()
	if len(b.maps) != 2 || b.regs.Size() != 0x4000 {
		t.Fatalf("%d mappings, window %#x", len(b.maps), b.regs.Size())
	}
	writes := []struct{ off, v uint32 }{
		{0x0000, 0x11111111}, {0x0ffc, 0x22222222}, // first area
		{0x1000, 0x33333333}, {0x2ffc, 0x44444444}, // hole: pwrite
		{0x3000, 0x55555555}, {0x3ffc, 0x66666666}, // second area
	}
	for _, w := range writes {
		b.regs.Write32(w.off, w.v)
	}
	for _, w := range writes {
		var raw [4]byte
		if _, err := unix.Pread(fd, raw[:], base+int64(w.off)); err != nil {
			t.Fatal(err)
		}
		if got := le.Uint32(raw[:]); got != w.v {
			t.Errorf("file at %#x = %#x, want %#x", w.off, got, w.v)
		}
		if got := b.regs.Read32(w.off); got != w.v {
			t.Errorf("Read32(%#x) = %#x, want %#x", w.off, got, w.v)
		}
	}
}

// A region without mmap support is served by pread/pwrite entirely.
func TestUnmappableBAR(t *testing.T) {
	fd, err := unix.MemfdCreate("fake-vfio-device", unix.MFD_CLOEXEC)
	if err != nil {
		t.Skipf("memfd_create: %v", err)
	}
	defer unix.Close(fd)
	if err := unix.Ftruncate(fd, 0x2000); err != nil {
		t.Fatal(err)
	}
	d := &Device{fd: fd}
	b, err := d.mapRegion(RegionInfo{Flags: regionFlagRead | regionFlagWrite, Size: 0x1000, Offset: 0x1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.maps) != 0 {
		t.Fatalf("%d mappings of an unmappable region", len(b.maps))
	}
	b.regs.Write32(0x10, 0xCAFEF00D)
	var raw [4]byte
	if _, err := unix.Pread(fd, raw[:], 0x1010); err != nil || le.Uint32(raw[:]) != 0xCAFEF00D {
		t.Fatalf("pwrite path: %x %v", raw, err)
	}
	if got := b.regs.Read32(0x10); got != 0xCAFEF00D {
		t.Fatalf("Read32 = %#x", got)
	}
	if _, err := d.mapRegion(RegionInfo{Flags: regionFlagRead, Size: 0x1000}); err == nil {
		t.Fatal("a read-only unmappable region was accepted")
	}
}
