package vfio

import (
	"errors"
	"fmt"
	"os"

	"github.com/gopkt/gopkt/hw/pci"
	"golang.org/x/sys/unix"
)

// bar is a mapped BAR: Regs plus the mappings to undo.
type bar struct {
	regs pci.Regs
	maps [][]byte
}

func (b *bar) unmap() error {
	var errs []error
	for _, m := range b.maps {
		errs = append(errs, unix.Munmap(m))
	}
	b.maps = nil
	return errors.Join(errs...)
}

// BAR implements pci.Function. A memory BAR is mmap'ed through the device fd
// at the offset VFIO_DEVICE_GET_REGION_INFO reported. When the region carries
// a sparse-mmap capability that leaves holes (typically the MSI-X table and
// PBA on kernels without MSIX_MAPPABLE), only the listed areas are mapped and
// accesses to the holes go through pread/pwrite on the device fd, where
// vfio-pci filters them; a region without mmap support is accessed that way
// entirely. I/O-port BARs are not offered (pci.ErrNoBAR).
func (d *Device) BAR(i int) (pci.Regs, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return pci.Regs{}, &OpError{Op: "map BAR", Addr: d.addr, Err: pci.ErrClosed}
	}
	if i < 0 || i >= 6 || i >= len(d.regions) || d.regions[i].Size == 0 {
		return pci.Regs{}, &OpError{Op: "map BAR", Addr: d.addr, Err: pci.ErrNoBAR, Detail: fmt.Sprintf("BAR%d is not implemented", i)}
	}
	if b := d.bars[i]; b != nil {
		return b.regs, nil
	}
	var raw [4]byte
	if err := d.ReadConfig(pci.CfgBAR0+4*i, raw[:]); err != nil {
		return pci.Regs{}, err
	}
	if le.Uint32(raw[:])&1 != 0 { // PCI Local Bus 3.0 §6.2.5.1: bit 0 set is an I/O space BAR
		return pci.Regs{}, &OpError{Op: "map BAR", Addr: d.addr, Err: pci.ErrNoBAR, Detail: fmt.Sprintf("BAR%d is an I/O-port BAR", i)}
	}
	r := d.regions[i]
	if r.Size > 1<<32-1 {
		return pci.Regs{}, &OpError{Op: "map BAR", Addr: d.addr, Err: pci.ErrNoBAR, Detail: fmt.Sprintf("BAR%d of %#x bytes is larger than a Regs window", i, r.Size)}
	}
	b, err := d.mapRegion(r)
	if err != nil {
		return pci.Regs{}, &OpError{Op: "map BAR", Addr: d.addr, Cause: err, Detail: fmt.Sprintf("BAR%d (%#x bytes at fd offset %#x)", i, r.Size, r.Offset)}
	}
	d.bars[i] = b
	return b.regs, nil
}

// mapRegion maps r whole, or area by area with a pread/pwrite fallback.
func (d *Device) mapRegion(r RegionInfo) (*bar, error) {
	areas := []Area{{0, r.Size}}
	if r.HasSparse {
		areas = r.Sparse
	}
	if !r.Mappable() {
		areas = nil
	}
	if len(areas) == 1 && areas[0].Offset == 0 && areas[0].Size >= r.Size {
		m, err := mmapArea(d.fd, r.Offset, r.Size)
		if err != nil {
			return nil, err
		}
		regs, err := pci.NewRegs(m[:r.Size])
		if err != nil {
			_ = unix.Munmap(m)
			return nil, err
		}
		return &bar{regs: regs, maps: [][]byte{m}}, nil
	}
	if !r.Readable() || !r.Writable() {
		return nil, fmt.Errorf("region %d is neither fully mappable nor readable and writable (flags %#x)", r.Index, r.Flags)
	}
	h := &sparseRegs{fd: d.fd, base: int64(r.Offset)}
	b := &bar{}
	for _, a := range areas {
		if a.Size == 0 {
			continue
		}
		m, err := mmapArea(d.fd, r.Offset+a.Offset, a.Size)
		if err != nil {
			_ = b.unmap()
			return nil, err
		}
		b.maps = append(b.maps, m)
		regs, err := pci.NewRegs(m[:a.Size])
		if err != nil {
			_ = b.unmap()
			return nil, err
		}
		h.areas = append(h.areas, mappedArea{off: uint32(a.Offset), size: uint32(a.Size), regs: regs})
	}
	b.regs = pci.NewHookedRegs(uint32(r.Size), h)
	return b, nil
}

// mmapArea maps n bytes of the device fd at off (rounded up to whole pages).
func mmapArea(fd int, off, n uint64) ([]byte, error) {
	page := uint64(os.Getpagesize())
	return unix.Mmap(fd, int64(off), int((n+page-1)&^(page-1)), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
}

// sparseRegs serves a BAR whose mmap-able areas leave holes: accesses inside
// an area go to the mapping (atomic 32-bit), the rest to pread/pwrite at the
// region's offset in the device fd.
type sparseRegs struct {
	fd    int
	base  int64
	areas []mappedArea
}

type mappedArea struct {
	off, size uint32
	regs      pci.Regs
}

// Read32 implements pci.RegHook.
func (s *sparseRegs) Read32(off uint32) uint32 {
	for _, a := range s.areas {
		if off >= a.off && off-a.off <= a.size-4 {
			return a.regs.Read32(off - a.off)
		}
	}
	var b [4]byte
	if n, err := unix.Pread(s.fd, b[:], s.base+int64(off)); err != nil || n != 4 {
		return 0xFFFFFFFF // what a PCI read of a dead device returns
	}
	return le.Uint32(b[:])
}

// Write32 implements pci.RegHook.
func (s *sparseRegs) Write32(off uint32, v uint32) {
	for _, a := range s.areas {
		if off >= a.off && off-a.off <= a.size-4 {
			a.regs.Write32(off-a.off, v)
			return
		}
	}
	var b [4]byte
	le.PutUint32(b[:], v)
	_, _ = unix.Pwrite(s.fd, b[:], s.base+int64(off))
}
