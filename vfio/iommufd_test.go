package vfio

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"github.com/gopkt/gopkt/hw/dma"
)

// The iommufd structs must match linux/iommufd.h and the cdev ones
// linux/vfio.h (Linux 6.12) byte for byte.
func TestIOMMUFDUAPILayout(t *testing.T) {
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof iommu_destroy", unsafe.Sizeof(iommuDestroy{}), sizeofIOMMUDestroy},
		{"sizeof iommu_ioas_alloc", unsafe.Sizeof(ioasAlloc{}), sizeofIOASAlloc},
		{"sizeof iommu_ioas_iova_ranges", unsafe.Sizeof(ioasIOVARanges{}), sizeofIOASIOVARanges},
		{"sizeof iommu_ioas_map", unsafe.Sizeof(ioasMap{}), sizeofIOASMap},
		{"sizeof iommu_ioas_unmap", unsafe.Sizeof(ioasUnmap{}), sizeofIOASUnmap},
		{"sizeof vfio_device_bind_iommufd", unsafe.Sizeof(deviceBindIOMMUFD{}), sizeofDeviceBindIOMMUFD},
		{"sizeof vfio_device_attach_iommufd_pt", unsafe.Sizeof(deviceAttachPT{}), sizeofDeviceAttachPT},
		{"sizeof vfio_device_detach_iommufd_pt", unsafe.Sizeof(deviceDetachPT{}), sizeofDeviceDetachPT},
		{"ioas_alloc.out_ioas_id", unsafe.Offsetof(ioasAlloc{}.OutID), 8},
		{"iova_ranges.num_iovas", unsafe.Offsetof(ioasIOVARanges{}.NumIOVAs), 8},
		{"iova_ranges.allowed_iovas", unsafe.Offsetof(ioasIOVARanges{}.AllowedIOVAs), 16},
		{"iova_ranges.out_iova_alignment", unsafe.Offsetof(ioasIOVARanges{}.OutIOVAAlignment), 24},
		{"ioas_map.ioas_id", unsafe.Offsetof(ioasMap{}.IOASID), 8},
		{"ioas_map.user_va", unsafe.Offsetof(ioasMap{}.UserVA), 16},
		{"ioas_map.length", unsafe.Offsetof(ioasMap{}.Length), 24},
		{"ioas_map.iova", unsafe.Offsetof(ioasMap{}.IOVA), 32},
		{"ioas_unmap.iova", unsafe.Offsetof(ioasUnmap{}.IOVA), 8},
		{"ioas_unmap.length", unsafe.Offsetof(ioasUnmap{}.Length), 16},
		{"bind_iommufd.iommufd", unsafe.Offsetof(deviceBindIOMMUFD{}.IOMMUFD), 8},
		{"bind_iommufd.out_devid", unsafe.Offsetof(deviceBindIOMMUFD{}.OutDevID), 12},
		{"attach_iommufd_pt.pt_id", unsafe.Offsetof(deviceAttachPT{}.PTID), 8},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// iommufd's requests are _IO(';', 0x80+n); the cdev ones VFIO's 100+n.
func TestIOMMUFDIoctlNumbers(t *testing.T) {
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"IOMMU_DESTROY", ioctlIOMMUDestroy, 0x3B80},
		{"IOMMU_IOAS_ALLOC", ioctlIOMMUIOASAlloc, 0x3B81},
		{"IOMMU_IOAS_IOVA_RANGES", ioctlIOMMUIOASIOVARanges, 0x3B84},
		{"IOMMU_IOAS_MAP", ioctlIOMMUIOASMap, 0x3B85},
		{"IOMMU_IOAS_UNMAP", ioctlIOMMUIOASUnmap, 0x3B86},
		{"VFIO_DEVICE_BIND_IOMMUFD", ioctlDeviceBindIOMMUFD, 0x3B76},
		{"VFIO_DEVICE_ATTACH_IOMMUFD_PT", ioctlDeviceAttachIOMMUPT, 0x3B77},
		{"VFIO_DEVICE_DETACH_IOMMUFD_PT", ioctlDeviceDetachIOMMUPT, 0x3B78},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.name, tt.got, tt.want)
		}
	}
}

func TestParseIOASRanges(t *testing.T) {
	// What QEMU's intel-iommu (39-bit) reports: below and above the MSI
	// window.
	buf := []uint64{0, 0xfedfffff, 0xfef00000, 1<<39 - 1}
	got, err := parseIOASRanges(buf, 2, 4096)
	if err != nil {
		t.Fatal(err)
	}
	want := []dma.Range{{Start: 0, Last: 0xfedfffff}, {Start: 0xfef00000, Last: 1<<39 - 1}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("got %#x, want %#x", got, want)
	}
	// Trimmed to the alignment; a range too small for one page dropped.
	got, err = parseIOASRanges([]uint64{0x1001, 0x1fff, 0x10001, 0x30000}, 2, 0x1000)
	if err != nil || len(got) != 1 || got[0] != (dma.Range{Start: 0x11000, Last: 0x30000}) {
		t.Errorf("trim: %#x, %v", got, err)
	}
	for _, tc := range []struct {
		buf   []uint64
		n     int
		align uint64
		want  string
	}{
		{nil, 0, 4096, "no usable"},
		{[]uint64{0, 1}, 2, 4096, "room for 1"},
		{[]uint64{0, 0xffff}, 1, 3000, "power of two"},
		{[]uint64{0, 0xffff}, 1, 0, "power of two"},
		{[]uint64{0x2000, 0x1000}, 1, 4096, "below start"},
		{[]uint64{0x1001, 0x1fff}, 1, 4096, "no range holds"},
	} {
		if _, err := parseIOASRanges(tc.buf, tc.n, tc.align); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%#x n=%d align=%#x: %v, want %q", tc.buf, tc.n, tc.align, err, tc.want)
		}
	}
}

func FuzzParseIOASRanges(f *testing.F) {
	f.Add(uint64(0), uint64(0xfedfffff), uint64(0xfef00000), uint64(1<<39-1), uint8(2), uint64(4096))
	f.Add(uint64(1), uint64(0), uint64(0), uint64(0), uint8(1), uint64(1))
	f.Add(^uint64(0)-1, ^uint64(0), uint64(0), uint64(0), uint8(1), uint64(1<<21))
	f.Fuzz(func(t *testing.T, a, b, c, d uint64, n uint8, align uint64) {
		rs, err := parseIOASRanges([]uint64{a, b, c, d}, int(n), align)
		if err != nil {
			return
		}
		for _, r := range rs {
			if r.Last < r.Start || r.Start%align != 0 || r.Last-r.Start+1 < align && r.Last-r.Start+1 != 0 {
				t.Fatalf("bad range %#x from %#x", r, []uint64{a, b, c, d})
			}
		}
	})
}

func TestParseBackend(t *testing.T) {
	for in, want := range map[string]Backend{"": BackendAuto, "auto": BackendAuto, "iommufd": BackendIOMMUFD, "group": BackendGroup} {
		if b, err := ParseBackend(in); err != nil || b != want {
			t.Errorf("ParseBackend(%q) = %q, %v", in, b, err)
		}
	}
	if _, err := ParseBackend("cdev"); err == nil {
		t.Error("ParseBackend(cdev) succeeded")
	}
	if BackendAuto.String() != "auto" || BackendIOMMUFD.String() != "iommufd" {
		t.Error("String")
	}
}

// TestIOMMUFDStatusFixIts: each missing piece of the iommufd path gets its
// own error, checked in the order a user fixes them.
func TestIOMMUFDStatusFixIts(t *testing.T) {
	const addr = "0000:00:02.0"
	setup := func(t *testing.T) (*fakeTree, Options) {
		f := newFakeTree(t, t.TempDir())
		f.device(addr, "vfio-pci", 3)
		o := f.opts()
		o.KernelRelease = "6.12.95+deb12-amd64"
		return f, o
	}
	check := func(t *testing.T, err error, sentinel error, words ...string) {
		t.Helper()
		if !errors.Is(err, sentinel) {
			t.Fatalf("err = %v, want %v", err, sentinel)
		}
		var op *OpError
		if !errors.As(err, &op) || op.Fix == "" {
			t.Fatalf("err %v is not an *OpError with a fix", err)
		}
		for _, w := range words {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q lacks %q", err, w)
			}
		}
	}
	t.Run("kernel too old", func(t *testing.T) {
		_, o := setup(t)
		o.KernelRelease = "6.1.0-57-amd64"
		check(t, IOMMUFDStatus(addr, o), ErrNoIOMMUFD, "6.1.0-57-amd64", "6.6", "--vfio group")
	})
	t.Run("module not loaded", func(t *testing.T) {
		_, o := setup(t)
		check(t, IOMMUFDStatus(addr, o), ErrNoIOMMUFD, "modprobe iommufd", "CONFIG_IOMMUFD")
	})
	t.Run("no devtmpfs node", func(t *testing.T) {
		f, o := setup(t)
		f.mkdir(filepath.Join(f.sys, "module", "iommufd"))
		check(t, IOMMUFDStatus(addr, o), ErrNoIOMMUFD, "devtmpfs")
	})
	t.Run("not bound", func(t *testing.T) {
		f, o := setup(t)
		f.file(filepath.Join(f.dev, "iommu"), "", 0o666)
		f.device("0000:00:03.0", "e1000", 4)
		check(t, IOMMUFDStatus("0000:00:03.0", o), ErrNotBound, "e1000", "vfio-bind bind 0000:00:03.0")
	})
	t.Run("no cdev", func(t *testing.T) {
		f, o := setup(t)
		f.file(filepath.Join(f.dev, "iommu"), "", 0o666)
		// The class device exists without CONFIG_VFIO_DEVICE_CDEV; its
		// dev attribute does not.
		f.mkdir(filepath.Join(f.sys, "bus", "pci", "devices", addr, "vfio-dev", "vfio0"))
		check(t, IOMMUFDStatus(addr, o), ErrNoIOMMUFD, "CONFIG_VFIO_DEVICE_CDEV", "Debian's stock 6.12")
	})
	t.Run("no cdev node", func(t *testing.T) {
		f, o := setup(t)
		f.file(filepath.Join(f.dev, "iommu"), "", 0o666)
		f.file(filepath.Join(f.sys, "bus", "pci", "devices", addr, "vfio-dev", "vfio0", "dev"), "244:0\n", 0o444)
		check(t, IOMMUFDStatus(addr, o), ErrNoIOMMUFD, "/dev/vfio/devices/vfio0", "devtmpfs")
	})
	t.Run("usable", func(t *testing.T) {
		f, o := setup(t)
		f.file(filepath.Join(f.dev, "iommu"), "", 0o666)
		f.file(filepath.Join(f.sys, "bus", "pci", "devices", addr, "vfio-dev", "vfio0", "dev"), "244:0\n", 0o444)
		f.file(filepath.Join(f.dev, "vfio", "devices", "vfio0"), "", 0o666)
		if err := IOMMUFDStatus(addr, o); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("forced iommufd refuses, auto falls back", func(t *testing.T) {
		f, o := setup(t)
		o.KernelRelease = "6.1.0-57-amd64"
		o.Backend = BackendIOMMUFD
		_, err := Open(addr, o)
		check(t, err, ErrNoIOMMUFD, "6.6")
		// Auto takes the group path: it fails further on, at the group
		// node the fake tree lacks, not at iommufd.
		o.Backend = BackendAuto
		_, err = Open(addr, o)
		if errors.Is(err, ErrNoIOMMUFD) || err == nil {
			t.Errorf("auto: %v", err)
		}
		_ = f
	})
}
