// Package vfio drives PCI devices from userspace through Linux VFIO (the
// legacy container/group/device API of include/uapi/linux/vfio.h, or
// iommufd with the device's character device, include/uapi/linux/iommufd.h)
// and implements pci.Function for them. It sits in the hw layer: drivers see a
// pci.Function and cannot tell a VFIO device from a pcitest fake.
//
// # Where to start
//
// Open opens one device with a private container:
//
//	d, err := vfio.Open("0000:00:02.0", vfio.Options{DMABytes: 8 << 20})
//	regs, err := d.BAR(0)                 // mmap'ed MMIO
//	buf, err := d.DMA().Alloc(4096, 0)    // hugepage memory at an IOMMU address
//	irqs, err := d.EnableIRQs(pci.MSIX, 2) // one eventfd per vector
//
// Several devices share one IOMMU address space (and so one DMA memory, so a
// buffer can go from one NIC to another without a copy) by opening them
// through one Container: c := vfio.NewContainer(opts); c.Open(a); c.Open(b).
//
// A container's memory exists before its first device, and devices come
// and go while it lives (a daemon mounting a NIC into a running stack):
//
//	c := vfio.NewContainer(opts)
//	pool, _ := mbuf.NewPool(c.Memory(), ...) // no device yet: mappings remembered
//	d, _ := c.Open(addr)                      // IOMMU set, the pool mapped
//	d.Close()                                 // group leaves; the kernel drops the IOMMU
//	d, _ = c.Open(addr)                       // set and mapped again
//
// # Design: memory before devices
//
// Legacy VFIO sets a container's IOMMU type only once a group has joined
// (VFIO_SET_IOMMU on a container without groups is EINVAL: "only by adding
// a group to a container does the user get the privilege of enabling the
// iommu", drivers/vfio/container.c) and releases the IOMMU, with every
// mapping, when the last group leaves. So the Container is the dma.Mapper
// of its memory and keeps the list of mappings: while an IOMMU is set,
// Map is VFIO_IOMMU_MAP_DMA at once; while none is, Map only records, and
// the next first group's Open sets the IOMMU and replays the list.
// Memory allocated before any device gets IOVAs from PreDeviceRanges
// (4 GiB to 512 GiB); when the IOMMU's usable ranges are known
// (VFIO_IOMMU_GET_INFO) they replace those (dma.Memory.SetRanges), and a
// chunk outside them fails that Open with dma.ErrRanges. A group leaves
// the container when its last open device closes, so another process (or
// another container) can open the device again.
//
// # Two kernel interfaces: the group API and iommufd
//
// Options.Backend picks how a Container reaches the kernel; the container
// keeps the choice of its first device for all others (a device of a
// group-path container and one of an iommufd container cannot share DMA
// memory). BackendAuto, the default, takes iommufd when IOMMUFDStatus
// finds it usable for that device (Linux 6.6 or newer, /dev/iommu, the
// device's /dev/vfio/devices/vfioN, both openable), else the group API;
// the tools' --vfio flag forces either. On the iommufd path the
// container's first device opens /dev/iommu and allocates one IOAS
// (IOMMU_IOAS_ALLOC); every device opens its cdev, binds it to that
// iommufd (VFIO_DEVICE_BIND_IOMMUFD) and attaches to the IOAS
// (VFIO_DEVICE_ATTACH_IOMMUFD_PT); the usable IOVA ranges come from
// IOMMU_IOAS_IOVA_RANGES (what every attached device's IOMMU allows, less
// reserved regions such as the MSI window), then the remembered mappings
// are made with IOMMU_IOAS_MAP at their fixed IOVAs. Map and Unmap are
// IOMMU_IOAS_MAP/UNMAP. When the last device closes, the iommufd closes,
// dropping the IOAS and its mappings, as the last group leaving a
// container does; regions and interrupts are the same ioctls on the device
// fd on both paths. Debian's kernels (6.1, and the 6.12 backport) are
// built without iommufd; the VM lane tests this path on the 6.12 backport
// with modules scripts/setup.sh builds (internal/vmtest
// KernelBackportsIOMMUFD).
//
// Alternatives we did not take: one IOAS (or one container) per device,
// with the pool's memory mapped into each, would pin the pool once per
// device (memlock charged per mapping) and give a buffer a different IOVA
// in each, which the shared pool's per-buffer IOVA cannot express: so a
// Container is one IOMMU address space on either path, one IOAS on
// iommufd. iommufd also lets an IOAS map memory before any device is
// attached, which would spare the replay; but the IOVA ranges are only
// known once a device is attached, and the group path needs the replay
// anyway, so both paths map at the first device. Letting the kernel pick
// IOVAs (IOMMU_IOAS_MAP without FIXED_IOVA) was not taken either: the
// memory allocator owns the IOVA space so that it is the same whichever
// path a container takes.
//
// Open checks, in the order a user would fix them, that the device exists,
// the kernel has an IOMMU, the device is bound to vfio-pci, its IOMMU group is
// viable, RLIMIT_MEMLOCK covers Options.DMABytes and (when required) enough
// hugepages are free; then it opens /dev/vfio/N and /dev/vfio/vfio, sets the
// type1v2 (else type1) IOMMU, reads the usable IOVA ranges from
// VFIO_IOMMU_GET_INFO's capability chain, makes the mappings the memory
// holds, and gets the device fd. Every
// failure is an *OpError wrapping a sentinel (ErrNoIOMMU, ErrNotBound,
// ErrNotViable, ErrPermission, ErrMemlock, dma.ErrNoHugepages, ...) whose
// message says what to run. Options.SysfsRoot and DevRoot let tests use fake
// trees.
//
// # Files
//
// uapi.go is the kernel ABI (ioctl numbers, structs), uapi_iommufd.go
// iommufd's; caps.go parses the info buffers and capability chains;
// sysfs.go and limits.go are the pre-checks; container.go the container,
// groups and DMA mapping; iommufd.go the iommufd path (backend choice,
// IOMMUFDStatus, IOAS, cdev bind and attach); device.go, bar.go and irq.go
// the device.
//
// # Tests
//
// Unit tests run anywhere: the ABI layout, the info parsers (with fuzz
// targets), every fix-it error against fake sysfs and /dev trees (permission
// and memlock as uid 65534), sparse BARs over a memfd, eventfd IRQs. The VM
// lane (vm_test.go, internal/vmtest) provokes the same conditions for real in
// a QEMU guest with a vIOMMU: not bound, no hugepages, EACCES, memlock (up
// front and ENOMEM from VFIO_IOMMU_MAP_DMA), EBUSY, a non-viable
// multifunction group, no IOMMU, iommufd asked for on 6.1; drives an e1000
// and an e1000e with tools/vfio-probe; runs the TestGuest* tests; and
// finds each transmitted frame in the host-side pcap. TestVMIOMMUFD runs
// the same probe, DMA and interrupt checks over iommufd on the backports
// 6.12 kernel with the built modules, then e1000-test selftest and loop
// and the daemon over --vfio iommufd.
//
// # What it does not do
//
// On the iommufd path: no hardware page table allocation (IOMMU_HWPT_ALLOC:
// nesting, dirty tracking), no PASID attach, no IOMMU_IOAS_ALLOW_IOVAS or
// COPY, and the iommufd compat container (/dev/vfio/vfio served by
// iommufd) is not told apart from the real one. No no-IOMMU mode, no hot reset of a bus
// (VFIO_DEVICE_PCI_HOT_RESET), no migration or dirty tracking, no I/O-port
// BARs, no ROM or VGA regions. MSI-X vectors are enabled as one set; growing
// a set means EnableIRQs again.
//
// # Ownership and coherence
//
// A Device owns its BAR mappings and eventfds; its Container owns the group
// fds, the container fd and the DMA memory. Close order matters and is fixed:
// interrupts off, bus mastering off, BARs unmapped, DMA unmapped, device fd,
// groups, container. Device.Close in a shared container ends with its group
// leaving the container when no other device of the group is open; the DMA
// memory stays (mapped again when a device next opens). A driver must stop the device's DMA (rings disabled)
// before Close; DMA memory must not be touched after the container closes.
// DMA is cache coherent on x86; the doorbell write through pci.Regs (an
// atomic store, a full barrier) orders descriptor stores before it.
package vfio
