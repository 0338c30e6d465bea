package vmtest

import (
	"errors"
	"strings"
	"testing"
)

func TestParseModinfo(t *testing.T) {
	b := []byte("license=GPL\x00depends=vfio,irqbypass\x00\x00vermagic=6.12.95+deb12-amd64 SMP preempt mod_unload modversions \x00junk\x00name=vfio_pci_core\x00")
	m := parseModinfo(b)
	if m["depends"] != "vfio,irqbypass" || m["name"] != "vfio_pci_core" || !strings.HasPrefix(m["vermagic"], "6.12.95+deb12-amd64 ") {
		t.Errorf("parseModinfo = %q", m)
	}
	if _, ok := m["junk"]; ok {
		t.Error("an entry without = was kept")
	}
}

// TestOverlayMissing: without setup.sh's build the iommufd kernel is
// missing (a skip, or a failure under GOPKT_VM_REQUIRE), and says what to
// run.
func TestOverlayMissing(t *testing.T) {
	k := &Kernel{Release: "6.12.95+deb12-amd64", modules: moduleTable{mods: map[string]module{}}}
	err := k.overlayModules(t.TempDir())
	if !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "scripts/setup.sh") {
		t.Errorf("err = %v", err)
	}
	if _, err := fetchKernel(t.Context(), t.TempDir(), KernelBackports+"+nosuch"); err == nil {
		t.Error("an unknown variant was accepted")
	}
}
