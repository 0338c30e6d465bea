package vmtest

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A cut of the Debian 6.1 kernel's modules.dep (depmod output).
const modulesDep = `kernel/virt/lib/irqbypass.ko:
kernel/drivers/vfio/vfio.ko:
kernel/drivers/vfio/vfio_virqfd.ko:
kernel/drivers/vfio/vfio_iommu_type1.ko: kernel/drivers/vfio/vfio.ko
kernel/drivers/vfio/pci/vfio-pci-core.ko: kernel/drivers/vfio/vfio_virqfd.ko kernel/virt/lib/irqbypass.ko kernel/drivers/vfio/vfio.ko
kernel/drivers/vfio/pci/vfio-pci.ko: kernel/drivers/vfio/pci/vfio-pci-core.ko kernel/drivers/vfio/vfio_virqfd.ko kernel/virt/lib/irqbypass.ko kernel/drivers/vfio/vfio.ko
kernel/drivers/net/ethernet/intel/e1000/e1000.ko:
bad line without colon
 : 
kernel/net/wireless/cfg80211.ko: kernel/net/rfkill/rfkill.ko
`

const modulesBuiltin = "kernel/net/rfkill/rfkill.ko\n"

func TestModuleLoadOrder(t *testing.T) {
	tab := parseModulesDep([]byte(modulesDep), []byte(modulesBuiltin))
	const (
		irqbypass = "kernel/virt/lib/irqbypass.ko"
		vfio      = "kernel/drivers/vfio/vfio.ko"
		virqfd    = "kernel/drivers/vfio/vfio_virqfd.ko"
		type1     = "kernel/drivers/vfio/vfio_iommu_type1.ko"
		core      = "kernel/drivers/vfio/pci/vfio-pci-core.ko"
		vfioPCI   = "kernel/drivers/vfio/pci/vfio-pci.ko"
		e1000     = "kernel/drivers/net/ethernet/intel/e1000/e1000.ko"
		cfg80211  = "kernel/net/wireless/cfg80211.ko"
	)
	tests := []struct {
		names []string
		want  []string
		err   string
	}{
		// Depth first, in modules.dep's order: vfio-pci-core's own
		// dependencies come before it, each module once.
		{[]string{"vfio-pci", "e1000"}, []string{virqfd, irqbypass, vfio, core, vfioPCI, e1000}, ""},
		{[]string{"irqbypass", "vfio", "vfio_virqfd", "vfio_iommu_type1", "vfio-pci-core", "vfio-pci"},
			[]string{irqbypass, vfio, virqfd, type1, core, vfioPCI}, ""},
		{[]string{"cfg80211"}, []string{cfg80211}, ""}, // rfkill is built in
		{[]string{"rfkill"}, nil, ""},
		{[]string{"nosuch"}, nil, `vmtest: the guest kernel has no module "nosuch" (check the name against modules.dep)`},
	}
	for _, tt := range tests {
		got, err := tab.loadOrder(tt.names)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("loadOrder(%q) err = %v, want %q", tt.names, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("loadOrder(%q): %v", tt.names, err)
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("loadOrder(%q) =\n%q\nwant\n%q", tt.names, got, tt.want)
		}
		checkDepsFirst(t, tab, got)
	}
}

func contains(s []string, x string) bool {
	for _, v := range s {
		if v == x {
			return true
		}
	}
	return false
}

// checkDepsFirst fails when a module comes before one of its dependencies.
func checkDepsFirst(t *testing.T, tab moduleTable, order []string) {
	t.Helper()
	pos := map[string]int{}
	for i, p := range order {
		pos[moduleName(p)] = i
	}
	for i, p := range order {
		for _, d := range tab.mods[moduleName(p)].deps {
			if j, ok := pos[d]; !tab.builtin[d] && (!ok || j > i) {
				t.Errorf("%s loads before its dependency %s", p, d)
			}
		}
	}
}

func TestModuleName(t *testing.T) {
	for in, want := range map[string]string{
		"kernel/drivers/vfio/pci/vfio-pci.ko": "vfio_pci", "vfio-pci-core": "vfio_pci_core", "e1000e.ko.xz": "e1000e", "mac80211_hwsim": "mac80211_hwsim",
	} {
		if got := moduleName(in); got != want {
			t.Errorf("moduleName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseModulesDep(f *testing.F) {
	f.Add([]byte(modulesDep), []byte(modulesBuiltin))
	f.Add([]byte("a.ko: b.ko\nb.ko: a.ko\n"), []byte(""))
	f.Fuzz(func(t *testing.T, dep, builtin []byte) {
		tab := parseModulesDep(dep, builtin)
		var names []string
		for n := range tab.mods {
			names = append(names, n)
		}
		order, err := tab.loadOrder(names)
		if err == nil && len(order) > len(tab.mods) {
			t.Fatalf("%d modules to load from a table of %d", len(order), len(tab.mods))
		}
	})
}

func TestParseDepends(t *testing.T) {
	out := "linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n  Depends: other\n"
	if got := parseDepends([]byte(out), "linux-image-"); got != "linux-image-6.1.0-56-amd64" {
		t.Errorf("parseDepends = %q", got)
	}
	if got := parseDepends([]byte("linux-image-amd64\n"), "linux-image-"); got != "" {
		t.Errorf("parseDepends without Depends = %q", got)
	}
}

// TestFetchKernelVFIOOrder checks, on the real Debian kernel, that the VFIO
// stack resolves and loads every module after its dependencies.
func TestFetchKernelVFIOOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("fetches the kernel package; skipped with -short")
	}
	cache, err := CacheDir()
	if err != nil {
		t.Skip(err)
	}
	k, err := FetchKernel(context.Background(), cache)
	if err != nil {
		t.Skipf("no guest kernel: %v", err)
	}
	if _, err := os.Stat(k.Vmlinuz); err != nil {
		t.Fatalf("kernel image: %v", err)
	}
	order, err := k.modules.loadOrder(append(VFIOModules(), "e1000", "e1000e"))
	if err != nil {
		t.Fatal(err)
	}
	checkDepsFirst(t, k.modules, order)
	for _, m := range append(VFIOModules(), "e1000e") {
		if !contains(order, k.modules.mods[moduleName(m)].path) {
			t.Errorf("%s missing from %q", m, order)
		}
	}
	for _, p := range order {
		if _, err := os.Stat(filepath.Join(k.Root, k.ModuleDir(), p)); err != nil || !strings.HasSuffix(p, ".ko") {
			t.Errorf("module file %s: %v", p, err)
		}
	}
}
