package vfio

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/gopkt/gopkt/hw/dma"
)

// ErrMalformed means the kernel returned an info buffer or capability chain
// this package cannot parse (a bad offset, a loop, a count that overruns the
// buffer). It never happens with a correct kernel; the parsers check anyway so
// that a bug cannot become an out-of-range read.
var ErrMalformed = errors.New("vfio: malformed info buffer")

// le is the byte order of kernel structures: gopkt runs on little-endian hosts
// only (hw/pci/endian.go), so host order is little-endian.
var le = binary.LittleEndian

// walkCaps visits the capability chain in buf that starts at byte offset first
// (struct vfio_info_cap_header {u16 id; u16 version; u32 next}, linux/vfio.h).
// Offsets are from the start of buf; 0 ends the chain. fn gets the capability
// from its header up to the next capability (or the end of buf). The chain
// must move forward, which also rules out loops.
func walkCaps(buf []byte, first uint32, fn func(id, version uint16, c []byte) error) error {
	off := uint64(first)
	for off != 0 {
		if off+sizeofCapHeader > uint64(len(buf)) {
			return fmt.Errorf("%w: capability at %#x outside a %d-byte buffer", ErrMalformed, off, len(buf))
		}
		id := le.Uint16(buf[off:])
		ver := le.Uint16(buf[off+2:])
		next := uint64(le.Uint32(buf[off+4:]))
		end := uint64(len(buf))
		if next != 0 {
			if next < off+sizeofCapHeader || next > uint64(len(buf)) {
				return fmt.Errorf("%w: capability %d at %#x links back or out to %#x", ErrMalformed, id, off, next)
			}
			end = next
		}
		if err := fn(id, ver, buf[off:end]); err != nil {
			return err
		}
		off = next
	}
	return nil
}

// parseIOVARanges decodes struct vfio_iommu_type1_info_cap_iova_range: header,
// u32 nr_iovas, u32 reserved, then {u64 start; u64 end} (end inclusive).
func parseIOVARanges(c []byte) ([]dma.Range, error) {
	if len(c) < 16 {
		return nil, fmt.Errorf("%w: IOVA range capability of %d bytes", ErrMalformed, len(c))
	}
	n := uint64(le.Uint32(c[8:]))
	if n > uint64(len(c)-16)/16 {
		return nil, fmt.Errorf("%w: %d IOVA ranges do not fit in %d bytes", ErrMalformed, n, len(c))
	}
	out := make([]dma.Range, 0, n)
	for i := uint64(0); i < n; i++ {
		r := dma.Range{Start: le.Uint64(c[16+16*i:]), Last: le.Uint64(c[24+16*i:])}
		if r.Last < r.Start {
			return nil, fmt.Errorf("%w: IOVA range %#x-%#x ends before it starts", ErrMalformed, r.Start, r.Last)
		}
		out = append(out, r)
	}
	return out, nil
}

// parseDMAAvail decodes struct vfio_iommu_type1_info_dma_avail: header, u32.
func parseDMAAvail(c []byte) (uint32, error) {
	if len(c) < 12 {
		return 0, fmt.Errorf("%w: DMA-avail capability of %d bytes", ErrMalformed, len(c))
	}
	return le.Uint32(c[8:]), nil
}

// Area is an mmap-able part of a region, relative to the region's start.
type Area struct {
	Offset, Size uint64
}

// parseSparse decodes struct vfio_region_info_cap_sparse_mmap: header, u32
// nr_areas, u32 reserved, then {u64 offset; u64 size}.
func parseSparse(c []byte) ([]Area, error) {
	if len(c) < 16 {
		return nil, fmt.Errorf("%w: sparse-mmap capability of %d bytes", ErrMalformed, len(c))
	}
	n := uint64(le.Uint32(c[8:]))
	if n > uint64(len(c)-16)/16 {
		return nil, fmt.Errorf("%w: %d sparse areas do not fit in %d bytes", ErrMalformed, n, len(c))
	}
	out := make([]Area, 0, n)
	for i := uint64(0); i < n; i++ {
		out = append(out, Area{Offset: le.Uint64(c[16+16*i:]), Size: le.Uint64(c[24+16*i:])})
	}
	return out, nil
}

// IOMMUInfo is what VFIO_IOMMU_GET_INFO reports for a type1 container.
type IOMMUInfo struct {
	// PageSizes is the bitmap of supported IOMMU page sizes (bit n: 2^n bytes).
	PageSizes uint64
	// Ranges are the usable IOVA ranges (inclusive); nil when the kernel has
	// no IOVA-range capability (before Linux 5.4).
	Ranges []dma.Range
	// DMAAvail is how many more DMA mappings the container may create
	// (vfio_iommu_type1 dma_entry_limit); valid when HasDMAAvail.
	DMAAvail    uint32
	HasDMAAvail bool
}

// parseIOMMUInfo decodes a VFIO_IOMMU_GET_INFO buffer: struct
// vfio_iommu_type1_info followed by its capability chain.
func parseIOMMUInfo(buf []byte) (IOMMUInfo, error) {
	var info IOMMUInfo
	if len(buf) < sizeofIOMMUInfo {
		return info, fmt.Errorf("%w: IOMMU info of %d bytes", ErrMalformed, len(buf))
	}
	flags := le.Uint32(buf[4:])
	if flags&iommuInfoPgsizes != 0 {
		info.PageSizes = le.Uint64(buf[8:])
	}
	if flags&iommuInfoCaps == 0 {
		return info, nil
	}
	argsz := uint64(le.Uint32(buf[0:]))
	if argsz < uint64(len(buf)) {
		buf = buf[:max(argsz, sizeofIOMMUInfo)]
	}
	err := walkCaps(buf, le.Uint32(buf[16:]), func(id, _ uint16, c []byte) error {
		var err error
		switch id {
		case iommuCapIOVARange:
			info.Ranges, err = parseIOVARanges(c)
		case iommuCapDMAAvail:
			info.DMAAvail, err = parseDMAAvail(c)
			info.HasDMAAvail = err == nil
		}
		return err
	})
	return info, err
}

// RegionInfo describes one device region (VFIO_DEVICE_GET_REGION_INFO).
type RegionInfo struct {
	Index  int
	Flags  uint32
	Size   uint64
	Offset uint64 // of the region in the device fd
	// Sparse lists the only parts that may be mmap'ed when HasSparse is set
	// (VFIO_REGION_INFO_CAP_SPARSE_MMAP), e.g. everything but an MSI-X table.
	Sparse    []Area
	HasSparse bool
	// MSIXMappable: the MSI-X table in this BAR may be mapped too
	// (VFIO_REGION_INFO_CAP_MSIX_MAPPABLE); it must still be programmed
	// through VFIO_DEVICE_SET_IRQS.
	MSIXMappable bool
}

// Readable, Writable and Mappable decode the flags.
func (r RegionInfo) Readable() bool { return r.Flags&regionFlagRead != 0 }
func (r RegionInfo) Writable() bool { return r.Flags&regionFlagWrite != 0 }
func (r RegionInfo) Mappable() bool { return r.Flags&regionFlagMmap != 0 }

// parseRegionInfo decodes a VFIO_DEVICE_GET_REGION_INFO buffer: struct
// vfio_region_info followed by its capability chain.
func parseRegionInfo(buf []byte) (RegionInfo, error) {
	var r RegionInfo
	if len(buf) < sizeofRegionInfo {
		return r, fmt.Errorf("%w: region info of %d bytes", ErrMalformed, len(buf))
	}
	r.Flags = le.Uint32(buf[4:])
	r.Index = int(le.Uint32(buf[8:]))
	r.Size = le.Uint64(buf[16:])
	r.Offset = le.Uint64(buf[24:])
	if r.Flags&regionFlagCaps == 0 {
		return r, nil
	}
	argsz := uint64(le.Uint32(buf[0:]))
	if argsz < uint64(len(buf)) {
		buf = buf[:max(argsz, sizeofRegionInfo)]
	}
	err := walkCaps(buf, le.Uint32(buf[12:]), func(id, _ uint16, c []byte) error {
		switch id {
		case regionCapSparseMmap:
			a, err := parseSparse(c)
			if err != nil {
				return err
			}
			for _, x := range a {
				if x.Offset > r.Size || x.Size > r.Size-x.Offset {
					return fmt.Errorf("%w: sparse area %#x+%#x outside a %#x-byte region", ErrMalformed, x.Offset, x.Size, r.Size)
				}
			}
			r.Sparse, r.HasSparse = a, true
		case regionCapMSIXMappable:
			r.MSIXMappable = true
		}
		return nil
	})
	return r, err
}
