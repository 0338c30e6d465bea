package vmtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// KernelBackports is Config.Kernel for Debian's bookworm-backports kernel
// (6.12). Its VFIO stack has no vfio_virqfd module (merged into vfio in
// 6.2), so a scenario on it lists its Modules, e.g. BackportsVFIOModules().
// Debian builds it without iommufd (CONFIG_IOMMUFD is not set in
// linux-image-6.12.95+deb12-amd64's config), so it has no /dev/iommu and no
// VFIO character devices either: only the legacy container/group API.
// KernelBackportsIOMMUFD (iommufd.go) adds them with modules built by
// scripts/setup.sh.
const KernelBackports = "bookworm-backports"

// BackportsVFIOModules is the VFIO stack of the backports kernel.
func BackportsVFIOModules() []string {
	return []string{"irqbypass", "vfio", "vfio_iommu_type1", "vfio-pci-core", "vfio-pci"}
}

// suiteMarker names the file in an unpacked kernel's directory that records
// the suite it came from; kernels without one are the default suite's.
const suiteMarker = ".suite"

// resolvedFile is where the resolved package name of suite is kept: the
// default suite keeps the historical name, so the two never collide.
func resolvedFile(cache, suite string) string {
	if suite == "" {
		return filepath.Join(cache, "kernel", "resolved")
	}
	return filepath.Join(cache, "kernel", "resolved-"+suite)
}

// kernelPackageSuite resolves the kernel package of suite: the version of
// linux-image-amd64 that apt-cache madison lists for it, then the package
// that version depends on (e.g. linux-image-6.12.95+deb12-amd64).
func kernelPackageSuite(ctx context.Context, suite string) (string, error) {
	if suite == "" {
		return kernelPackage(ctx)
	}
	if _, err := exec.LookPath("apt-cache"); err != nil {
		return "", fmt.Errorf("apt-cache is missing, so the %s kernel cannot be resolved: %w", suite, ErrMissing)
	}
	out, err := run(ctx, "", "apt-cache", "madison", "linux-image-amd64")
	if err != nil {
		return "", fmt.Errorf("resolve the %s kernel (run scripts/setup.sh): %v: %w", suite, err, ErrMissing)
	}
	v := parseMadison(out, suite)
	if v == "" {
		return "", fmt.Errorf("apt knows no linux-image-amd64 in %s (run scripts/setup.sh, which adds the suite): %w", suite, ErrMissing)
	}
	out, err = run(ctx, "", "apt-cache", "depends", "linux-image-amd64="+v)
	if err != nil {
		return "", fmt.Errorf("resolve the %s kernel: %v: %w", suite, err, ErrMissing)
	}
	p := parseDepends(out, "linux-image-")
	if p == "" {
		return "", fmt.Errorf("linux-image-amd64=%s names no linux-image-* package: %w", v, ErrMissing)
	}
	return p, nil
}

// parseMadison returns the version of the first apt-cache madison line
// ("pkg | version | URL suite/component arch Packages") from suite.
func parseMadison(out []byte, suite string) string {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "|")
		if len(f) != 3 {
			continue
		}
		for _, w := range strings.Fields(f[2]) {
			if strings.HasPrefix(w, suite+"/") {
				return strings.TrimSpace(f[1])
			}
		}
	}
	return ""
}

// cachedKernelSuite returns the newest kernel of suite already unpacked in
// the cache, for hosts where apt cannot resolve one.
func cachedKernelSuite(cache, suite string) string {
	m, _ := filepath.Glob(filepath.Join(cache, "kernel", "linux-image-*", ".done"))
	var pkgs []string
	for _, done := range m {
		dir := filepath.Dir(done)
		b, _ := os.ReadFile(filepath.Join(dir, suiteMarker))
		if strings.TrimSpace(string(b)) == suite {
			pkgs = append(pkgs, filepath.Base(dir))
		}
	}
	sort.Strings(pkgs)
	if len(pkgs) == 0 {
		return ""
	}
	return pkgs[len(pkgs)-1]
}
