package vmtest

import (
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// KernelBackportsIOMMUFD is Config.Kernel for the backports kernel with
// iommufd: the same 6.12 package as KernelBackports, its iommufd.ko and VFIO
// modules replaced by ones scripts/setup.sh builds from the matching
// linux-source with CONFIG_IOMMUFD=m and CONFIG_VFIO_DEVICE_CDEV=y (Debian
// builds neither). The guest then has /dev/iommu and a
// /dev/vfio/devices/vfioN for each device bound to vfio-pci, beside the
// legacy group API. Load them with IOMMUFDVFIOModules.
const KernelBackportsIOMMUFD = KernelBackports + "+iommufd"

// IOMMUFDVFIOModules is the VFIO stack of KernelBackportsIOMMUFD: the
// backports one and iommufd (vfio needs it now).
func IOMMUFDVFIOModules() []string {
	return append([]string{"iommufd"}, BackportsVFIOModules()...)
}

// iommufdDir is where scripts/setup.sh leaves the modules it built for
// a kernel release: DIR/kernel/drivers/... beside VERSION and .done.
func iommufdDir(cache, release string) string {
	return filepath.Join(cache, "iommufd", release)
}

// fetchKernel resolves Config.Kernel: a suite, or a suite with a "+iommufd"
// variant whose rebuilt modules replace the package's.
func fetchKernel(ctx context.Context, cache, kernel string) (*Kernel, error) {
	suite, variant, _ := strings.Cut(kernel, "+")
	if variant != "" && variant != "iommufd" {
		return nil, fmt.Errorf("vmtest: unknown kernel variant %q in Config.Kernel %q", variant, kernel)
	}
	k, err := fetchKernelSuite(ctx, cache, suite)
	if err != nil || variant == "" {
		return k, err
	}
	if err := k.overlayModules(iommufdDir(cache, k.Release)); err != nil {
		return nil, err
	}
	return k, nil
}

// overlayModules makes every .ko under dir (paths relative to it, as in the
// module directory) replace the package's module of the same name, with its
// dependencies taken from the module's own .modinfo. A module built for
// another release (vermagic) is refused: setup.sh rebuilds when the kernel
// moves.
func (k *Kernel) overlayModules(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, ".done")); err != nil {
		return fmt.Errorf("vmtest: no iommufd modules for %s in %s (run scripts/setup.sh as root; it builds them): %w", k.Release, dir, ErrMissing)
	}
	if k.overlay == nil {
		k.overlay = map[string]string{}
	}
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".ko") {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		info, err := modinfo(p)
		if err != nil {
			return err
		}
		if v := info["vermagic"]; !strings.HasPrefix(v, k.Release+" ") {
			return fmt.Errorf("vmtest: %s was built for %q, not %s (run scripts/setup.sh again): %w", p, v, k.Release, ErrMissing)
		}
		m := module{path: rel}
		for _, d := range strings.Split(info["depends"], ",") {
			if d != "" {
				m.deps = append(m.deps, moduleName(d))
			}
		}
		k.modules.mods[moduleName(rel)] = m
		k.overlay[rel] = p
		return nil
	})
}

// modinfo reads a module's .modinfo section: NUL-separated key=value pairs.
// A key listed twice keeps its last value.
func modinfo(path string) (map[string]string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("vmtest: module %s: %w", path, err)
	}
	defer f.Close()
	s := f.Section(".modinfo")
	if s == nil {
		return nil, fmt.Errorf("vmtest: module %s has no .modinfo", path)
	}
	b, err := s.Data()
	if err != nil {
		return nil, fmt.Errorf("vmtest: module %s: %w", path, err)
	}
	return parseModinfo(b), nil
}

// parseModinfo splits a .modinfo section; entries without "=" are skipped.
func parseModinfo(b []byte) map[string]string {
	m := map[string]string{}
	for _, e := range bytes.Split(b, []byte{0}) {
		if k, v, ok := strings.Cut(string(e), "="); ok && k != "" {
			m[k] = v
		}
	}
	return m
}
