package vfio

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unsafe"

	"github.com/gopkt/gopkt/hw/dma"
	"golang.org/x/sys/unix"
)

// Backend is the kernel interface a container drives its devices and DMA
// mappings through.
type Backend string

const (
	// BackendAuto picks BackendIOMMUFD for a container's first device when
	// the kernel offers it for that device (IOMMUFDStatus is nil), else
	// BackendGroup.
	BackendAuto Backend = ""
	// BackendIOMMUFD is /dev/iommu with the device's VFIO character
	// device (/dev/vfio/devices/vfioN, Linux 6.6 with CONFIG_IOMMUFD and
	// CONFIG_VFIO_DEVICE_CDEV): one IOAS, VFIO_DEVICE_BIND_IOMMUFD and
	// VFIO_DEVICE_ATTACH_IOMMUFD_PT, IOMMU_IOAS_MAP.
	BackendIOMMUFD Backend = "iommufd"
	// BackendGroup is the legacy container/group API (/dev/vfio/vfio,
	// /dev/vfio/N, the type1 IOMMU).
	BackendGroup Backend = "group"
)

// ParseBackend reads a --vfio flag value: "auto" (or ""), "iommufd",
// "group".
func ParseBackend(s string) (Backend, error) {
	switch s {
	case "", "auto":
		return BackendAuto, nil
	case string(BackendIOMMUFD), string(BackendGroup):
		return Backend(s), nil
	}
	return "", fmt.Errorf("vfio: unknown backend %q (want auto, iommufd or group)", s)
}

// String is "auto" for BackendAuto.
func (b Backend) String() string {
	if b == BackendAuto {
		return "auto"
	}
	return string(b)
}

// minCdevKernel is the first Linux with VFIO device cdevs (6.6; iommufd
// itself is 6.2, but without a cdev no VFIO device can bind to it).
var minCdevKernel = [2]int{6, 6}

// kernelRelease is uname -r, or Options.KernelRelease.
func (o Options) kernelRelease() string {
	if o.KernelRelease != "" {
		return o.KernelRelease
	}
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// parseRelease reads "6.12.95+deb12-amd64" as 6, 12.
func parseRelease(r string) (major, minor int, ok bool) {
	a, rest, ok1 := strings.Cut(r, ".")
	b := rest
	if i := strings.IndexFunc(rest, func(c rune) bool { return c < '0' || c > '9' }); i >= 0 {
		b = rest[:i]
	}
	ma, err1 := strconv.Atoi(a)
	mi, err2 := strconv.Atoi(b)
	if !ok1 || err1 != nil || err2 != nil {
		return 0, 0, false
	}
	return ma, mi, true
}

// cdevName returns the device's VFIO cdev name (vfioN) from sysfs
// vfio-dev/vfioN/dev. A device bound to vfio-pci has vfio-dev/vfioN on
// any kernel since 6.1, but the dev attribute (a device number, so a
// /dev/vfio/devices/vfioN node) only with CONFIG_VFIO_DEVICE_CDEV.
func (s sysfs) cdevName(addr string) (string, bool) {
	ents, err := os.ReadDir(filepath.Join(s.devDir(addr), "vfio-dev"))
	if err != nil {
		return "", false
	}
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "vfio") {
			continue
		}
		if _, err := os.Stat(filepath.Join(s.devDir(addr), "vfio-dev", e.Name(), "dev")); err == nil {
			return e.Name(), true
		}
	}
	return "", false
}

// IOMMUFDStatus says whether the iommufd path can open addr: nil when it
// can, else an *OpError wrapping ErrNoIOMMUFD (kernel too old, iommufd not
// loaded, no device cdev) or ErrPermission, with what to do. The device
// must be bound to vfio-pci (its cdev exists only then); the checks are
// those of sysfs and /dev, no device is opened.
func IOMMUFDStatus(addr string, opts Options) error {
	opts = opts.withDefaults()
	s := sysfs{root: opts.SysfsRoot}
	op := func(err error, detail, fix string) error {
		return &OpError{Op: "open iommufd", Addr: addr, Err: err, Detail: detail, Fix: fix}
	}
	rel := opts.kernelRelease()
	if ma, mi, ok := parseRelease(rel); ok && (ma < minCdevKernel[0] || ma == minCdevKernel[0] && mi < minCdevKernel[1]) {
		return op(ErrNoIOMMUFD, fmt.Sprintf("the kernel is %s; VFIO devices bind to iommufd through their character device, which Linux has since 6.6", rel),
			"boot a 6.6 or newer kernel built with CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV, or use the group path (--vfio group)")
	}
	iommu := filepath.Join(opts.DevRoot, "iommu")
	if _, err := os.Stat(iommu); err != nil {
		if _, merr := os.Stat(filepath.Join(opts.SysfsRoot, "module", "iommufd")); merr != nil {
			return op(ErrNoIOMMUFD, iommu+" does not exist and the iommufd module is not loaded",
				"load it with 'modprobe iommufd' (a kernel built without CONFIG_IOMMUFD has no such module: Debian's stock 6.12 is one), or use the group path (--vfio group)")
		}
		return op(ErrNoIOMMUFD, iommu+" does not exist although the iommufd module is loaded",
			"check that devtmpfs is mounted on "+opts.DevRoot+" (mount -t devtmpfs none /dev)")
	}
	if err := unix.Access(iommu, unix.R_OK|unix.W_OK); err != nil {
		return &OpError{Op: "open iommufd", Addr: addr, Err: ErrPermission, Cause: err,
			Detail: fmt.Sprintf("cannot open %s as uid %d", iommu, unix.Getuid()),
			Fix:    fmt.Sprintf("run as root, or 'chmod 0666 %s' (an IOAS holds only its opener's memory)", iommu)}
	}
	if !s.exists(addr) {
		return op(ErrNoDevice, s.devDir(addr)+" does not exist", "use a full address such as 0000:00:02.0; 'vfio-bind list' shows the devices")
	}
	if drv := s.driver(addr); drv != "vfio-pci" {
		return op(ErrNotBound, "the device's VFIO character device exists only while it is bound to vfio-pci; it is bound to "+orNone(drv),
			fmt.Sprintf("run 'vfio-bind bind %s'", addr))
	}
	name, ok := s.cdevName(addr)
	if !ok {
		return op(ErrNoIOMMUFD, fmt.Sprintf("%s has no vfio-dev/vfioN/dev: the kernel (%s) is built without CONFIG_VFIO_DEVICE_CDEV, so VFIO devices have no character device (Debian's stock 6.12 is built so)", s.devDir(addr), rel),
			"boot a kernel with CONFIG_IOMMUFD and CONFIG_VFIO_DEVICE_CDEV (scripts/setup.sh builds the modules for the VM lane's 6.12), or use the group path (--vfio group)")
	}
	cdev := filepath.Join(opts.DevRoot, "vfio", "devices", name)
	if _, err := os.Stat(cdev); err != nil {
		return op(ErrNoIOMMUFD, cdev+" does not exist although sysfs lists "+name,
			"check that devtmpfs is mounted on "+opts.DevRoot+" (mount -t devtmpfs none /dev)")
	}
	if err := unix.Access(cdev, unix.R_OK|unix.W_OK); err != nil {
		return &OpError{Op: "open iommufd", Addr: addr, Err: ErrPermission, Cause: err,
			Detail: fmt.Sprintf("cannot open %s as uid %d", cdev, unix.Getuid()),
			Fix: fmt.Sprintf("run as root, or give this user the device: 'chown %d %s' "+
				"(a udev rule SUBSYSTEM==\"vfio-dev\", OWNER=\"<user>\" makes it stick), and raise its memlock limit", unix.Getuid(), cdev)}
	}
	return nil
}

func orNone(drv string) string {
	if drv == "" {
		return "no driver"
	}
	return drv
}

// chooseBackend fixes the container's backend at its first device. c.mu
// is held.
func (c *Container) chooseBackend(addr string) (Backend, error) {
	if c.backend != BackendAuto {
		if c.backend == BackendIOMMUFD {
			if err := IOMMUFDStatus(addr, c.opts); err != nil {
				err.(*OpError).Detail += " (the container's other devices use iommufd, so this one must too)"
				return "", err
			}
		}
		return c.backend, nil
	}
	switch c.opts.Backend {
	case BackendGroup:
		return BackendGroup, nil
	case BackendIOMMUFD:
		if err := IOMMUFDStatus(addr, c.opts); err != nil {
			return "", err
		}
		return BackendIOMMUFD, nil
	case BackendAuto:
		if IOMMUFDStatus(addr, c.opts) == nil {
			return BackendIOMMUFD, nil
		}
		return BackendGroup, nil
	}
	return "", &OpError{Op: "open", Addr: addr, Detail: fmt.Sprintf("unknown Options.Backend %q", c.opts.Backend)}
}

// openIOMMUFD opens addr's VFIO cdev, binds it to the container's iommufd
// (opened, with its one IOAS, at the first device) and attaches it to the
// IOAS; at the first device it then reads the usable IOVA ranges and makes
// the remembered mappings. It returns the device fd. c.mu is held.
func (c *Container) openIOMMUFD(addr string) (int, error) {
	first := c.ifd < 0
	if first {
		if err := c.openIOAS(addr); err != nil {
			return -1, err
		}
	}
	fail := func(fd int, e error) (int, error) {
		if fd >= 0 {
			_ = unix.Close(fd) // unbinds and detaches
		}
		if first {
			c.closeIOAS()
		}
		return -1, e
	}
	name, _ := c.sys.cdevName(addr)
	path := filepath.Join(c.opts.DevRoot, "vfio", "devices", name)
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		e := &OpError{Op: "open", Addr: addr, Err: ErrNoIOMMUFD, Cause: err, Detail: "cannot open " + path}
		switch {
		case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
			e.Err, e.Fix = ErrPermission, fmt.Sprintf("run as root, or 'chown %d %s'", unix.Getuid(), path)
		case errors.Is(err, unix.EBUSY):
			e.Err, e.Fix = ErrBusy, "another process has the device open (fuser -v "+path+")"
		}
		return fail(-1, e)
	}
	bind := deviceBindIOMMUFD{Argsz: sizeofDeviceBindIOMMUFD, IOMMUFD: int32(c.ifd)}
	if _, err := ioctlPtr(fd, ioctlDeviceBindIOMMUFD, unsafe.Pointer(&bind)); err != nil {
		e := &OpError{Op: "open", Addr: addr, Err: ErrNoIOMMUFD, Cause: err, Detail: "VFIO_DEVICE_BIND_IOMMUFD on " + path + " failed"}
		if errors.Is(err, unix.EBUSY) {
			e.Err, e.Fix = ErrBusy, "the device (or its IOMMU group) is open elsewhere, through its group or another iommufd; close that first"
		}
		return fail(fd, e)
	}
	at := deviceAttachPT{Argsz: sizeofDeviceAttachPT, PTID: c.ioas}
	if _, err := ioctlPtr(fd, ioctlDeviceAttachIOMMUPT, unsafe.Pointer(&at)); err != nil {
		e := &OpError{Op: "open", Addr: addr, Err: ErrNoIOMMUFD, Cause: err,
			Detail: fmt.Sprintf("VFIO_DEVICE_ATTACH_IOMMUFD_PT to IOAS %d failed", c.ioas)}
		if errors.Is(err, unix.EADDRINUSE) {
			e.Fix = "open every device of the container before allocating DMA memory: this device's reserved IOVA regions overlap mappings already made"
		}
		return fail(fd, e)
	}
	if err := c.readIOASRanges(addr); err != nil {
		return fail(fd, err)
	}
	if err := c.useRanges(addr); err != nil {
		return fail(fd, err)
	}
	if first {
		if err := c.replay(addr); err != nil {
			return fail(fd, err)
		}
	}
	return fd, nil
}

// openIOAS opens /dev/iommu and allocates the container's IOAS. c.mu is
// held.
func (c *Container) openIOAS(addr string) error {
	path := filepath.Join(c.opts.DevRoot, "iommu")
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		e := &OpError{Op: "open", Addr: addr, Err: ErrNoIOMMUFD, Cause: err, Detail: "cannot open " + path,
			Fix: "load iommufd with 'modprobe iommufd'"}
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			e.Err, e.Fix = ErrPermission, "run as root, or 'chmod 0666 "+path+"'"
		}
		return e
	}
	a := ioasAlloc{Size: sizeofIOASAlloc}
	if _, err := ioctlPtr(fd, ioctlIOMMUIOASAlloc, unsafe.Pointer(&a)); err != nil {
		_ = unix.Close(fd)
		return &OpError{Op: "open", Addr: addr, Err: ErrNoIOMMUFD, Cause: err, Detail: "IOMMU_IOAS_ALLOC on " + path + " failed"}
	}
	c.mapMu.Lock()
	c.ifd, c.ioas = fd, a.OutID
	c.ext = extIOMMUFD
	c.mapMu.Unlock()
	return nil
}

// closeIOAS closes the iommufd, which frees the IOAS and every mapping in
// it; the container keeps the list for the next device. No device may be
// bound. c.mu is held.
func (c *Container) closeIOAS() {
	if c.ifd < 0 {
		return
	}
	c.mapMu.Lock()
	_ = unix.Close(c.ifd)
	c.ifd, c.ioas = -1, 0
	c.ext, c.active = 0, false
	c.mapped.Store(0)
	c.mapMu.Unlock()
}

// readIOASRanges asks IOMMU_IOAS_IOVA_RANGES for the IOAS's usable ranges
// (what every attached device's IOMMU allows, minus reserved regions such
// as the MSI window) and keeps them in c.info.
func (c *Container) readIOASRanges(addr string) error {
	r := ioasIOVARanges{Size: sizeofIOASIOVARanges, IOASID: c.ioas}
	var buf []uint64
	for range 4 {
		if r.NumIOVAs > 0 {
			buf = make([]uint64, 2*r.NumIOVAs)
			r.AllowedIOVAs = uint64(uintptr(unsafe.Pointer(&buf[0])))
		}
		_, err := ioctlPtr(c.ifd, ioctlIOMMUIOASIOVARanges, unsafe.Pointer(&r))
		if errors.Is(err, unix.EMSGSIZE) {
			continue // r.NumIOVAs now says how many
		}
		if err != nil {
			return &OpError{Op: "open", Addr: addr, Err: ErrNoIOMMUFD, Cause: err, Detail: "IOMMU_IOAS_IOVA_RANGES failed"}
		}
		ranges, perr := parseIOASRanges(buf, int(r.NumIOVAs), r.OutIOVAAlignment)
		if perr != nil {
			return &OpError{Op: "open", Addr: addr, Err: ErrMalformed, Cause: perr, Detail: "IOMMU_IOAS_IOVA_RANGES"}
		}
		c.info = IOMMUInfo{PageSizes: r.OutIOVAAlignment, Ranges: ranges}
		return nil
	}
	return &OpError{Op: "open", Addr: addr, Err: ErrMalformed, Detail: "IOMMU_IOAS_IOVA_RANGES kept asking for a larger buffer"}
}

// parseIOASRanges checks what IOMMU_IOAS_IOVA_RANGES wrote: n inclusive
// [start, last] pairs in buf, and an alignment that is a power of two.
// Ranges are trimmed to the alignment; a range with nothing left is
// dropped.
func parseIOASRanges(buf []uint64, n int, align uint64) ([]dma.Range, error) {
	if n == 0 {
		return nil, errors.New("no usable IOVA range")
	}
	if 2*n > len(buf) {
		return nil, fmt.Errorf("%d ranges, room for %d", n, len(buf)/2)
	}
	if align == 0 || align&(align-1) != 0 {
		return nil, fmt.Errorf("IOVA alignment %#x is not a power of two", align)
	}
	var out []dma.Range
	for i := range n {
		start, last := buf[2*i], buf[2*i+1]
		if last < start {
			return nil, fmt.Errorf("range %d: last %#x below start %#x", i, last, start)
		}
		s := (start + align - 1) &^ (align - 1)
		if s < start { // wrapped
			continue
		}
		if s > last || last-s+1 < align {
			continue
		}
		out = append(out, dma.Range{Start: s, Last: last})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no range holds one aligned %#x-byte page", align)
	}
	return out, nil
}

// ioasMapDMA is IOMMU_IOAS_MAP at a fixed IOVA, readable and writable.
// c.mapMu is held.
func (c *Container) ioasMapDMA(mem []byte, iova uint64) error {
	m := ioasMap{
		Size:   sizeofIOASMap,
		Flags:  ioasMapFixedIOVA | ioasMapReadable | ioasMapWriteable,
		IOASID: c.ioas,
		UserVA: uint64(uintptr(unsafe.Pointer(&mem[0]))),
		Length: uint64(len(mem)),
		IOVA:   iova,
	}
	_, err := ioctlPtr(c.ifd, ioctlIOMMUIOASMap, unsafe.Pointer(&m))
	return err
}

// ioasUnmapDMA is IOMMU_IOAS_UNMAP; it returns the bytes unmapped.
// c.mapMu is held.
func (c *Container) ioasUnmapDMA(iova, n uint64) (uint64, error) {
	u := ioasUnmap{Size: sizeofIOASUnmap, IOASID: c.ioas, IOVA: iova, Length: n}
	_, err := ioctlPtr(c.ifd, ioctlIOMMUIOASUnmap, unsafe.Pointer(&u))
	return u.Length, err
}
