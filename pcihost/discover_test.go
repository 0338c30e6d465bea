package pcihost

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/hw/pci"
)

// fakeFn describes one function of a fake sysfs tree.
type fakeFn struct {
	addr, vendor, device, class, subVendor, subDevice string
	driver, override                                  string
	group                                             int // -1: no IOMMU
	ifaces                                            []fakeIf
}

type fakeIf struct {
	name, flags, oper string
	index             int
	child             string // e.g. "virtio0": interface under a child device
}

// writeSysfs builds the parts of sysfs that discovery reads, laid out as the
// kernel does (Documentation/ABI/testing/sysfs-bus-pci, sysfs-kernel-iommu_groups).
func writeSysfs(t testing.TB, fns []fakeFn) string {
	t.Helper()
	root := t.TempDir()
	w := func(p, s string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ln := func(target, p string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range fns {
		d := filepath.Join(root, "bus", "pci", "devices", f.addr)
		w(filepath.Join(d, "vendor"), "0x"+f.vendor)
		w(filepath.Join(d, "device"), "0x"+f.device)
		w(filepath.Join(d, "class"), "0x"+f.class)
		w(filepath.Join(d, "subsystem_vendor"), "0x"+f.subVendor)
		w(filepath.Join(d, "subsystem_device"), "0x"+f.subDevice)
		w(filepath.Join(d, "irq"), "11")
		w(filepath.Join(d, "resource"), "0x00000000febc0000 0x00000000febdffff 0x0000000000040200")
		ov := f.override
		if ov == "" {
			ov = "(null)"
		}
		w(filepath.Join(d, "driver_override"), ov)
		if f.driver != "" {
			drv := filepath.Join(root, "bus", "pci", "drivers", f.driver)
			os.MkdirAll(drv, 0o755)
			ln(filepath.Join("..", "..", "..", "bus", "pci", "drivers", f.driver), filepath.Join(d, "driver"))
		}
		if f.group >= 0 {
			g := filepath.Join(root, "kernel", "iommu_groups", strconv.Itoa(f.group))
			ln(g, filepath.Join(d, "iommu_group"))
			ln(d, filepath.Join(g, "devices", f.addr))
		}
		for _, i := range f.ifaces {
			nd := filepath.Join(d, i.child, "net", i.name)
			w(filepath.Join(nd, "flags"), i.flags)
			w(filepath.Join(nd, "operstate"), i.oper)
			w(filepath.Join(nd, "ifindex"), strconv.Itoa(i.index))
		}
	}
	return root
}

// netFunc is a one-function NetState.
type netFunc func() (NetSnapshot, error)

func (f netFunc) Snapshot() (NetSnapshot, error) { return f() }

var guestTree = []fakeFn{
	{addr: "0000:00:00.0", vendor: "8086", device: "29c0", class: "060000", subVendor: "1af4", subDevice: "1100", group: 0},
	{addr: "0000:00:02.0", vendor: "8086", device: "100e", class: "020000", subVendor: "8086", subDevice: "001e",
		driver: "e1000", group: 1, ifaces: []fakeIf{{name: "eth0", flags: "0x1003", oper: "up", index: 2}}},
	{addr: "0000:00:03.0", vendor: "8086", device: "10d3", class: "020000", subVendor: "8086", subDevice: "0000",
		driver: "vfio-pci", override: "vfio-pci", group: 2},
	{addr: "0000:00:04.0", vendor: "8086", device: "100e", class: "020000", subVendor: "8086", subDevice: "001e",
		driver: "e1000", group: 2, ifaces: []fakeIf{{name: "eth1", flags: "0x1002", oper: "down", index: 3}}},
	{addr: "0000:00:05.0", vendor: "1af4", device: "1041", class: "020000", subVendor: "1af4", subDevice: "1100",
		driver: "virtio-pci", group: -1, ifaces: []fakeIf{{name: "eth2", flags: "0x1003", oper: "up", index: 4, child: "virtio0"}}},
}

var guestNet = NetSnapshot{
	Addrs:  map[int][]netip.Prefix{2: {netip.MustParsePrefix("198.18.0.1/24")}, 3: {netip.MustParsePrefix("198.18.1.1/24")}},
	Routes: map[int][]netip.Prefix{2: {netip.MustParsePrefix("198.18.0.0/24")}},
}

func TestDiscoverFakeSysfs(t *testing.T) {
	root := writeSysfs(t, guestTree)
	d := &Discovery{Sysfs: root, PCIIDs: "testdata/pci.ids", Net: netFunc(func() (NetSnapshot, error) { return guestNet, nil }), Dev: t.TempDir()}
	devs, err := d.Devices()
	if err != nil {
		t.Fatal(err)
	}
	// The function bound to vfio-pci can use the group API; iommufd is
	// missing (no /dev/iommu in the empty /dev, or a kernel older than
	// 6.6 on the host: which one depends on the host, so only its
	// presence is checked here; vfio's tests check the texts).
	if len(devs) > 2 {
		if !strings.Contains(devs[2].NoIOMMUFD, "iommufd") {
			t.Errorf("vfio-pci function: NoIOMMUFD %q", devs[2].NoIOMMUFD)
		}
		devs[2].NoIOMMUFD = ""
	}
	want := []Device{
		{Addr: "0000:00:00.0", ID: pci.ID{Vendor: 0x8086, Device: 0x29c0}, Subsystem: pci.ID{Vendor: 0x1af4, Device: 0x1100}, Vendor: "8086", Product: "29c0",
			Class: 0x060000, ClassName: "Host bridge", VendorName: "Intel Corporation",
			DeviceName: "82G33/G31/P35/P31 Express DRAM Controller", IOMMUGroup: 0},
		{Addr: "0000:00:02.0", ID: pci.ID{Vendor: 0x8086, Device: 0x100e}, Subsystem: pci.ID{Vendor: 0x8086, Device: 0x001e}, Vendor: "8086", Product: "100e",
			Class: 0x020000, ClassName: "Ethernet controller", VendorName: "Intel Corporation",
			DeviceName: "82540EM Gigabit Ethernet Controller", Driver: "e1000", IOMMUGroup: 1,
			Interfaces: []Interface{{Name: "eth0", Index: 2, Up: true, OperState: "up",
				Addrs: guestNet.Addrs[2], Routes: guestNet.Routes[2]}}},
		{Addr: "0000:00:03.0", ID: pci.ID{Vendor: 0x8086, Device: 0x10d3}, Subsystem: pci.ID{Vendor: 0x8086, Device: 0}, Vendor: "8086", Product: "10d3",
			Class: 0x020000, ClassName: "Ethernet controller", VendorName: "Intel Corporation",
			DeviceName: "82574L Gigabit Network Connection", Driver: "vfio-pci", Override: "vfio-pci", IOMMUGroup: 2,
			GroupPeers: []Peer{{Addr: "0000:00:04.0", Driver: "e1000"}}, VFIO: []string{"group"}},
		{Addr: "0000:00:04.0", ID: pci.ID{Vendor: 0x8086, Device: 0x100e}, Subsystem: pci.ID{Vendor: 0x8086, Device: 0x001e}, Vendor: "8086", Product: "100e",
			Class: 0x020000, ClassName: "Ethernet controller", VendorName: "Intel Corporation",
			DeviceName: "82540EM Gigabit Ethernet Controller", Driver: "e1000", IOMMUGroup: 2,
			GroupPeers: []Peer{{Addr: "0000:00:03.0", Driver: "vfio-pci"}},
			Interfaces: []Interface{{Name: "eth1", Index: 3, Up: false, OperState: "down", Addrs: guestNet.Addrs[3]}}},
		{Addr: "0000:00:05.0", ID: pci.ID{Vendor: 0x1af4, Device: 0x1041}, Subsystem: pci.ID{Vendor: 0x1af4, Device: 0x1100}, Vendor: "1af4", Product: "1041",
			Class: 0x020000, ClassName: "Ethernet controller", VendorName: "Red Hat, Inc.",
			DeviceName: "Virtio 1.0 network device", Driver: "virtio-pci", IOMMUGroup: -1,
			Interfaces: []Interface{{Name: "eth2", Index: 4, Up: true, OperState: "up"}}},
	}
	if !reflect.DeepEqual(devs, want) {
		for i := range max(len(devs), len(want)) {
			if i >= len(devs) || i >= len(want) || !reflect.DeepEqual(devs[i], want[i]) {
				t.Errorf("device %d:\n got %+v\nwant %+v", i, at(devs, i), at(want, i))
			}
		}
	}
	// In use: eth0 is up with an address; eth1 has one but is down; eth2 is
	// up with nothing.
	for i, wantUse := range []bool{false, true, false, false, false} {
		if got := len(devs[i].InUse()) > 0; got != wantUse {
			t.Errorf("%s InUse = %v, want %v", devs[i].Addr, got, wantUse)
		}
	}
	if got, want := devs[1].Interfaces[0].Why(), "eth0 is up with address 198.18.0.1/24 and route 198.18.0.0/24"; got != want {
		t.Errorf("Why = %q, want %q", got, want)
	}
}

func at(d []Device, i int) any {
	if i < len(d) {
		return d[i]
	}
	return "(none)"
}

func TestDiscoverWithoutNames(t *testing.T) {
	root := writeSysfs(t, guestTree[1:2])
	d := &Discovery{Sysfs: root, PCIIDs: filepath.Join(t.TempDir(), "missing.ids"),
		Net: netFunc(func() (NetSnapshot, error) { return NetSnapshot{}, nil })}
	dev, err := d.Device("00:02.0")
	if err != nil {
		t.Fatal(err)
	}
	// Without pci.ids: no vendor or device names; u-root's class table names
	// the class.
	if dev.VendorName != "" || dev.DeviceName != "" || dev.ClassName != "NetworkEthernet" {
		t.Errorf("names = %q %q %q, want empty, empty, NetworkEthernet", dev.VendorName, dev.DeviceName, dev.ClassName)
	}
	if dev.Interfaces[0].InUse() {
		t.Errorf("eth0 without addresses or routes is in use")
	}
}

func TestDiscoverErrors(t *testing.T) {
	root := writeSysfs(t, guestTree[:2])
	netErr := errors.New("netlink: operation not permitted")
	tests := []struct {
		name string
		d    *Discovery
		addr string
		is   error
		text string
	}{
		{"missing device", &Discovery{Sysfs: root, NoNames: true}, "0000:00:09.0", ErrNoDevice,
			"pci: discover 0000:00:09.0: no such device: open " + root + "/bus/pci/devices/0000:00:09.0/vendor: no such file or directory; list the machine's functions with vfio-bind list"},
		{"bad address", &Discovery{Sysfs: root, NoNames: true}, "0000:00:2g.0", ErrBadAddr,
			"pci: parse 0000:00:2g.0: malformed PCI address; write it as 0000:00:02.0 (domain:bus:device.function, hex) as vfio-bind list shows"},
		{"netlink fails", &Discovery{Sysfs: root, NoNames: true, Net: netFunc(func() (NetSnapshot, error) { return NetSnapshot{}, netErr })},
			"0000:00:02.0", netErr,
			"pci: discover: reading interface addresses and routes over netlink: netlink: operation not permitted; run on Linux with rtnetlink available"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.d.Device(tt.addr)
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			if err.Error() != tt.text {
				t.Errorf("message\n got %q\nwant %q", err.Error(), tt.text)
			}
		})
	}
	if _, err := (&Discovery{Sysfs: t.TempDir()}).Devices(); !errors.Is(err, ErrNoDevice) {
		t.Errorf("empty sysfs: err = %v, want ErrNoDevice", err)
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0000:00:02.0", "0000:00:02.0"},
		{"00:02.0", "0000:00:02.0"},
		{" 0000:AF:1F.7\n", "0000:af:1f.7"},
		{"ffff:ff:1f.7", "ffff:ff:1f.7"},
		{"0000:00:20.0", ""}, // device > 31
		{"0000:00:02.8", ""}, // function > 7
		{"0000:00:02", ""},
		{"000:00:02.0", ""},
		{"0000:00:02.0.1", ""},
		{"", ""},
		{"x", ""},
	}
	for _, tt := range tests {
		got, err := ParseAddr(tt.in)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err != nil && !errors.Is(err, ErrBadAddr) {
			t.Errorf("ParseAddr(%q) error %v is not ErrBadAddr", tt.in, err)
		}
	}
}

func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"0000:00:02.0", "00:1f.7", "ffff:ff:1f.7", ":::", "0000:00:02.", "0:0:0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddr(s)
		if err != nil {
			return
		}
		// A parsed address is canonical: parsing it again is the identity.
		if b, err := ParseAddr(a); err != nil || b != a || len(a) != 12 {
			t.Fatalf("ParseAddr(%q) = %q, reparse %q %v", s, a, b, err)
		}
	})
}
