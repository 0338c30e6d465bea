package vfio

import (
	"errors"
	"strings"

	"github.com/gopkt/gopkt/hw/dma"
)

// Errors callers branch on with errors.Is. Every error this package returns at
// its API edge is an *OpError wrapping one of them (or dma.ErrNoHugepages,
// pci.ErrNoBAR, pci.ErrNoIRQ, pci.ErrClosed) plus the system error behind it.
var (
	// ErrNoDevice: no PCI function with that address in sysfs.
	ErrNoDevice = errors.New("no such PCI device")
	// ErrNoIOMMU: the kernel runs without an IOMMU, so the device has no
	// IOMMU group and VFIO cannot isolate it.
	ErrNoIOMMU = errors.New("no IOMMU")
	// ErrNoVFIO: the VFIO modules are not loaded (/dev/vfio/vfio missing) or
	// the kernel lacks the type1 IOMMU backend.
	ErrNoVFIO = errors.New("VFIO not available")
	// ErrNoIOMMUFD: the iommufd path is not available for the device: the
	// kernel is older than 6.6, iommufd is not loaded (/dev/iommu missing),
	// or the kernel has no VFIO device cdevs (CONFIG_VFIO_DEVICE_CDEV).
	ErrNoIOMMUFD = errors.New("iommufd not available")
	// ErrNotBound: the device is bound to another driver, or to none.
	ErrNotBound = errors.New("device not bound to vfio-pci")
	// ErrNotViable: another device in the IOMMU group is still owned by a
	// kernel driver.
	ErrNotViable = errors.New("IOMMU group not viable")
	// ErrPermission: this user may not open /dev/vfio/N.
	ErrPermission = errors.New("permission denied")
	// ErrBusy: another process (or container) holds the group.
	ErrBusy = errors.New("IOMMU group busy")
	// ErrMemlock: RLIMIT_MEMLOCK is below the DMA memory requested; VFIO
	// pins every mapped page against it.
	ErrMemlock = errors.New("RLIMIT_MEMLOCK too low")
	// ErrNoHugepages is dma.ErrNoHugepages, re-exported for callers that
	// only import vfio.
	ErrNoHugepages = dma.ErrNoHugepages
)

// OpError is the error returned at this package's API edge: which operation
// on which device failed, what was found, and what to do about it.
type OpError struct {
	Op     string // "open", "map DMA", "enable IRQs", ...
	Addr   string // PCI address, or "" for container operations
	Err    error  // the sentinel (ErrNoIOMMU, ...), or nil
	Cause  error  // the system error underneath (an errno), or nil
	Detail string // what was found, in words
	Fix    string // what to do, in words and commands
}

// Error reads "vfio: Op Addr: Err: Detail: Cause; Fix", leaving out the empty
// parts and the "vfio: " that Err's text may start with: the one OpError
// format of every gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "vfio: " + e.Op
	if e.Addr != "" {
		s += " " + e.Addr
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "vfio: ")
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap returns the sentinel and the cause, so errors.Is matches both
// (vfio.ErrPermission and unix.EACCES).
func (e *OpError) Unwrap() []error {
	var out []error
	if e.Err != nil {
		out = append(out, e.Err)
	}
	if e.Cause != nil {
		out = append(out, e.Cause)
	}
	return out
}

// Fix-it texts shared by several checks.
const (
	fixIOMMU = "boot with intel_iommu=on (or amd_iommu=on) on the kernel command line and enable VT-d (AMD-Vi) in the firmware setup; " +
		"under QEMU add -device intel-iommu,intremap=on,caching-mode=on with -M q35,kernel-irqchip=split"
	fixModule = "load the modules with 'modprobe vfio-pci' (it pulls in vfio and vfio_iommu_type1)"
)
