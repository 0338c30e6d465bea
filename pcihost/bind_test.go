package pcihost

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeKernel plays the PCI core's part of sysfs writes on a fake tree:
// driver_override, a driver's unbind, drivers_probe (override first, else
// the ID table), and a NIC driver registering its interface on probe.
type fakeKernel struct {
	t      testing.TB
	root   string
	match  map[string]string // "8086:100e" -> driver
	refuse map[string]bool   // drivers whose probe fails
	fail   map[string]error  // path suffix -> error of the write
	nics   map[string]string // addr -> interface the NIC driver registers
	writes []string
	loaded []string
	noLoad bool
}

func newFakeKernel(t testing.TB, fns []fakeFn, drivers ...string) *fakeKernel {
	k := &fakeKernel{t: t, root: writeSysfs(t, fns),
		match:  map[string]string{"8086:100e": "e1000", "8086:10d3": "e1000e"},
		refuse: map[string]bool{}, fail: map[string]error{}, nics: map[string]string{}}
	for _, d := range drivers {
		os.MkdirAll(filepath.Join(k.root, "bus", "pci", "drivers", d), 0o755)
	}
	for _, f := range fns {
		for _, i := range f.ifaces {
			k.nics[f.addr] = i.name
		}
	}
	return k
}

func (k *fakeKernel) dev(addr string, p ...string) string {
	return filepath.Join(append([]string{k.root, "bus", "pci", "devices", addr}, p...)...)
}

func (k *fakeKernel) Write(path, value string) error {
	rel, _ := filepath.Rel(k.root, path)
	k.writes = append(k.writes, rel+" < "+strings.TrimSpace(value))
	for suffix, err := range k.fail {
		if strings.HasSuffix(path, suffix) {
			return &fs.PathError{Op: "write", Path: path, Err: err}
		}
	}
	v := strings.TrimSpace(value)
	switch {
	case strings.HasSuffix(path, "/driver_override"):
		if v == "" {
			v = "(null)"
		}
		return os.WriteFile(path, []byte(v+"\n"), 0o644)
	case strings.HasSuffix(path, "/driver/unbind"):
		os.Remove(k.dev(v, "driver"))
		os.RemoveAll(k.dev(v, "net"))
		return nil
	case strings.HasSuffix(path, "/drivers_probe"):
		if linkBase(k.dev(v, "driver")) != "" {
			return nil
		}
		drv := ""
		if o, _ := os.ReadFile(k.dev(v, "driver_override")); strings.TrimSpace(string(o)) != "(null)" {
			drv = strings.TrimSpace(string(o))
		} else {
			ven, _ := os.ReadFile(k.dev(v, "vendor"))
			dev, _ := os.ReadFile(k.dev(v, "device"))
			drv = k.match[strings.TrimPrefix(strings.TrimSpace(string(ven)), "0x")+":"+strings.TrimPrefix(strings.TrimSpace(string(dev)), "0x")]
		}
		if _, err := os.Stat(filepath.Join(k.root, "bus", "pci", "drivers", drv)); drv == "" || err != nil || k.refuse[drv] {
			return nil // no driver takes it; the write itself succeeds
		}
		os.Symlink(filepath.Join("..", "..", "..", "bus", "pci", "drivers", drv), k.dev(v, "driver"))
		if n := k.nics[v]; n != "" && drv != VFIODriver {
			nd := k.dev(v, "net", n)
			os.MkdirAll(nd, 0o755)
			os.WriteFile(filepath.Join(nd, "flags"), []byte("0x1002\n"), 0o644)
			os.WriteFile(filepath.Join(nd, "ifindex"), []byte("9\n"), 0o644)
		}
		return nil
	}
	return fmt.Errorf("fake kernel: unexpected write to %s", rel)
}

func (k *fakeKernel) Modprobe(m string) error {
	k.loaded = append(k.loaded, m)
	if k.noLoad {
		return errors.New("modprobe: FATAL: Module " + m + " not found in directory /lib/modules/6.1.0-56-amd64")
	}
	return os.MkdirAll(filepath.Join(k.root, "bus", "pci", "drivers", m), 0o755)
}

func (k *fakeKernel) binder(net NetSnapshot, state string) *Binder {
	return &Binder{
		Discovery: &Discovery{Sysfs: k.root, NoNames: true, Net: netFunc(func() (NetSnapshot, error) { return net, nil })},
		StatePath: state, Modprobe: k.Modprobe, Write: k.Write, Settle: 1, Procfs: filepath.Join(k.root, "proc"),
	}
}

// Two NICs of the guest: e1000 at 00:02.0 with eth0, e1000e at 00:03.0 with eth1.
var bindTree = []fakeFn{
	{addr: "0000:00:02.0", vendor: "8086", device: "100e", class: "020000", driver: "e1000", group: 1,
		ifaces: []fakeIf{{name: "eth0", flags: "0x1003", oper: "up", index: 2}}},
	{addr: "0000:00:03.0", vendor: "8086", device: "10d3", class: "020000", driver: "e1000e", group: 2,
		ifaces: []fakeIf{{name: "eth1", flags: "0x1002", oper: "down", index: 3}}},
	{addr: "0000:00:04.0", vendor: "8086", device: "100e", class: "020000", driver: "e1000", group: -1},
}

var eth0InUse = NetSnapshot{
	Addrs:  map[int][]netip.Prefix{2: pfx("198.18.0.1/24")},
	Routes: map[int][]netip.Prefix{2: pfx("198.18.0.0/24")},
}

func TestBindUnbindRoundTrip(t *testing.T) {
	k := newFakeKernel(t, bindTree, "e1000", "e1000e")
	state := filepath.Join(t.TempDir(), "var", "lib", "gopkt", "bind.json")
	b := k.binder(NetSnapshot{}, state)
	res, err := b.Bind([]string{"00:02.0", "0000:00:03.0"}, "", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].From != "e1000" || res[1].From != "e1000e" || res[0].To != VFIODriver || res[1].Group != 2 {
		t.Fatalf("results %+v", res)
	}
	if strings.Join(k.loaded, ",") != "vfio-pci" {
		t.Errorf("modules loaded %v, want vfio-pci once", k.loaded)
	}
	wantWrites := []string{
		"bus/pci/devices/0000:00:02.0/driver_override < vfio-pci",
		"bus/pci/devices/0000:00:02.0/driver/unbind < 0000:00:02.0",
		"bus/pci/drivers_probe < 0000:00:02.0",
		"bus/pci/devices/0000:00:03.0/driver_override < vfio-pci",
		"bus/pci/devices/0000:00:03.0/driver/unbind < 0000:00:03.0",
		"bus/pci/drivers_probe < 0000:00:03.0",
	}
	if got := strings.Join(k.writes, "\n"); got != strings.Join(wantWrites, "\n") {
		t.Errorf("sysfs writes:\n%s\nwant:\n%s", got, strings.Join(wantWrites, "\n"))
	}
	for _, a := range []string{"0000:00:02.0", "0000:00:03.0"} {
		if d := linkBase(k.dev(a, "driver")); d != VFIODriver {
			t.Errorf("%s on %q after bind", a, d)
		}
	}
	// A new Binder (a later run) restores the drivers from the state file.
	k.writes = nil
	res, err = k.binder(NetSnapshot{}, state).Unbind([]string{"0000:00:02.0", "0000:00:03.0"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if res[0].To != "e1000" || res[1].To != "e1000e" || strings.Join(res[0].Interfaces, ",") != "eth0" || strings.Join(res[1].Interfaces, ",") != "eth1" {
		t.Errorf("unbind results %+v", res)
	}
	for a, want := range map[string]string{"0000:00:02.0": "e1000", "0000:00:03.0": "e1000e"} {
		if d := linkBase(k.dev(a, "driver")); d != want {
			t.Errorf("%s on %q after unbind, want %s", a, d, want)
		}
		if o, _ := os.ReadFile(k.dev(a, "driver_override")); string(o) != "(null)\n" {
			t.Errorf("%s driver_override %q after unbind, want cleared", a, o)
		}
	}
	b2, _ := os.ReadFile(state)
	if !strings.Contains(string(b2), `"devices": {}`) {
		t.Errorf("state after unbind:\n%s", b2)
	}
}

func TestBindRefusesInterfaceInUse(t *testing.T) {
	k := newFakeKernel(t, bindTree, "e1000", "e1000e", VFIODriver)
	b := k.binder(eth0InUse, filepath.Join(t.TempDir(), "bind.json"))
	_, err := b.Bind([]string{"0000:00:03.0", "0000:00:02.0"}, "", false)
	if !errors.Is(err, ErrInUse) {
		t.Fatalf("err = %v, want ErrInUse", err)
	}
	want := "pci: bind 0000:00:02.0: device's network interface is in use: eth0 is up with address 198.18.0.1/24 and route 198.18.0.0/24; " +
		"binding would cut its traffic: remove them first (ip addr flush dev eth0; ip link set eth0 down) or pass --force"
	if err.Error() != want {
		t.Errorf("message\n got %q\nwant %q", err, want)
	}
	if len(k.writes) != 0 {
		t.Errorf("refused bind touched sysfs: %v (the other device too)", k.writes)
	}
	if _, err := b.Bind([]string{"0000:00:02.0"}, "", true); err != nil {
		t.Fatalf("--force: %v", err)
	}
	if d := linkBase(k.dev("0000:00:02.0", "driver")); d != VFIODriver {
		t.Errorf("forced bind left the device on %q", d)
	}
}

func TestBindRollsBack(t *testing.T) {
	k := newFakeKernel(t, bindTree, "e1000", "e1000e", VFIODriver)
	state := filepath.Join(t.TempDir(), "bind.json")
	b := k.binder(NetSnapshot{}, state)
	// 00:02.0 moves; vfio-pci then refuses 00:03.0's probe only.
	k.refuse[VFIODriver] = false
	first := true
	inner := b.Write
	b.Write = func(p, v string) error {
		if strings.HasSuffix(p, "drivers_probe") && strings.TrimSpace(v) == "0000:00:03.0" && first {
			first = false
			k.refuse[VFIODriver] = true
			defer func() { k.refuse[VFIODriver] = false }()
		}
		return inner(p, v)
	}
	_, err := b.Bind([]string{"0000:00:02.0", "0000:00:03.0"}, "", false)
	if !errors.Is(err, ErrNoDriver) || !strings.Contains(err.Error(), `after drivers_probe the device is bound to "", not vfio-pci`) {
		t.Fatalf("err = %v", err)
	}
	for a, want := range map[string]string{"0000:00:02.0": "e1000", "0000:00:03.0": "e1000e"} {
		if d := linkBase(k.dev(a, "driver")); d != want {
			t.Errorf("%s on %q after rollback, want %s", a, d, want)
		}
		if o, _ := os.ReadFile(k.dev(a, "driver_override")); string(o) != "(null)\n" {
			t.Errorf("%s driver_override %q after rollback", a, o)
		}
	}
	if s, _ := os.ReadFile(state); !strings.Contains(string(s), `"devices": {}`) {
		t.Errorf("state after rollback:\n%s", s)
	}
}

func TestBindErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(k *fakeKernel)
		addr  string
		is    error
		text  string
	}{
		{"no vfio-pci module", func(k *fakeKernel) { k.noLoad = true }, "0000:00:02.0", ErrNoDriver,
			"pci: bind 0000:00:02.0: driver not available: modprobe: FATAL: Module vfio-pci not found in directory /lib/modules/6.1.0-56-amd64; " +
				"install the module (Debian: the linux-image package), load it by hand (modprobe vfio-pci), or give the module tree with --module-root"},
		{"no IOMMU", nil, "0000:00:04.0", ErrNoDriver,
			"pci: bind 0000:00:04.0: driver not available: the device has no IOMMU group, so vfio-pci cannot take it; " +
				"enable the IOMMU (boot with intel_iommu=on or amd_iommu=on; in QEMU add -device intel-iommu)"},
		{"not root", func(k *fakeKernel) { k.fail["driver_override"] = fs.ErrPermission }, "0000:00:02.0", ErrPermission,
			"ROOT"},
		{"no such device", nil, "0000:00:1f.0", ErrNoDevice, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newFakeKernel(t, bindTree, "e1000", "e1000e")
			if tt.setup != nil {
				tt.setup(k)
			}
			b := k.binder(NetSnapshot{}, filepath.Join(t.TempDir(), "bind.json"))
			_, err := b.Bind([]string{tt.addr}, "", false)
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want %v", err, tt.is)
			}
			want := tt.text
			if want == "ROOT" {
				want = fmt.Sprintf("pci: bind 0000:00:02.0: permission denied: writing \"vfio-pci\" to %s: write %s: permission denied; run as root",
					k.dev("0000:00:02.0", "driver_override"), k.dev("0000:00:02.0", "driver_override"))
			}
			if want != "" && err.Error() != want {
				t.Errorf("message\n got %q\nwant %q", err, want)
			}
			if d := linkBase(k.dev("0000:00:02.0", "driver")); d != "e1000" {
				t.Errorf("failed bind left 00:02.0 on %q", d)
			}
		})
	}
}

func TestUnbindWithoutRecord(t *testing.T) {
	k := newFakeKernel(t, bindTree, "e1000", "e1000e", VFIODriver)
	state := filepath.Join(t.TempDir(), "bind.json")
	b := k.binder(NetSnapshot{}, state)
	_, err := b.Unbind([]string{"0000:00:02.0"}, "")
	if !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "--to DRIVER") {
		t.Fatalf("err = %v, want ErrState naming --to", err)
	}
	// --to moves it without a record, --to none leaves it unbound.
	if _, err := b.Unbind([]string{"0000:00:02.0"}, "vfio-pci"); err != nil {
		t.Fatal(err)
	}
	if d := linkBase(k.dev("0000:00:02.0", "driver")); d != VFIODriver {
		t.Errorf("--to vfio-pci: on %q", d)
	}
	if _, err := b.Unbind([]string{"0000:00:02.0"}, "none"); err != nil {
		t.Fatal(err)
	}
	if d := linkBase(k.dev("0000:00:02.0", "driver")); d != "" {
		t.Errorf("--to none: on %q", d)
	}
}

func TestBindStateFileDamaged(t *testing.T) {
	k := newFakeKernel(t, bindTree, "e1000", "e1000e", VFIODriver)
	state := filepath.Join(t.TempDir(), "bind.json")
	os.WriteFile(state, []byte("{not json"), 0o644)
	_, err := k.binder(NetSnapshot{}, state).Bind([]string{"0000:00:02.0"}, "", false)
	if !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "remove "+state) {
		t.Fatalf("err = %v", err)
	}
	if d := linkBase(k.dev("0000:00:02.0", "driver")); d != "e1000" {
		t.Errorf("device moved despite the damaged state file: %q", d)
	}
}

func TestBindKeepsOriginalDriverAcrossRebinds(t *testing.T) {
	k := newFakeKernel(t, bindTree, "e1000", "e1000e", VFIODriver, "uio_pci_generic")
	state := filepath.Join(t.TempDir(), "bind.json")
	b := k.binder(NetSnapshot{}, state)
	if _, err := b.Bind([]string{"0000:00:02.0"}, "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Bind([]string{"0000:00:02.0"}, "uio_pci_generic", false); err != nil {
		t.Fatal(err)
	}
	res, err := b.Unbind([]string{"0000:00:02.0"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if res[0].From != "uio_pci_generic" || res[0].To != "e1000" {
		t.Errorf("unbind %+v, want uio_pci_generic -> e1000", res[0])
	}
}

func TestBindWarnsAboutGroupPeers(t *testing.T) {
	tree := []fakeFn{
		{addr: "0000:00:02.0", vendor: "8086", device: "100e", class: "020000", driver: "e1000", group: 5},
		{addr: "0000:00:02.1", vendor: "8086", device: "10d3", class: "020000", driver: "e1000e", group: 5},
	}
	k := newFakeKernel(t, tree, "e1000", "e1000e", VFIODriver)
	res, err := k.binder(NetSnapshot{}, filepath.Join(t.TempDir(), "bind.json")).Bind([]string{"0000:00:02.0"}, "", false)
	if err != nil {
		t.Fatal(err)
	}
	want := "IOMMU group 5 also holds 0000:00:02.1, bound to e1000e: the group is not usable from userspace until it is bound to vfio-pci or unbound"
	if len(res) != 1 || len(res[0].Warnings) != 1 || res[0].Warnings[0] != want {
		t.Errorf("warnings %q, want [%q]", res[0].Warnings, want)
	}
}

// TestUnbindRefusesOpenDevice: a process holding the device's VFIO group
// open (an fd link to /dev/vfio/N under procfs) makes Unbind refuse with
// ErrOpen naming it, instead of blocking in the kernel; once it is gone the
// unbind goes through.
func TestUnbindRefusesOpenDevice(t *testing.T) {
	k := newFakeKernel(t, bindTree, "e1000", "e1000e")
	state := filepath.Join(t.TempDir(), "bind.json")
	b := k.binder(NetSnapshot{}, state)
	if _, err := b.Bind([]string{"0000:00:02.0"}, "", false); err != nil {
		t.Fatal(err)
	}
	fd := filepath.Join(k.root, "proc", "4242", "fd")
	if err := os.MkdirAll(fd, 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(k.root, "proc", "4242", "comm"), []byte("e1000-test\n"), 0o644)
	_ = os.Symlink("/dev/null", filepath.Join(fd, "0"))
	if err := os.Symlink("/dev/vfio/1", filepath.Join(fd, "7")); err != nil {
		t.Fatal(err)
	}
	k.writes = nil
	_, err := b.Unbind([]string{"0000:00:02.0"}, "")
	if !errors.Is(err, ErrOpen) || !strings.Contains(err.Error(), "/dev/vfio/1 is held open by 4242 (e1000-test)") {
		t.Fatalf("err = %v, want ErrOpen naming process 4242", err)
	}
	if len(k.writes) != 0 {
		t.Fatalf("sysfs written although the device is open: %v", k.writes)
	}
	if d := linkBase(k.dev("0000:00:02.0", "driver")); d != VFIODriver {
		t.Fatalf("device moved to %q", d)
	}
	if err := os.RemoveAll(filepath.Join(k.root, "proc", "4242")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Unbind([]string{"0000:00:02.0"}, ""); err != nil {
		t.Fatal(err)
	}
	if d := linkBase(k.dev("0000:00:02.0", "driver")); d != "e1000" {
		t.Fatalf("after the process went: on %q, want e1000", d)
	}
}
