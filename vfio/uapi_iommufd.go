package vfio

// The iommufd user ABI, from include/uapi/linux/iommufd.h (Linux 6.12), and
// the VFIO device cdev's iommufd ioctls from include/uapi/linux/vfio.h.
// iommufd's ioctls are _IO(IOMMUFD_TYPE=';', 0x80+n): like VFIO's, the size
// travels in the struct (its first field), not in the request number.

const (
	iommufdCmdBase = 0x3B00 + 0x80

	ioctlIOMMUDestroy        = iommufdCmdBase + 0 // IOMMU_DESTROY
	ioctlIOMMUIOASAlloc      = iommufdCmdBase + 1 // IOMMU_IOAS_ALLOC
	ioctlIOMMUIOASIOVARanges = iommufdCmdBase + 4 // IOMMU_IOAS_IOVA_RANGES
	ioctlIOMMUIOASMap        = iommufdCmdBase + 5 // IOMMU_IOAS_MAP
	ioctlIOMMUIOASUnmap      = iommufdCmdBase + 6 // IOMMU_IOAS_UNMAP

	ioctlDeviceBindIOMMUFD   = ioctlBase + 18 // VFIO_DEVICE_BIND_IOMMUFD (device cdev)
	ioctlDeviceAttachIOMMUPT = ioctlBase + 19 // VFIO_DEVICE_ATTACH_IOMMUFD_PT
	ioctlDeviceDetachIOMMUPT = ioctlBase + 20 // VFIO_DEVICE_DETACH_IOMMUFD_PT
)

// struct iommu_destroy.
type iommuDestroy struct {
	Size uint32
	ID   uint32
}

// struct iommu_ioas_alloc.
type ioasAlloc struct {
	Size  uint32
	Flags uint32
	OutID uint32
}

// struct iommu_ioas_iova_ranges; AllowedIOVAs points at NumIOVAs struct
// iommu_iova_range (start, last: two u64 each).
type ioasIOVARanges struct {
	Size             uint32
	IOASID           uint32
	NumIOVAs         uint32
	_                uint32
	AllowedIOVAs     uint64
	OutIOVAAlignment uint64
}

// struct iommu_ioas_map.
type ioasMap struct {
	Size   uint32
	Flags  uint32
	IOASID uint32
	_      uint32
	UserVA uint64
	Length uint64
	IOVA   uint64
}

const (
	ioasMapFixedIOVA = 1 << 0 // IOMMU_IOAS_MAP_FIXED_IOVA
	ioasMapWriteable = 1 << 1 // IOMMU_IOAS_MAP_WRITEABLE
	ioasMapReadable  = 1 << 2 // IOMMU_IOAS_MAP_READABLE
)

// struct iommu_ioas_unmap.
type ioasUnmap struct {
	Size   uint32
	IOASID uint32
	IOVA   uint64
	Length uint64
}

// struct vfio_device_bind_iommufd (6.12: no token; later kernels extend it
// behind a flag, and accept this size).
type deviceBindIOMMUFD struct {
	Argsz    uint32
	Flags    uint32
	IOMMUFD  int32
	OutDevID uint32
}

// struct vfio_device_attach_iommufd_pt (6.12: no pasid).
type deviceAttachPT struct {
	Argsz uint32
	Flags uint32
	PTID  uint32
}

// struct vfio_device_detach_iommufd_pt.
type deviceDetachPT struct {
	Argsz uint32
	Flags uint32
}

// Sizes the kernel expects in size/argsz.
const (
	sizeofIOMMUDestroy      = 8
	sizeofIOASAlloc         = 12
	sizeofIOVARange         = 16
	sizeofIOASIOVARanges    = 32
	sizeofIOASMap           = 40
	sizeofIOASUnmap         = 24
	sizeofDeviceBindIOMMUFD = 16
	sizeofDeviceAttachPT    = 12
	sizeofDeviceDetachPT    = 8
)
