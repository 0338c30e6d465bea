package pcihost

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	upci "github.com/u-root/u-root/pkg/pci"

	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/vfio"
)

// Device is what discovery learns about one PCI function from sysfs
// (Documentation/ABI/testing/sysfs-bus-pci).
type Device struct {
	Addr       string      `json:"addr"`
	ID         pci.ID      `json:"-"`
	Subsystem  pci.ID      `json:"-"`
	Vendor     string      `json:"vendor_id"`   // "8086"
	Product    string      `json:"device_id"`   // "100e"
	Class      uint32      `json:"class"`       // 24-bit class code
	ClassName  string      `json:"class_name"`  // "Ethernet controller"
	VendorName string      `json:"vendor_name"` // "" without pci.ids
	DeviceName string      `json:"device_name"` // "" without pci.ids
	Driver     string      `json:"driver"`      // "" when unbound
	Override   string      `json:"override"`    // driver_override, "" when unset
	IOMMUGroup int         `json:"iommu_group"` // -1 without an IOMMU
	GroupPeers []Peer      `json:"group_peers"` // other functions in the group
	Interfaces []Interface `json:"interfaces"`  // Linux network interfaces
	// VFIO lists the interfaces gopkt can open the function through
	// while it is bound to vfio-pci: "iommufd" (/dev/iommu and its
	// /dev/vfio/devices/vfioN) and "group" (/dev/vfio/N); empty otherwise.
	VFIO []string `json:"vfio"`
	// NoIOMMUFD says why a function bound to vfio-pci cannot use iommufd
	// (vfio.IOMMUFDStatus: kernel, module, cdev, permission).
	NoIOMMUFD string `json:"iommufd_unavailable,omitempty"`
}

// Peer is another function in a device's IOMMU group.
type Peer struct {
	Addr   string `json:"addr"`
	Driver string `json:"driver"`
}

// IsNetwork reports whether the class is a network controller (base class
// 0x02, PCI Code and ID Assignment Specification §1.3).
func (d *Device) IsNetwork() bool { return d.Class>>16 == 0x02 }

// InUse returns the interfaces that are up with addresses or routes.
func (d *Device) InUse() []Interface {
	var out []Interface
	for _, i := range d.Interfaces {
		if i.InUse() {
			out = append(out, i)
		}
	}
	return out
}

// Discovery enumerates PCI functions from sysfs. The zero value reads /sys,
// the system pci.ids and the kernel's routing tables over netlink.
type Discovery struct {
	// Sysfs is where sysfs is mounted ("/sys" when empty); tests point it at a
	// fake tree.
	Sysfs string
	// PCIIDs is the pci.ids file for vendor and device names; empty searches
	// the usual places (PCIDB_PATH, /usr/share/misc/pci.ids,
	// /usr/share/hwdata/pci.ids). It is never fetched from the network, and
	// names are left empty when there is no file.
	PCIIDs string
	// NoNames skips loading pci.ids (it takes a while under emulation).
	NoNames bool
	// Net reports interface addresses and routes; nil uses Netlink.
	Net NetState
	// Dev is where devtmpfs is mounted ("/dev" when empty), for the VFIO
	// paths of functions bound to vfio-pci.
	Dev string

	namesOnce sync.Once
	names     *names
}

func (d *Discovery) sysfs() string {
	if d.Sysfs == "" {
		return "/sys"
	}
	return d.Sysfs
}

func (d *Discovery) devicesDir() string { return filepath.Join(d.sysfs(), "bus", "pci", "devices") }

// ParseAddr checks a PCI address and returns it in the full
// domain:bus:device.function form; "00:02.0" gets domain 0000.
func ParseAddr(in string) (string, error) {
	s := strings.ToLower(strings.TrimSpace(in))
	if strings.Count(s, ":") == 1 {
		s = "0000:" + s
	}
	var dom, bus, dev, fn uint64
	parts := strings.Split(s, ":")
	bad := &OpError{Op: "parse", Addr: strings.TrimSpace(in), Err: ErrBadAddr, Fix: "write it as 0000:00:02.0 (domain:bus:device.function, hex) as vfio-bind list shows"}
	if len(parts) != 3 || len(parts[0]) != 4 || len(parts[1]) != 2 {
		return "", bad
	}
	devfn := strings.Split(parts[2], ".")
	if len(devfn) != 2 || len(devfn[0]) != 2 || len(devfn[1]) != 1 {
		return "", bad
	}
	var err1, err2, err3, err4 error
	dom, err1 = strconv.ParseUint(parts[0], 16, 16)
	bus, err2 = strconv.ParseUint(parts[1], 16, 8)
	dev, err3 = strconv.ParseUint(devfn[0], 16, 8)
	fn, err4 = strconv.ParseUint(devfn[1], 16, 8)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || dev > 0x1f || fn > 7 {
		return "", bad
	}
	return fmt.Sprintf("%04x:%02x:%02x.%x", dom, bus, dev, fn), nil
}

// Devices returns every PCI function, sorted by address.
func (d *Discovery) Devices() ([]Device, error) {
	ents, err := os.ReadDir(d.devicesDir())
	if err != nil {
		return nil, &OpError{Op: "discover", Err: ErrNoDevice, Cause: err,
			Fix: "mount sysfs on " + d.sysfs() + " (mount -t sysfs sysfs /sys)"}
	}
	var addrs []string
	for _, e := range ents {
		addrs = append(addrs, e.Name())
	}
	sort.Strings(addrs)
	return d.read(addrs)
}

// Device returns one function by address.
func (d *Discovery) Device(addr string) (Device, error) {
	a, err := ParseAddr(addr)
	if err != nil {
		return Device{}, err
	}
	devs, err := d.read([]string{a})
	if err != nil {
		return Device{}, err
	}
	return devs[0], nil
}

// read fills a Device per address, then attaches interface state.
func (d *Discovery) read(addrs []string) ([]Device, error) {
	devs := make([]Device, 0, len(addrs))
	needNet := false
	for _, a := range addrs {
		dev, err := d.readOne(a)
		if err != nil {
			return nil, err
		}
		needNet = needNet || len(dev.Interfaces) > 0
		devs = append(devs, dev)
	}
	if needNet {
		ns := d.Net
		if ns == nil {
			ns = Netlink{}
		}
		snap, err := ns.Snapshot()
		if err != nil {
			return nil, &OpError{Op: "discover", Cause: err, Detail: "reading interface addresses and routes over netlink",
				Fix: "run on Linux with rtnetlink available"}
		}
		for i := range devs {
			for j := range devs[i].Interfaces {
				snap.fill(&devs[i].Interfaces[j])
			}
		}
	}
	return devs, nil
}

func (d *Discovery) readOne(addr string) (Device, error) {
	dir := filepath.Join(d.devicesDir(), addr)
	p, err := upci.OnePCI(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Device{}, &OpError{Op: "discover", Addr: addr, Err: ErrNoDevice, Cause: err,
				Fix: "list the machine's functions with vfio-bind list"}
		}
		return Device{}, &OpError{Op: "discover", Addr: addr, Cause: err, Detail: "reading sysfs attributes"}
	}
	dev := Device{
		Addr:       addr,
		ID:         pci.ID{Vendor: p.Vendor, Device: p.Device},
		Vendor:     fmt.Sprintf("%04x", p.Vendor),
		Product:    fmt.Sprintf("%04x", p.Device),
		Class:      p.Class,
		IOMMUGroup: -1,
	}
	sv, _ := readHex(dir, "subsystem_vendor")
	sd, _ := readHex(dir, "subsystem_device")
	dev.Subsystem = pci.ID{Vendor: uint16(sv), Device: uint16(sd)}
	dev.Driver = linkBase(filepath.Join(dir, "driver"))
	if o, err := os.ReadFile(filepath.Join(dir, "driver_override")); err == nil {
		if s := strings.TrimSpace(string(o)); s != "(null)" {
			dev.Override = s
		}
	}
	if g := linkBase(filepath.Join(dir, "iommu_group")); g != "" {
		if n, err := strconv.Atoi(g); err == nil {
			dev.IOMMUGroup = n
			dev.GroupPeers = d.groupPeers(n, addr)
		}
	}
	dev.Interfaces = readInterfaces(dir)
	d.vfioPaths(&dev)
	d.name(&dev, p.ClassName)
	return dev, nil
}

// vfioPaths fills dev.VFIO for a function bound to vfio-pci.
func (d *Discovery) vfioPaths(dev *Device) {
	if dev.Driver != "vfio-pci" {
		return
	}
	if err := vfio.IOMMUFDStatus(dev.Addr, vfio.Options{SysfsRoot: d.sysfs(), DevRoot: d.Dev}); err != nil {
		dev.NoIOMMUFD = err.Error()
	} else {
		dev.VFIO = append(dev.VFIO, string(vfio.BackendIOMMUFD))
	}
	if dev.IOMMUGroup >= 0 {
		dev.VFIO = append(dev.VFIO, string(vfio.BackendGroup))
	}
}

// groupPeers lists the other members of IOMMU group n and their drivers.
func (d *Discovery) groupPeers(n int, self string) []Peer {
	dir := filepath.Join(d.sysfs(), "kernel", "iommu_groups", strconv.Itoa(n), "devices")
	ents, _ := os.ReadDir(dir)
	var peers []Peer
	for _, e := range ents {
		if e.Name() == self {
			continue
		}
		peers = append(peers, Peer{Addr: e.Name(), Driver: linkBase(filepath.Join(d.devicesDir(), e.Name(), "driver"))})
	}
	return peers
}

// readInterfaces reads the network interfaces registered under a PCI
// function: in its net/ directory, or one level down for drivers that hang
// the interface off a child device (virtio-net: virtio0/net/eth0). It reads
// the index, IFF_UP from flags, and operstate.
func readInterfaces(dir string) []Interface {
	direct, _ := filepath.Glob(filepath.Join(dir, "net", "*"))
	child, _ := filepath.Glob(filepath.Join(dir, "*", "net", "*"))
	for _, c := range child {
		// Only real child devices: symlinks such as physfn (an SR-IOV VF's
		// parent) lead to other functions' interfaces.
		if st, err := os.Lstat(filepath.Dir(filepath.Dir(c))); err == nil && st.IsDir() {
			direct = append(direct, c)
		}
	}
	var out []Interface
	for _, nd := range direct {
		ifc := Interface{Name: filepath.Base(nd)}
		if n, err := readHex(nd, "flags"); err == nil {
			ifc.Up = n&iffUp != 0
		}
		if s, err := os.ReadFile(filepath.Join(nd, "ifindex")); err == nil {
			ifc.Index, _ = strconv.Atoi(strings.TrimSpace(string(s)))
		}
		if s, err := os.ReadFile(filepath.Join(nd, "operstate")); err == nil {
			ifc.OperState = strings.TrimSpace(string(s))
		}
		out = append(out, ifc)
	}
	return out
}

// iffUp is IFF_UP from <linux/if.h>: the interface is administratively up.
const iffUp = 0x1

func readHex(dir, file string) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(string(b)), "0x"), 16, 64)
}

// linkBase returns the last element of a symlink's target ("" if none).
func linkBase(p string) string {
	t, err := os.Readlink(p)
	if err != nil {
		return ""
	}
	return filepath.Base(t)
}
