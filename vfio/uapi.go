package vfio

// The VFIO user ABI, from include/uapi/linux/vfio.h (Linux 6.1). Every ioctl is
// _IO(';', 100+n) = 0x3B64+n: VFIO puts the argument size in argsz instead of
// the request number. golang.org/x/sys/unix defines none of them.

const (
	apiVersion = 0 // VFIO_API_VERSION

	// Extensions (VFIO_CHECK_EXTENSION arguments) and IOMMU types.
	extType1IOMMU   = 1 // VFIO_TYPE1_IOMMU
	extType1v2IOMMU = 3 // VFIO_TYPE1v2_IOMMU
	extDMACC        = 4 // VFIO_DMA_CC_IOMMU
	extUnmapAll     = 9 // VFIO_UNMAP_ALL

	// extIOMMUFD marks a container on the iommufd path (not a VFIO
	// extension number).
	extIOMMUFD = -1
)

// ioctl request numbers: _IO(VFIO_TYPE=';', VFIO_BASE=100 + n).
const (
	ioctlBase = 0x3B00 + 100

	ioctlGetAPIVersion     = ioctlBase + 0  // VFIO_GET_API_VERSION (container)
	ioctlCheckExtension    = ioctlBase + 1  // VFIO_CHECK_EXTENSION (container)
	ioctlSetIOMMU          = ioctlBase + 2  // VFIO_SET_IOMMU (container)
	ioctlGroupGetStatus    = ioctlBase + 3  // VFIO_GROUP_GET_STATUS
	ioctlGroupSetContainer = ioctlBase + 4  // VFIO_GROUP_SET_CONTAINER
	ioctlGroupUnsetCont    = ioctlBase + 5  // VFIO_GROUP_UNSET_CONTAINER
	ioctlGroupGetDeviceFD  = ioctlBase + 6  // VFIO_GROUP_GET_DEVICE_FD
	ioctlDeviceGetInfo     = ioctlBase + 7  // VFIO_DEVICE_GET_INFO
	ioctlDeviceRegionInfo  = ioctlBase + 8  // VFIO_DEVICE_GET_REGION_INFO
	ioctlDeviceIRQInfo     = ioctlBase + 9  // VFIO_DEVICE_GET_IRQ_INFO
	ioctlDeviceSetIRQs     = ioctlBase + 10 // VFIO_DEVICE_SET_IRQS
	ioctlDeviceReset       = ioctlBase + 11 // VFIO_DEVICE_RESET
	ioctlIOMMUGetInfo      = ioctlBase + 12 // VFIO_IOMMU_GET_INFO (container)
	ioctlIOMMUMapDMA       = ioctlBase + 13 // VFIO_IOMMU_MAP_DMA (container)
	ioctlIOMMUUnmapDMA     = ioctlBase + 14 // VFIO_IOMMU_UNMAP_DMA (container)
)

// struct vfio_group_status.
type groupStatus struct {
	Argsz uint32
	Flags uint32
}

const (
	groupFlagsViable       = 1 << 0 // VFIO_GROUP_FLAGS_VIABLE
	groupFlagsContainerSet = 1 << 1 // VFIO_GROUP_FLAGS_CONTAINER_SET
)

// struct vfio_device_info (with the trailing pad newer headers declare).
type deviceInfo struct {
	Argsz      uint32
	Flags      uint32
	NumRegions uint32
	NumIRQs    uint32
	CapOffset  uint32
	_          uint32
}

const (
	deviceFlagsReset = 1 << 0 // VFIO_DEVICE_FLAGS_RESET
	deviceFlagsPCI   = 1 << 1 // VFIO_DEVICE_FLAGS_PCI
)

// struct vfio_region_info.
type regionInfo struct {
	Argsz     uint32
	Flags     uint32
	Index     uint32
	CapOffset uint32
	Size      uint64
	Offset    uint64
}

const (
	regionFlagRead  = 1 << 0 // VFIO_REGION_INFO_FLAG_READ
	regionFlagWrite = 1 << 1 // VFIO_REGION_INFO_FLAG_WRITE
	regionFlagMmap  = 1 << 2 // VFIO_REGION_INFO_FLAG_MMAP
	regionFlagCaps  = 1 << 3 // VFIO_REGION_INFO_FLAG_CAPS

	regionCapSparseMmap   = 1 // VFIO_REGION_INFO_CAP_SPARSE_MMAP
	regionCapType         = 2 // VFIO_REGION_INFO_CAP_TYPE
	regionCapMSIXMappable = 3 // VFIO_REGION_INFO_CAP_MSIX_MAPPABLE
)

// vfio-pci fixed region indices (VFIO_PCI_*_REGION_INDEX).
const (
	regionBAR0   = 0
	regionROM    = 6
	regionConfig = 7
	regionVGA    = 8
	numPCIRegion = 9
)

// struct vfio_irq_info.
type irqInfo struct {
	Argsz uint32
	Flags uint32
	Index uint32
	Count uint32
}

const (
	irqInfoEventfd    = 1 << 0 // VFIO_IRQ_INFO_EVENTFD
	irqInfoMaskable   = 1 << 1 // VFIO_IRQ_INFO_MASKABLE
	irqInfoAutomasked = 1 << 2 // VFIO_IRQ_INFO_AUTOMASKED
	irqInfoNoResize   = 1 << 3 // VFIO_IRQ_INFO_NORESIZE
)

// struct vfio_irq_set, without its flexible data[] tail; setIRQs appends it.
type irqSet struct {
	Argsz uint32
	Flags uint32
	Index uint32
	Start uint32
	Count uint32
}

const (
	irqSetDataNone      = 1 << 0 // VFIO_IRQ_SET_DATA_NONE
	irqSetDataBool      = 1 << 1 // VFIO_IRQ_SET_DATA_BOOL
	irqSetDataEventfd   = 1 << 2 // VFIO_IRQ_SET_DATA_EVENTFD
	irqSetActionMask    = 1 << 3 // VFIO_IRQ_SET_ACTION_MASK
	irqSetActionUnmask  = 1 << 4 // VFIO_IRQ_SET_ACTION_UNMASK
	irqSetActionTrigger = 1 << 5 // VFIO_IRQ_SET_ACTION_TRIGGER
)

// struct vfio_iommu_type1_info (with the trailing pad newer headers declare).
type iommuInfo struct {
	Argsz       uint32
	Flags       uint32
	IOVAPgsizes uint64
	CapOffset   uint32
	_           uint32
}

const (
	iommuInfoPgsizes = 1 << 0 // VFIO_IOMMU_INFO_PGSIZES
	iommuInfoCaps    = 1 << 1 // VFIO_IOMMU_INFO_CAPS

	iommuCapIOVARange = 1 // VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE
	iommuCapMigration = 2 // VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION
	iommuCapDMAAvail  = 3 // VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL
)

// struct vfio_iommu_type1_dma_map.
type dmaMap struct {
	Argsz uint32
	Flags uint32
	Vaddr uint64
	IOVA  uint64
	Size  uint64
}

const (
	dmaMapFlagRead  = 1 << 0 // VFIO_DMA_MAP_FLAG_READ
	dmaMapFlagWrite = 1 << 1 // VFIO_DMA_MAP_FLAG_WRITE
)

// struct vfio_iommu_type1_dma_unmap, without its data[] tail.
type dmaUnmap struct {
	Argsz uint32
	Flags uint32
	IOVA  uint64
	Size  uint64
}

// Sizes of the fixed parts, checked against unsafe.Sizeof in uapi_test.go.
const (
	sizeofGroupStatus = 8
	sizeofDeviceInfo  = 24
	sizeofRegionInfo  = 32
	sizeofIRQInfo     = 16
	sizeofIRQSet      = 20
	sizeofIOMMUInfo   = 24
	sizeofDMAMap      = 32
	sizeofDMAUnmap    = 24
	sizeofCapHeader   = 8 // struct vfio_info_cap_header {u16 id; u16 version; u32 next}
)
