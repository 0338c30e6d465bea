package vfio

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/pci"
	"golang.org/x/sys/unix"
)

// Options configure a Container (and Open).
type Options struct {
	// SysfsRoot and DevRoot default to "/sys" and "/dev"; tests point them
	// at fake trees.
	SysfsRoot string
	DevRoot   string
	// Container shares an existing container (Open only): devices in one
	// container share one IOMMU address space and one DMA memory, so a
	// buffer can move between NICs without a copy. Nil makes a private
	// container that the device closes with itself.
	Container *Container
	// DMABytes is how much DMA memory the caller intends to allocate. When
	// set, Open checks up front that RLIMIT_MEMLOCK (and, with
	// RequireHugepages, the free hugepage pool) can hold it.
	DMABytes uint64
	// RequireHugepages makes the DMA memory fail with dma.ErrNoHugepages
	// instead of falling back to 4 KiB pages; NoHugepages skips them.
	RequireHugepages bool
	NoHugepages      bool
	// Logger gets warnings (the 4 KiB fallback); nil means slog.Default().
	Logger *slog.Logger
	// Backend picks the kernel interface: BackendAuto (iommufd when the
	// kernel offers it for the first device, else the group API),
	// BackendIOMMUFD or BackendGroup. A container keeps the backend of its
	// first device for all the others.
	Backend Backend
	// KernelRelease stands in for uname -r in the iommufd checks (tests).
	KernelRelease string
}

func (o Options) withDefaults() Options {
	if o.SysfsRoot == "" {
		o.SysfsRoot = "/sys"
	}
	if o.DevRoot == "" {
		o.DevRoot = "/dev"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Container is a VFIO container (/dev/vfio/vfio): one IOMMU address space
// that any number of IOMMU groups, and so devices, share. It implements
// dma.Mapper with VFIO_IOMMU_MAP_DMA, and owns the dma.Memory its devices
// return from DMA().
//
// The memory exists from NewContainer on, before any device: the kernel
// sets a container's IOMMU type (type1v2, else type1) only once a group has
// joined (VFIO_SET_IOMMU fails with EINVAL on an empty container), and
// drops the IOMMU with all its mappings when the last group leaves. So the
// container remembers every mapping its memory asked for and makes them in
// the kernel whenever an IOMMU is set: at once while one is, else when the
// next first group joins. A device can therefore be opened after its DMA
// memory (an mbuf pool) was allocated, closed (its group leaves the
// container, and another process may open it), and opened again.
//
// Memory allocated before the first group joins gets IOVAs from
// [4 GiB, 512 GiB) (PreDeviceRanges), above the x86 MSI window and the
// reserved regions firmware puts below 4 GiB; when the first group joins,
// the ranges VFIO_IOMMU_GET_INFO reports replace them and every chunk
// already allocated must lie inside (else that Open fails with
// dma.ErrRanges). A group joining a container that already has mappings
// is checked by the kernel against them.
type Container struct {
	opts Options
	sys  sysfs
	mem  *dma.Memory // created by NewContainer

	mu      sync.Mutex
	fd      int     // -1 until the first device opens
	ext     int     // extType1v2IOMMU, extType1IOMMU or extIOMMUFD while an IOMMU is set
	backend Backend // fixed by the first device that opened
	ifd     int     // /dev/iommu while a device is open through iommufd, else -1
	ioas    uint32  // the IOAS in ifd
	info    IOMMUInfo
	groups  map[int]*group
	devices map[*Device]struct{}
	closed  bool

	// mapMu guards the mappings. Lock order: mu, then the memory's own
	// lock, then mapMu (the memory calls Map and Unmap under its lock).
	mapMu  sync.Mutex
	maps   map[uint64][]byte // every mapping the memory holds, by IOVA
	active bool              // maps are in the kernel (an IOMMU is set)
	ranges []dma.Range       // usable IOVA ranges, for error messages

	mapped atomic.Uint64 // bytes currently mapped in the kernel (for memlock messages)
}

// PreDeviceRanges returns the IOVA ranges of memory allocated before a
// container's first device opens: 4 GiB up to the 39-bit address width of
// the smallest Intel VT-d implementations (and QEMU's intel-iommu default),
// clear of the MSI window at 0xfee00000 and the RMRR regions firmware
// reserves below 4 GiB.
func PreDeviceRanges() []dma.Range { return []dma.Range{{Start: 1 << 32, Last: 1<<39 - 1}} }

// group is an open /dev/vfio/N attached to the container.
type group struct {
	n     int
	fd    int
	users int // open devices of the group
}

var _ dma.Mapper = (*Container)(nil)

// NewContainer returns an empty container; nothing is opened until the first
// device is.
func NewContainer(opts Options) *Container {
	opts = opts.withDefaults()
	opts.Container = nil
	c := &Container{
		opts:    opts,
		sys:     sysfs{root: opts.SysfsRoot},
		fd:      -1,
		ifd:     -1,
		groups:  map[int]*group{},
		devices: map[*Device]struct{}{},
		maps:    map[uint64][]byte{},
	}
	c.mem = dma.NewMemory(c, dma.MemoryOptions{
		Ranges:           PreDeviceRanges(),
		NoHugepages:      opts.NoHugepages,
		RequireHugepages: opts.RequireHugepages,
		Logger:           opts.Logger,
	})
	return c
}

// Open opens the PCI function addr in this container.
func (c *Container) Open(addr string) (*Device, error) {
	return c.open(addr, false)
}

func (c *Container) open(addr string, owned bool) (*Device, error) {
	n, err := c.sys.checkDevice(addr)
	if err != nil {
		return nil, err
	}
	if err := checkMemlock(addr, c.opts.DMABytes); err != nil {
		return nil, err
	}
	if c.opts.RequireHugepages {
		if err := checkHugepages(c.sys, addr, c.opts.DMABytes); err != nil {
			return nil, err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, &OpError{Op: "open", Addr: addr, Err: pci.ErrClosed, Detail: "the container is closed"}
	}
	b, err := c.chooseBackend(addr)
	if err != nil {
		return nil, err
	}
	if b == BackendIOMMUFD {
		fd, err := c.openIOMMUFD(addr)
		if err != nil {
			return nil, err
		}
		d, err := newDevice(c, addr, fd, owned)
		if err != nil {
			_ = unix.Close(fd)
			if len(c.devices) == 0 {
				c.closeIOAS()
			}
			return nil, err
		}
		d.group = -1
		c.backend = BackendIOMMUFD
		c.devices[d] = struct{}{}
		return d, nil
	}
	g, err := c.attach(addr, n)
	if err != nil {
		return nil, err
	}
	name := append([]byte(addr), 0)
	fd, err := ioctlPtr(g.fd, ioctlGroupGetDeviceFD, unsafe.Pointer(&name[0]))
	if err != nil {
		c.leaveIdle(g)
		return nil, &OpError{Op: "open", Addr: addr, Err: deviceFDErr(err), Cause: err,
			Detail: fmt.Sprintf("VFIO_GROUP_GET_DEVICE_FD on group %d failed", n),
			Fix:    "make sure no other process has the device open (a device fd is exclusive)"}
	}
	d, err := newDevice(c, addr, fd, owned)
	if err != nil {
		_ = unix.Close(fd)
		c.leaveIdle(g)
		return nil, err
	}
	d.group = n
	g.users++
	c.backend = BackendGroup
	c.devices[d] = struct{}{}
	return d, nil
}

func deviceFDErr(err error) error {
	if errors.Is(err, unix.EBUSY) {
		return ErrBusy
	}
	return nil
}

// attach opens IOMMU group n (once) and joins it to the container, opening
// the container and setting its IOMMU type on the first group. c.mu is held.
func (c *Container) attach(addr string, n int) (*group, error) {
	if g := c.groups[n]; g != nil {
		return g, nil
	}
	path := filepath.Join(c.opts.DevRoot, "vfio", strconv.Itoa(n))
	gfd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, c.groupOpenErr(addr, n, path, err)
	}
	fail := func(e error) (*group, error) {
		_ = unix.Close(gfd)
		return nil, e
	}
	st := groupStatus{Argsz: sizeofGroupStatus}
	if _, err := ioctlPtr(gfd, ioctlGroupGetStatus, unsafe.Pointer(&st)); err != nil {
		return fail(&OpError{Op: "open", Addr: addr, Err: ErrNoVFIO, Cause: err,
			Detail: path + " does not answer VFIO_GROUP_GET_STATUS; it is not a VFIO group device", Fix: fixModule})
	}
	if st.Flags&groupFlagsViable == 0 {
		members, _ := c.sys.groupMembers(n)
		var others []string
		for _, m := range members {
			if m != addr && c.sys.driver(m) != "vfio-pci" {
				others = append(others, m)
			}
		}
		return fail(c.sys.notViable(addr, n, members, others))
	}
	if err := c.openContainer(addr); err != nil {
		return fail(err)
	}
	cfd := int32(c.fd)
	if _, err := ioctlPtr(gfd, ioctlGroupSetContainer, unsafe.Pointer(&cfd)); err != nil {
		e := &OpError{Op: "open", Addr: addr, Cause: err, Detail: fmt.Sprintf("VFIO_GROUP_SET_CONTAINER for group %d failed", n)}
		switch {
		case errors.Is(err, unix.EBUSY):
			e.Err, e.Fix = ErrBusy, "another container already holds the group; open all devices of a process through one vfio.Container"
		case c.mapped.Load() > 0:
			// vfio_iommu_type1 refuses a group whose reserved IOVA
			// regions overlap mappings the container already has.
			e.Fix = "open every device of the container before allocating DMA memory: this group's reserved IOVA regions may overlap mappings already made"
		}
		return fail(e)
	}
	first := c.ext == 0
	var err2 error
	if first {
		err2 = c.setIOMMU(addr)
	} else {
		err2 = c.readInfo(addr)
	}
	if err2 == nil {
		err2 = c.useRanges(addr)
	}
	if err2 == nil && first {
		err2 = c.replay(addr)
	}
	if err2 != nil {
		c.mapMu.Lock()
		_, _ = ioctlVal(gfd, ioctlGroupUnsetCont, 0)
		if first { // the kernel released the IOMMU with its only group
			c.ext, c.active = 0, false
			c.mapped.Store(0)
		}
		c.mapMu.Unlock()
		return fail(err2)
	}
	g := &group{n: n, fd: gfd}
	c.groups[n] = g
	return g, nil
}

// useRanges hands the usable IOVA ranges to the memory; chunks allocated
// earlier (before the first group joined) must lie inside them.
func (c *Container) useRanges(addr string) error {
	if err := c.mem.SetRanges(c.info.Ranges); err != nil {
		return &OpError{Op: "open", Addr: addr, Err: err,
			Detail: "DMA memory allocated before this device opened lies outside the IOVA ranges its IOMMU allows",
			Fix:    "open the device before allocating DMA memory, or report the ranges above (vfio.PreDeviceRanges assumes 4 GiB to 512 GiB is usable)"}
	}
	c.mapMu.Lock()
	c.ranges = c.info.Ranges
	c.mapMu.Unlock()
	return nil
}

// replay makes every remembered mapping in the kernel, now that an IOMMU
// is set, lowest IOVA first. On failure the caller detaches the group,
// which releases the IOMMU and whatever was mapped.
func (c *Container) replay(addr string) error {
	c.mapMu.Lock()
	defer c.mapMu.Unlock()
	iovas := make([]uint64, 0, len(c.maps))
	for iova := range c.maps {
		iovas = append(iovas, iova)
	}
	slices.Sort(iovas)
	for _, iova := range iovas {
		mem := c.maps[iova]
		if err := c.mapDMA(mem, iova); err != nil {
			e := c.mapErr(iova, uint64(len(mem)), err).(*OpError)
			e.Op, e.Addr = "open", addr
			e.Detail = "mapping DMA memory allocated before the device opened: " + e.Detail
			return e
		}
		c.mapped.Add(uint64(len(mem)))
	}
	c.active = true
	return nil
}

// leaveIdle detaches g from the container if none of its devices is open
// (a device of it failed to open, or the last one closed), so the group
// can be opened again, by this process or another. When the last group
// leaves, the kernel releases the IOMMU and every mapping with it; the
// container keeps them for the next group. c.mu is held.
func (c *Container) leaveIdle(g *group) {
	if g.users > 0 || c.groups[g.n] != g {
		return
	}
	delete(c.groups, g.n)
	c.mapMu.Lock()
	_, _ = ioctlVal(g.fd, ioctlGroupUnsetCont, 0)
	if len(c.groups) == 0 {
		c.ext, c.active = 0, false
		c.mapped.Store(0)
	}
	c.mapMu.Unlock()
	_ = unix.Close(g.fd)
}

func (c *Container) groupOpenErr(addr string, n int, path string, err error) error {
	switch {
	case errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM):
		return &OpError{Op: "open", Addr: addr, Err: ErrPermission, Cause: err,
			Detail: fmt.Sprintf("cannot open %s as uid %d", path, unix.Getuid()),
			Fix: fmt.Sprintf("run as root, or give this user the group: 'chown %d %s' "+
				"(a udev rule SUBSYSTEM==\"vfio\", OWNER=\"<user>\" makes it stick), and raise its memlock limit", unix.Getuid(), path)}
	case errors.Is(err, unix.EBUSY):
		return &OpError{Op: "open", Addr: addr, Err: ErrBusy, Cause: err,
			Detail: fmt.Sprintf("IOMMU group %d is already open (by another process, or by another vfio.Container in this one)", n),
			Fix:    "open every device of a process through one vfio.Container, and stop other users of the group (fuser -v " + path + ")"}
	case errors.Is(err, unix.ENOENT):
		return &OpError{Op: "open", Addr: addr, Err: ErrNoVFIO, Cause: err,
			Detail: path + " does not exist although the device is bound to vfio-pci",
			Fix:    "check that devtmpfs is mounted on " + c.opts.DevRoot + " (mount -t devtmpfs none /dev)"}
	}
	return &OpError{Op: "open", Addr: addr, Cause: err, Detail: "cannot open " + path}
}

// openContainer opens /dev/vfio/vfio and checks the API version and the type1
// extension (once). c.mu is held.
func (c *Container) openContainer(addr string) error {
	if c.fd >= 0 {
		return nil
	}
	path := filepath.Join(c.opts.DevRoot, "vfio", "vfio")
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		e := &OpError{Op: "open", Addr: addr, Err: ErrNoVFIO, Cause: err, Detail: "cannot open " + path, Fix: fixModule}
		if errors.Is(err, unix.EACCES) {
			e.Err, e.Fix = ErrPermission, "run as root or 'chmod 0666 "+path+"' (the container device is safe to share)"
		}
		return e
	}
	v, err := ioctlVal(fd, ioctlGetAPIVersion, 0)
	if err != nil || v != apiVersion {
		_ = unix.Close(fd)
		return &OpError{Op: "open", Addr: addr, Err: ErrNoVFIO, Cause: err,
			Detail: fmt.Sprintf("%s reports VFIO API version %d, want %d", path, v, apiVersion), Fix: fixModule}
	}
	c.fd = fd
	return nil
}

// setIOMMU picks type1v2 (else type1), sets it and reads the IOMMU info.
func (c *Container) setIOMMU(addr string) error {
	ext := 0
	for _, e := range []int{extType1v2IOMMU, extType1IOMMU} {
		if r, err := ioctlVal(c.fd, ioctlCheckExtension, uintptr(e)); err == nil && r > 0 {
			ext = e
			break
		}
	}
	if ext == 0 {
		return &OpError{Op: "open", Addr: addr, Err: ErrNoVFIO,
			Detail: "the container supports neither VFIO_TYPE1v2_IOMMU nor VFIO_TYPE1_IOMMU",
			Fix:    "load the type1 backend with 'modprobe vfio_iommu_type1'"}
	}
	if _, err := ioctlVal(c.fd, ioctlSetIOMMU, uintptr(ext)); err != nil {
		return &OpError{Op: "open", Addr: addr, Err: ErrNoVFIO, Cause: err,
			Detail: fmt.Sprintf("VFIO_SET_IOMMU(%d) failed", ext), Fix: fixIOMMU}
	}
	c.ext = ext
	return c.readInfo(addr)
}

// readInfo runs VFIO_IOMMU_GET_INFO and keeps the answer.
func (c *Container) readInfo(addr string) error {
	buf, err := infoWithCaps(c.fd, ioctlIOMMUGetInfo, sizeofIOMMUInfo, func([]byte) {})
	if err != nil {
		return &OpError{Op: "open", Addr: addr, Err: ErrNoVFIO, Cause: err, Detail: "VFIO_IOMMU_GET_INFO failed"}
	}
	info, err := parseIOMMUInfo(buf)
	if err != nil {
		return &OpError{Op: "open", Addr: addr, Err: ErrMalformed, Cause: err, Detail: "VFIO_IOMMU_GET_INFO"}
	}
	c.info = info
	return nil
}

// Map implements dma.Mapper with VFIO_IOMMU_MAP_DMA (read and write). While
// no IOMMU is set (no device open) it only remembers the mapping; the
// next first device's Open makes it.
func (c *Container) Map(mem []byte, iova uint64) error {
	if len(mem) == 0 {
		return &OpError{Op: "map DMA", Detail: "empty buffer"}
	}
	c.mapMu.Lock()
	defer c.mapMu.Unlock()
	if _, dup := c.maps[iova]; dup {
		return &OpError{Op: "map DMA", Detail: fmt.Sprintf("IOVA %#x is already mapped", iova)}
	}
	if c.active {
		if err := c.mapDMA(mem, iova); err != nil {
			return c.mapErr(iova, uint64(len(mem)), err)
		}
		c.mapped.Add(uint64(len(mem)))
	}
	c.maps[iova] = mem
	return nil
}

// mapDMA is VFIO_IOMMU_MAP_DMA, or IOMMU_IOAS_MAP on the iommufd path.
// c.mapMu is held.
func (c *Container) mapDMA(mem []byte, iova uint64) error {
	if c.ifd >= 0 {
		return c.ioasMapDMA(mem, iova)
	}
	m := dmaMap{
		Argsz: sizeofDMAMap,
		Flags: dmaMapFlagRead | dmaMapFlagWrite,
		Vaddr: uint64(uintptr(unsafe.Pointer(&mem[0]))),
		IOVA:  iova,
		Size:  uint64(len(mem)),
	}
	_, err := ioctlPtr(c.fd, ioctlIOMMUMapDMA, unsafe.Pointer(&m))
	return err
}

func (c *Container) mapErr(iova, n uint64, err error) error {
	pinned := c.mapped.Load()
	switch {
	case errors.Is(err, unix.ENOMEM):
		limit, lerr := memlockLimit()
		if lerr == nil && limit != unix.RLIM_INFINITY && !hasIPCLock() {
			e := memlockError("map DMA", "", limit, n, pinned).(*OpError)
			e.Cause = err
			return e
		}
	case errors.Is(err, unix.ENOSPC):
		return &OpError{Op: "map DMA", Cause: err,
			Detail: "the container reached its limit of DMA mappings (vfio_iommu_type1 dma_entry_limit)",
			Fix:    "allocate fewer, larger chunks, or raise the limit: modprobe vfio_iommu_type1 dma_entry_limit=131072"}
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.EEXIST):
		return &OpError{Op: "map DMA", Cause: err,
			Detail: fmt.Sprintf("IOVA %#x+%#x is outside the usable ranges %#x, misaligned or already mapped", iova, n, c.ranges)}
	}
	return &OpError{Op: "map DMA", Cause: err, Detail: fmt.Sprintf("IOVA %#x+%#x", iova, n)}
}

// Unmap implements dma.Mapper with VFIO_IOMMU_UNMAP_DMA (only forgetting
// the mapping while no IOMMU is set).
func (c *Container) Unmap(iova, n uint64) error {
	c.mapMu.Lock()
	defer c.mapMu.Unlock()
	mem, ok := c.maps[iova]
	if !ok || uint64(len(mem)) != n {
		return &OpError{Op: "unmap DMA", Detail: fmt.Sprintf("IOVA %#x+%#x was not mapped as one piece", iova, n)}
	}
	delete(c.maps, iova)
	if !c.active {
		return nil
	}
	var done uint64
	var err error
	if c.ifd >= 0 {
		done, err = c.ioasUnmapDMA(iova, n)
	} else {
		u := dmaUnmap{Argsz: sizeofDMAUnmap, IOVA: iova, Size: n}
		_, err = ioctlPtr(c.fd, ioctlIOMMUUnmapDMA, unsafe.Pointer(&u))
		done = u.Size
	}
	if err != nil {
		return &OpError{Op: "unmap DMA", Cause: err, Detail: fmt.Sprintf("IOVA %#x+%#x", iova, n)}
	}
	if done != n {
		return &OpError{Op: "unmap DMA", Detail: fmt.Sprintf("IOVA %#x+%#x: the kernel unmapped %#x bytes", iova, n, done)}
	}
	c.mapped.Add(-n)
	return nil
}

// Mapped is the number of bytes currently mapped for DMA in the kernel (0
// while no device is open, whatever the memory holds).
func (c *Container) Mapped() uint64 { return c.mapped.Load() }

// Memory is the DMA allocator over this container's IOVA ranges, shared by
// all its devices. It exists before the first device opens (see Container).
func (c *Container) Memory() *dma.Memory { return c.mem }

// IOMMUInfo is what VFIO_IOMMU_GET_INFO reported, refreshed each time a group
// joins.
func (c *Container) IOMMUInfo() IOMMUInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info
}

// IOMMUType is "type1v2" or "type1" (the group path's IOMMU), or
// "iommufd"; empty while no device is open.
func (c *Container) IOMMUType() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.ext {
	case extType1v2IOMMU:
		return "type1v2"
	case extType1IOMMU:
		return "type1"
	case extIOMMUFD:
		return "iommufd"
	}
	return ""
}

// Backend is the interface the container's devices opened through
// (BackendIOMMUFD or BackendGroup), fixed by its first device;
// BackendAuto before one opened.
func (c *Container) Backend() Backend {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.backend
}

// Close closes every device still open in the container (see Device.Close),
// unmaps and frees all DMA memory, detaches and closes the groups, and closes
// the container. Buffers from Memory must not be touched afterwards.
func (c *Container) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return &OpError{Op: "close container", Err: pci.ErrClosed}
	}
	c.closed = true
	devs := make([]*Device, 0, len(c.devices))
	for d := range c.devices {
		devs = append(devs, d)
	}
	c.mu.Unlock()

	var errs []error
	for _, d := range devs {
		if err := d.release(); err != nil {
			errs = append(errs, err)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.mem.Close(); err != nil {
		errs = append(errs, err)
	}
	for n, g := range c.groups {
		if _, err := ioctlVal(g.fd, ioctlGroupUnsetCont, 0); err != nil {
			errs = append(errs, &OpError{Op: "close container", Cause: err, Detail: fmt.Sprintf("VFIO_GROUP_UNSET_CONTAINER on group %d", n)})
		}
		_ = unix.Close(g.fd)
		delete(c.groups, n)
	}
	c.closeIOAS()
	c.mapMu.Lock()
	c.ext, c.active = 0, false
	c.mapped.Store(0)
	c.mapMu.Unlock()
	if c.fd >= 0 {
		_ = unix.Close(c.fd)
		c.fd = -1
	}
	return errors.Join(errs...)
}

// forget drops d from the device set (d closed itself); its group leaves
// the container when d was its last open device.
func (c *Container) forget(d *Device) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.devices[d]; !ok {
		return
	}
	delete(c.devices, d)
	if d.group < 0 {
		// iommufd: the last device out closes the IOAS, which drops
		// every mapping as the last group leaving a container does.
		if len(c.devices) == 0 {
			c.closeIOAS()
		}
		return
	}
	if g := c.groups[d.group]; g != nil {
		g.users--
		c.leaveIdle(g)
	}
}

// Open opens the PCI function addr (e.g. "0000:00:02.0") through VFIO: it
// checks in sysfs that the IOMMU is on, the device is bound to vfio-pci and
// its group is viable, checks RLIMIT_MEMLOCK (and hugepages) against
// opts.DMABytes, opens the group and the container, and returns the device
// with its regions and interrupts described. Each failure is an *OpError
// that says what to do.
func Open(addr string, opts Options) (*Device, error) {
	if opts.Container != nil {
		return opts.Container.Open(addr)
	}
	c := NewContainer(opts)
	d, err := c.open(addr, true)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return d, nil
}
