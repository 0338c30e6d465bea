package vfio

import (
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/hw/dma"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// iommuInfoQEMU is a VFIO_IOMMU_GET_INFO answer shaped like the one the guest
// kernel gives behind QEMU's intel-iommu: 4 KiB/2 MiB/1 GiB pages, the usable
// IOVA space split around the MSI window 0xfee00000-0xfeefffff, and 65535 DMA
// mappings available. Caps are 8-byte aligned as vfio_info_cap_add makes them.
const iommuInfoQEMU = `
58000000 03000000 00102040 00000000 18000000 00000000
0100 0100 48000000  02000000 00000000
0000000000000000 ffffdffe00000000
0000f0fe00000000 ffffffff7f000000
0300 0100 00000000  ffff0000 00000000`

func TestParseIOMMUInfo(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want IOMMUInfo
		err  error
	}{
		{"qemu intel-iommu", iommuInfoQEMU, IOMMUInfo{
			PageSizes:   0x40201000,
			Ranges:      []dma.Range{{Start: 0, Last: 0xfedfffff}, {Start: 0xfef00000, Last: 0x7fffffffff}},
			DMAAvail:    65535,
			HasDMAAvail: true,
		}, nil},
		{"no caps flag (pre-5.4 kernel)", `18000000 01000000 00f0ffff ffffffff 00000000 00000000`,
			IOMMUInfo{PageSizes: 0xfffffffffffff000}, nil},
		{"truncated fixed part", `18000000 01000000 00f0`, IOMMUInfo{}, ErrMalformed},
		{"cap offset past end", `18000000 02000000 00000000 00000000 40000000 00000000`, IOMMUInfo{}, ErrMalformed},
		{"cap links to itself", `
20000000 02000000 00000000 00000000 18000000 00000000
0300 0100 18000000 01000000`, IOMMUInfo{}, ErrMalformed},
		{"range count overruns", `
28000000 02000000 00000000 00000000 18000000 00000000
0100 0100 00000000 05000000 00000000`, IOMMUInfo{}, ErrMalformed},
		{"range ends before start", `
38000000 02000000 00000000 00000000 18000000 00000000
0100 0100 00000000 01000000 00000000
0000100000000000 ffff0f0000000000`, IOMMUInfo{}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseIOMMUInfo(unhex(t, tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseRegionInfo(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want RegionInfo
		err  error
	}{
		{"e1000 BAR0, whole mmap", `20000000 07000000 00000000 00000000 0000020000000000 0000000000000000`,
			RegionInfo{Index: 0, Flags: 7, Size: 0x20000, Offset: 0}, nil},
		{"config region", `20000000 03000000 07000000 00000000 0001000000000000 0000000000070000`,
			RegionInfo{Index: 7, Flags: 3, Size: 0x100, Offset: 0x70000000000}, nil},
		{"e1000e BAR3 sparse around the MSI-X table, then MSIX_MAPPABLE", `
58000000 0f000000 03000000 20000000 0040000000000000 0000000000030000
0100 0100 50000000 02000000 00000000
0000000000000000 0000000000000000
0030000000000000 0010000000000000
0300 0100 00000000 00000000`,
			RegionInfo{Index: 3, Flags: 0xf, Size: 0x4000, Offset: 0x30000000000,
				Sparse: []Area{{0, 0}, {0x3000, 0x1000}}, HasSparse: true, MSIXMappable: true}, nil},
		{"sparse area outside region", `
40000000 0f000000 03000000 20000000 0040000000000000 0000000000030000
0100 0100 00000000 01000000 00000000
0030000000000000 0020000000000000`, RegionInfo{}, ErrMalformed},
		{"truncated", `20000000 07000000`, RegionInfo{}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRegionInfo(unhex(t, tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseIOMMUInfo(f *testing.F) {
	f.Add(unhex(f, iommuInfoQEMU))
	f.Add(unhex(f, `20000000 02000000 00000000 00000000 18000000 00000000 0300 0100 18000000 01000000`))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := parseIOMMUInfo(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		for _, r := range info.Ranges {
			if r.Last < r.Start {
				t.Fatalf("accepted inverted range %+v", r)
			}
		}
	})
}

func FuzzParseRegionInfo(f *testing.F) {
	f.Add(unhex(f, `20000000 07000000 00000000 00000000 0000020000000000 0000000000000000`))
	f.Add(unhex(f, `
58000000 0f000000 03000000 20000000 0040000000000000 0000000000030000
0100 0100 50000000 02000000 00000000
0000000000000000 0000000000000000
0030000000000000 0010000000000000
0300 0100 00000000 00000000`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseRegionInfo(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		for _, a := range r.Sparse {
			if a.Offset > r.Size || a.Size > r.Size-a.Offset {
				t.Fatalf("accepted area %+v outside region of %#x", a, r.Size)
			}
		}
	})
}
