// Package vfio drives PCI devices from userspace through Linux VFIO (the
// legacy container/group/device API of include/uapi/linux/vfio.h) and
// implements pci.Function for them. It sits in the hw layer: drivers see a
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
// Alternatives we did not take: iommufd (/dev/iommu) lets an IOAS map
// memory before any device is attached, but binding a VFIO device to it
// needs the device cdev (/dev/vfio/devices/vfioN, Linux 6.6); the VM
// lane's guest runs Debian's 6.1. One container per device, with the
// pool's memory mapped into each, would pin the pool once per device
// (memlock charged per container) and give a buffer a different IOVA in
// each, which the shared pool's per-buffer IOVA cannot express.
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
// uapi.go is the kernel ABI (ioctl numbers, structs); caps.go parses the info
// buffers and capability chains; sysfs.go and limits.go are the pre-checks;
// container.go the container, groups and DMA mapping; device.go, bar.go and
// irq.go the device.
//
// # Tests
//
// Unit tests run anywhere: the ABI layout, the info parsers (with fuzz
// targets), every fix-it error against fake sysfs and /dev trees (permission
// and memlock as uid 65534), sparse BARs over a memfd, eventfd IRQs. The VM
// lane (vm_test.go, internal/vmtest) provokes the same conditions for real in
// a QEMU guest with a vIOMMU: not bound, no hugepages, EACCES, memlock (up
// front and ENOMEM from VFIO_IOMMU_MAP_DMA), EBUSY, a non-viable
// multifunction group, no IOMMU; drives an e1000 and an e1000e with
// tools/vfio-probe; runs the TestGuest* tests; and finds each transmitted
// frame in the host-side pcap.
//
// # What it does not do
//
// No iommufd/cdev interface (see Design above), no no-IOMMU mode, no hot reset of a bus
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
