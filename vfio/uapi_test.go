package vfio

import (
	"testing"
	"unsafe"
)

// The structs must match linux/vfio.h byte for byte; the parsers use these
// offsets as literals.
func TestUAPILayout(t *testing.T) {
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof vfio_group_status", unsafe.Sizeof(groupStatus{}), sizeofGroupStatus},
		{"sizeof vfio_device_info", unsafe.Sizeof(deviceInfo{}), sizeofDeviceInfo},
		{"sizeof vfio_region_info", unsafe.Sizeof(regionInfo{}), sizeofRegionInfo},
		{"sizeof vfio_irq_info", unsafe.Sizeof(irqInfo{}), sizeofIRQInfo},
		{"sizeof vfio_irq_set", unsafe.Sizeof(irqSet{}), sizeofIRQSet},
		{"sizeof vfio_iommu_type1_info", unsafe.Sizeof(iommuInfo{}), sizeofIOMMUInfo},
		{"sizeof vfio_iommu_type1_dma_map", unsafe.Sizeof(dmaMap{}), sizeofDMAMap},
		{"sizeof vfio_iommu_type1_dma_unmap", unsafe.Sizeof(dmaUnmap{}), sizeofDMAUnmap},
		{"device_info.num_irqs", unsafe.Offsetof(deviceInfo{}.NumIRQs), 12},
		{"device_info.cap_offset", unsafe.Offsetof(deviceInfo{}.CapOffset), 16},
		{"region_info.index", unsafe.Offsetof(regionInfo{}.Index), 8},
		{"region_info.cap_offset", unsafe.Offsetof(regionInfo{}.CapOffset), 12},
		{"region_info.size", unsafe.Offsetof(regionInfo{}.Size), 16},
		{"region_info.offset", unsafe.Offsetof(regionInfo{}.Offset), 24},
		{"irq_set.start", unsafe.Offsetof(irqSet{}.Start), 12},
		{"irq_set.count", unsafe.Offsetof(irqSet{}.Count), 16},
		{"iommu_type1_info.iova_pgsizes", unsafe.Offsetof(iommuInfo{}.IOVAPgsizes), 8},
		{"iommu_type1_info.cap_offset", unsafe.Offsetof(iommuInfo{}.CapOffset), 16},
		{"dma_map.vaddr", unsafe.Offsetof(dmaMap{}.Vaddr), 8},
		{"dma_map.iova", unsafe.Offsetof(dmaMap{}.IOVA), 16},
		{"dma_map.size", unsafe.Offsetof(dmaMap{}.Size), 24},
		{"dma_unmap.iova", unsafe.Offsetof(dmaUnmap{}.IOVA), 8},
		{"dma_unmap.size", unsafe.Offsetof(dmaUnmap{}.Size), 16},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}

// The request numbers are _IO(';', 100+n): 0x3B64+n.
func TestIoctlNumbers(t *testing.T) {
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"VFIO_GET_API_VERSION", ioctlGetAPIVersion, 0x3B64},
		{"VFIO_CHECK_EXTENSION", ioctlCheckExtension, 0x3B65},
		{"VFIO_SET_IOMMU", ioctlSetIOMMU, 0x3B66},
		{"VFIO_GROUP_GET_STATUS", ioctlGroupGetStatus, 0x3B67},
		{"VFIO_GROUP_SET_CONTAINER", ioctlGroupSetContainer, 0x3B68},
		{"VFIO_GROUP_UNSET_CONTAINER", ioctlGroupUnsetCont, 0x3B69},
		{"VFIO_GROUP_GET_DEVICE_FD", ioctlGroupGetDeviceFD, 0x3B6A},
		{"VFIO_DEVICE_GET_INFO", ioctlDeviceGetInfo, 0x3B6B},
		{"VFIO_DEVICE_GET_REGION_INFO", ioctlDeviceRegionInfo, 0x3B6C},
		{"VFIO_DEVICE_GET_IRQ_INFO", ioctlDeviceIRQInfo, 0x3B6D},
		{"VFIO_DEVICE_SET_IRQS", ioctlDeviceSetIRQs, 0x3B6E},
		{"VFIO_DEVICE_RESET", ioctlDeviceReset, 0x3B6F},
		{"VFIO_IOMMU_GET_INFO", ioctlIOMMUGetInfo, 0x3B70},
		{"VFIO_IOMMU_MAP_DMA", ioctlIOMMUMapDMA, 0x3B71},
		{"VFIO_IOMMU_UNMAP_DMA", ioctlIOMMUUnmapDMA, 0x3B72},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.name, tt.got, tt.want)
		}
	}
}
