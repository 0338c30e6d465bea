package vfio

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/pci"
	"golang.org/x/sys/unix"
)

// Device is a PCI function opened through VFIO. It implements pci.Function:
// config space through the config region, memory BARs mmap'ed through the
// device fd, DMA memory from its container, interrupts as eventfds.
//
// Methods are safe for concurrent use, except that one IRQ must have one
// waiter at a time.
type Device struct {
	c     *Container
	addr  string
	fd    int
	group int  // IOMMU group number; -1 on the iommufd path
	owned bool // the device closes its private container

	flags   uint32 // VFIO_DEVICE_FLAGS_*
	regions []RegionInfo
	irqs    [3]irqInfo // INTx, MSI, MSI-X
	id, sub pci.ID
	class   uint32

	mu      sync.Mutex
	bars    [6]*bar
	irqKind pci.IRQKind
	vectors []*IRQ
	closed  bool
}

var _ pci.Function = (*Device)(nil)

// newDevice reads the device's info, regions and interrupt kinds.
func newDevice(c *Container, addr string, fd int, owned bool) (*Device, error) {
	d := &Device{c: c, addr: addr, fd: fd, owned: owned}
	info := deviceInfo{Argsz: sizeofDeviceInfo}
	if _, err := ioctlPtr(fd, ioctlDeviceGetInfo, unsafe.Pointer(&info)); err != nil {
		return nil, &OpError{Op: "open", Addr: addr, Cause: err, Detail: "VFIO_DEVICE_GET_INFO failed"}
	}
	if info.Flags&deviceFlagsPCI == 0 || info.NumRegions <= regionConfig {
		return nil, &OpError{Op: "open", Addr: addr, Err: ErrNotBound,
			Detail: fmt.Sprintf("VFIO device flags %#x, %d regions: not a vfio-pci device", info.Flags, info.NumRegions)}
	}
	d.flags = info.Flags
	for i := 0; i < int(min(info.NumRegions, numPCIRegion)); i++ {
		idx := uint32(i)
		buf, err := infoWithCaps(fd, ioctlDeviceRegionInfo, sizeofRegionInfo, func(b []byte) { le.PutUint32(b[8:], idx) })
		if i == regionVGA && errors.Is(err, unix.EINVAL) {
			// vfio-pci answers EINVAL for the VGA region of a device
			// that is not a VGA controller: it does not exist.
			d.regions = append(d.regions, RegionInfo{Index: i})
			continue
		}
		if err != nil {
			return nil, &OpError{Op: "open", Addr: addr, Cause: err, Detail: fmt.Sprintf("VFIO_DEVICE_GET_REGION_INFO(%d) failed", i)}
		}
		r, err := parseRegionInfo(buf)
		if err != nil {
			return nil, &OpError{Op: "open", Addr: addr, Err: ErrMalformed, Cause: err, Detail: fmt.Sprintf("region %d", i)}
		}
		d.regions = append(d.regions, r)
	}
	for k := range d.irqs {
		if uint32(k) >= info.NumIRQs {
			break
		}
		q := irqInfo{Argsz: sizeofIRQInfo, Index: uint32(k)}
		if _, err := ioctlPtr(fd, ioctlDeviceIRQInfo, unsafe.Pointer(&q)); err != nil {
			return nil, &OpError{Op: "open", Addr: addr, Cause: err, Detail: fmt.Sprintf("VFIO_DEVICE_GET_IRQ_INFO(%s) failed", pci.IRQKind(k))}
		}
		d.irqs[k] = q
	}
	var hdr [0x30]byte
	if err := d.ReadConfig(0, hdr[:]); err != nil {
		return nil, err
	}
	d.id = pci.ID{Vendor: le.Uint16(hdr[pci.CfgVendorID:]), Device: le.Uint16(hdr[pci.CfgVendorID+2:])}
	d.sub = pci.ID{Vendor: le.Uint16(hdr[pci.CfgSubVendor:]), Device: le.Uint16(hdr[pci.CfgSubDevice:])}
	d.class = uint32(hdr[pci.CfgClass]) | uint32(hdr[pci.CfgClass+1])<<8 | uint32(hdr[pci.CfgClass+2])<<16
	return d, nil
}

// Addr implements pci.Function.
func (d *Device) Addr() string { return d.addr }

// ID implements pci.Function.
func (d *Device) ID() pci.ID { return d.id }

// SubsystemID implements pci.Function.
func (d *Device) SubsystemID() pci.ID { return d.sub }

// Class implements pci.Function.
func (d *Device) Class() uint32 { return d.class }

// Container is the container the device lives in.
func (d *Device) Container() *Container { return d.c }

// Regions describes the device's regions (BAR0-5, ROM, config, VGA).
func (d *Device) Regions() []RegionInfo { return append([]RegionInfo(nil), d.regions...) }

// CanReset reports whether the kernel has a reset method for the device.
func (d *Device) CanReset() bool { return d.flags&deviceFlagsReset != 0 }

// ReadConfig implements pci.Function: a pread on the config region.
func (d *Device) ReadConfig(off int, b []byte) error {
	return d.configIO("read config", off, b, unix.Pread)
}

// WriteConfig implements pci.Function: a pwrite on the config region. vfio-pci
// virtualizes parts of config space (BARs, MSI/MSI-X capabilities, INTx
// disable); writes there change the virtual view only.
func (d *Device) WriteConfig(off int, b []byte) error {
	return d.configIO("write config", off, b, unix.Pwrite)
}

func (d *Device) configIO(op string, off int, b []byte, io func(int, []byte, int64) (int, error)) error {
	r := d.regions[regionConfig]
	if off < 0 || uint64(off)+uint64(len(b)) > r.Size {
		return &OpError{Op: op, Addr: d.addr, Detail: fmt.Sprintf("[%#x,+%d) outside the %#x-byte config space", off, len(b), r.Size)}
	}
	for done := 0; done < len(b); {
		n, err := io(d.fd, b[done:], int64(r.Offset)+int64(off+done))
		if err != nil {
			return &OpError{Op: op, Addr: d.addr, Cause: err, Detail: fmt.Sprintf("at %#x", off+done)}
		}
		if n == 0 {
			return &OpError{Op: op, Addr: d.addr, Detail: fmt.Sprintf("short access at %#x", off+done)}
		}
		done += n
	}
	return nil
}

// DMA implements pci.Function: the container's memory, mapped through the
// IOMMU at IOVAs from the ranges VFIO_IOMMU_GET_INFO reported.
func (d *Device) DMA() dma.Allocator { return d.c.Memory() }

// Reset implements pci.Function with VFIO_DEVICE_RESET (FLR, PM or bus reset,
// whichever the kernel found).
func (d *Device) Reset() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return &OpError{Op: "reset", Addr: d.addr, Err: pci.ErrClosed}
	}
	if !d.CanReset() {
		return &OpError{Op: "reset", Addr: d.addr, Err: pci.ErrNotSupports,
			Detail: "the kernel found no reset method (no FLR, no PM reset, no slot or bus reset) for this device",
			Fix:    "reset the device through its own registers (e.g. a control-register reset bit)"}
	}
	if _, err := ioctlVal(d.fd, ioctlDeviceReset, 0); err != nil {
		return &OpError{Op: "reset", Addr: d.addr, Cause: err, Detail: "VFIO_DEVICE_RESET failed"}
	}
	return nil
}

// Close implements pci.Function. In order: interrupts off (eventfds closed),
// bus mastering off (the device stops DMA), BARs unmapped, then, when the
// device owns its container, DMA memory unmapped; the device fd closes; the
// group leaves the container if no other device of it is open (so another
// process can open the device); a private container closes last. In a
// shared container the DMA memory lives until Container.Close.
func (d *Device) Close() error {
	err := d.release()
	d.c.forget(d)
	if d.owned && !errors.Is(err, pci.ErrClosed) {
		if cerr := d.c.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}
	return err
}

// release quiesces the device and closes its fd; the container stays.
func (d *Device) release() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return &OpError{Op: "close", Addr: d.addr, Err: pci.ErrClosed}
	}
	var errs []error
	if d.vectors != nil {
		errs = append(errs, d.disableIRQsLocked())
	}
	var cmd [2]byte
	if err := d.ReadConfig(pci.CfgCommand, cmd[:]); err == nil {
		c := le.Uint16(cmd[:]) &^ pci.CmdBusMaster
		le.PutUint16(cmd[:], c)
		errs = append(errs, d.WriteConfig(pci.CfgCommand, cmd[:]))
	}
	for i, b := range d.bars {
		if b != nil {
			errs = append(errs, b.unmap())
			d.bars[i] = nil
		}
	}
	if d.owned {
		errs = append(errs, d.c.Memory().Close())
	}
	if err := unix.Close(d.fd); err != nil {
		errs = append(errs, &OpError{Op: "close", Addr: d.addr, Cause: err})
	}
	d.closed = true
	return errors.Join(errs...)
}

// Backend is the interface the device was opened through.
func (d *Device) Backend() Backend {
	if d.group < 0 {
		return BackendIOMMUFD
	}
	return BackendGroup
}
