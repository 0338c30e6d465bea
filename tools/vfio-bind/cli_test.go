package main

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/pcihost"
)

// fakeSysfs writes one e1000 function with an interface whose index no real
// interface has, so the netlink lookup finds nothing for it.
func fakeSysfs(t *testing.T) string {
	root := t.TempDir()
	d := filepath.Join(root, "bus", "pci", "devices", "0000:00:02.0")
	files := map[string]string{
		"vendor": "0x8086", "device": "0x100e", "class": "0x020000", "irq": "11",
		"subsystem_vendor": "0x8086", "subsystem_device": "0x001e", "driver_override": "(null)",
		"resource":       "0x00000000febc0000 0x00000000febdffff 0x0000000000040200",
		"net/eth0/flags": "0x1002", "net/eth0/ifindex": "999999", "net/eth0/operstate": "down",
	}
	for f, v := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(d, f)), 0o755)
		if err := os.WriteFile(filepath.Join(d, f), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(root, "bus", "pci", "drivers", "e1000"), 0o755)
	os.Symlink("../../../bus/pci/drivers/e1000", filepath.Join(d, "driver"))
	g := filepath.Join(root, "kernel", "iommu_groups", "3", "devices")
	os.MkdirAll(g, 0o755)
	os.Symlink(d, filepath.Join(g, "0000:00:02.0"))
	os.Symlink(filepath.Join(root, "kernel", "iommu_groups", "3"), filepath.Join(d, "iommu_group"))
	return root
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{nil, 2, "usage: vfio-bind"},
		{[]string{"frob"}, 2, `vfio-bind: unknown command "frob"`},
		{[]string{"bind"}, 2, "vfio-bind bind: name at least one PCI address (see vfio-bind list)"},
		{[]string{"unbind", "--to"}, 2, "flag needs an argument: --to"},
		{[]string{"list", "extra"}, 2, "vfio-bind list: takes no arguments"},
		{[]string{"bind", "--state", "/nonexistent/x.json", "2:3"}, 1,
			"vfio-bind: pci: parse 2:3: malformed PCI address; write it as 0000:00:02.0 (domain:bus:device.function, hex) as vfio-bind list shows"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if got := run(tt.args, &out, &errb); got != tt.status || !strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("run(%q) = %d, stderr %q; want %d and %q", tt.args, got, errb.String(), tt.status, tt.stderr)
		}
	}
}

func TestRunListFakeSysfs(t *testing.T) {
	root := fakeSysfs(t)
	var out, errb bytes.Buffer
	if st := run([]string{"list", "--sysfs", root, "--pci-ids", "../../pcihost/testdata/pci.ids"}, &out, &errb); st != 0 {
		t.Fatalf("status %d: %s", st, errb.String())
	}
	want := "ADDRESS       ID         NAME                                                   CLASS                DRIVER  IOMMU  VFIO  INTERFACE  STATE\n" +
		"0000:00:02.0  8086:100e  Intel Corporation 82540EM Gigabit Ethernet Controller  Ethernet controller  e1000   3      -     eth0       down\n"
	if out.String() != want {
		t.Errorf("list:\n%s\nwant:\n%s", out.String(), want)
	}
	out.Reset()
	if st := run([]string{"list", "--json", "--sysfs", root, "--pci-ids", "/nonexistent"}, &out, &errb); st != 0 {
		t.Fatalf("status %d: %s", st, errb.String())
	}
	var devs []pcihost.Device
	if err := json.Unmarshal(out.Bytes(), &devs); err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].Addr != "0000:00:02.0" || devs[0].Driver != "e1000" || devs[0].IOMMUGroup != 3 ||
		devs[0].Interfaces[0].Name != "eth0" || devs[0].VendorName != "" {
		t.Errorf("json: %+v", devs)
	}
}

func TestWriteTable(t *testing.T) {
	devs := []pcihost.Device{
		{Addr: "0000:00:02.0", Vendor: "8086", Product: "100e", ClassName: "Ethernet controller", Driver: "e1000", IOMMUGroup: 1,
			Interfaces: []pcihost.Interface{{Name: "eth0", Up: true, Addrs: []netip.Prefix{netip.MustParsePrefix("198.18.0.1/24")},
				Routes: []netip.Prefix{netip.MustParsePrefix("198.18.0.0/24")}}}},
		{Addr: "0000:00:03.0", Vendor: "8086", Product: "10d3", VendorName: "Intel Corporation", ClassName: "Ethernet controller",
			IOMMUGroup: -1, Interfaces: []pcihost.Interface{{Name: "eth1", Up: true}}},
		{Addr: "0000:00:04.0", Vendor: "8086", Product: "10d3", ClassName: "Ethernet controller", Driver: "vfio-pci", IOMMUGroup: 4,
			VFIO: []string{"iommufd", "group"}},
	}
	var b bytes.Buffer
	writeTable(&b, devs)
	want := "ADDRESS       ID         NAME               CLASS                DRIVER    IOMMU  VFIO           INTERFACE  STATE\n" +
		"0000:00:02.0  8086:100e  -                  Ethernet controller  e1000     1      -              eth0       up, in use (198.18.0.1/24, route 198.18.0.0/24)\n" +
		"0000:00:03.0  8086:10d3  Intel Corporation  Ethernet controller  -         -      -              eth1       up\n" +
		"0000:00:04.0  8086:10d3  -                  Ethernet controller  vfio-pci  4      iommufd,group  -          -\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	writeTable(&b, nil)
	if b.String() != "no PCI functions found\n" {
		t.Errorf("empty table: %q", b.String())
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		r    pcihost.BindResult
		want string
	}{
		{pcihost.BindResult{Addr: "0000:00:02.0", From: "e1000", To: "vfio-pci", Group: 4}, "0000:00:02.0: e1000 -> vfio-pci (IOMMU group 4, /dev/vfio/4)"},
		{pcihost.BindResult{Addr: "0000:00:02.0", From: "vfio-pci", To: "e1000", Group: 4, Interfaces: []string{"eth0"}}, "0000:00:02.0: vfio-pci -> e1000 (interface eth0)"},
		{pcihost.BindResult{Addr: "0000:00:02.0", From: "vfio-pci", To: "", Group: 4}, "0000:00:02.0: vfio-pci -> (no driver)"},
	}
	for _, tt := range tests {
		if got := describe(tt.r); got != tt.want {
			t.Errorf("describe = %q, want %q", got, tt.want)
		}
	}
}
