package vmtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Kernel is an unpacked Debian kernel package with a modules.dep written by
// depmod.
type Kernel struct {
	Package string // e.g. linux-image-6.1.0-56-amd64
	Release string // uname -r in the guest, e.g. 6.1.0-56-amd64
	Root    string // where the package is unpacked
	Vmlinuz string // the kernel image
	modules moduleTable
	// overlay maps module paths (relative to ModuleDir) to host files that
	// replace the package's, e.g. the iommufd build of KernelBackportsIOMMUFD.
	overlay map[string]string
}

// moduleFile is the host file of a module path from the module table.
func (k *Kernel) moduleFile(p string) string {
	if f, ok := k.overlay[p]; ok {
		return f
	}
	return filepath.Join(k.Root, k.ModuleDir(), p)
}

// ModuleDir is the guest (and unpacked) directory of the kernel's modules,
// relative to the root.
func (k *Kernel) ModuleDir() string { return filepath.Join("lib", "modules", k.Release) }

// kernelPackage resolves the Debian package the linux-image-amd64
// metapackage currently depends on, e.g. linux-image-6.1.0-56-amd64.
// GOPKT_VM_KERNEL_PKG overrides it.
func kernelPackage(ctx context.Context) (string, error) {
	if p := os.Getenv("GOPKT_VM_KERNEL_PKG"); p != "" {
		return p, nil
	}
	if _, err := exec.LookPath("apt-cache"); err != nil {
		return "", fmt.Errorf("apt-cache is missing, so the guest kernel package cannot be resolved (set GOPKT_VM_KERNEL_PKG): %w", ErrMissing)
	}
	out, err := run(ctx, "", "apt-cache", "depends", "linux-image-amd64")
	if err != nil {
		return "", fmt.Errorf("resolve the guest kernel package (run apt-get update): %v: %w", err, ErrMissing)
	}
	p := parseDepends(out, "linux-image-")
	if p == "" {
		return "", fmt.Errorf("apt-cache depends linux-image-amd64 names no linux-image-* package (run apt-get update): %w", ErrMissing)
	}
	return p, nil
}

// parseDepends returns the first "Depends:" target of apt-cache depends output
// that starts with prefix.
func parseDepends(out []byte, prefix string) string {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 2 && f[0] == "Depends:" && strings.HasPrefix(f[1], prefix) {
			return f[1]
		}
	}
	return ""
}

// resolveFresh is how long a resolved kernel package name is reused before
// apt-cache is asked again (it takes seconds to tens of seconds on a loaded
// machine, and every guest run needs the name).
const resolveFresh = 6 * time.Hour

// FetchKernel returns the guest kernel: the Debian package is downloaded into
// cache/debs, unpacked into cache/kernel/PACKAGE and depmod run over it, once.
func FetchKernel(ctx context.Context, cache string) (*Kernel, error) {
	return fetchKernelSuite(ctx, cache, "")
}

// fetchKernelSuite is FetchKernel for the kernel of a Debian suite ("" is
// the host's default, bookworm; KernelBackports). Each suite has its own
// resolved name, and an unpacked kernel records its suite, so the cache
// fallback never hands one suite's kernel to the other.
func fetchKernelSuite(ctx context.Context, cache, suite string) (*Kernel, error) {
	resolved := resolvedFile(cache, suite)
	var pkg string
	if st, err := os.Stat(resolved); err == nil && time.Since(st.ModTime()) < resolveFresh && (suite != "" || os.Getenv("GOPKT_VM_KERNEL_PKG") == "") {
		b, _ := os.ReadFile(resolved)
		pkg = strings.TrimSpace(string(b))
	}
	if pkg == "" || !strings.HasPrefix(pkg, "linux-image-") {
		var err error
		pkg, err = kernelPackageSuite(ctx, suite)
		if err != nil {
			if pkg = cachedKernelSuite(cache, suite); pkg == "" {
				return nil, err
			}
		} else if os.MkdirAll(filepath.Dir(resolved), 0o755) == nil {
			os.WriteFile(resolved, []byte(pkg+"\n"), 0o644)
		}
	}
	k := &Kernel{Package: pkg, Release: strings.TrimPrefix(pkg, "linux-image-"),
		Root: filepath.Join(cache, "kernel", pkg)}
	k.Vmlinuz = filepath.Join(k.Root, "boot", "vmlinuz-"+k.Release)
	if _, err := os.Stat(filepath.Join(k.Root, ".done")); err != nil {
		unlock, err := lockCache(cache)
		if err != nil {
			return nil, err
		}
		err = k.unpack(ctx, cache, suite)
		unlock()
		if err != nil {
			return nil, err
		}
	}
	dep, err := os.ReadFile(filepath.Join(k.Root, k.ModuleDir(), "modules.dep"))
	if err != nil {
		return nil, fmt.Errorf("vmtest: kernel %s has no modules.dep (remove %s to unpack it again): %w", pkg, k.Root, err)
	}
	builtin, _ := os.ReadFile(filepath.Join(k.Root, k.ModuleDir(), "modules.builtin"))
	k.modules = parseModulesDep(dep, builtin)
	return k, nil
}

// unpack fetches and unpacks the package and runs depmod; the caller holds the
// cache lock.
func (k *Kernel) unpack(ctx context.Context, cache, suite string) error {
	if _, err := os.Stat(filepath.Join(k.Root, ".done")); err == nil {
		return nil // another process finished it while we waited
	}
	deb, err := fetchDeb(ctx, cache, k.Package)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		return fmt.Errorf("dpkg-deb is missing: %w", ErrMissing)
	}
	depmod, err := exec.LookPath("depmod")
	if err != nil {
		if depmod, err = exec.LookPath("/usr/sbin/depmod"); err != nil {
			return fmt.Errorf("depmod is missing (apt-get install kmod): %w", ErrMissing)
		}
	}
	tmp := k.Root + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	if _, err := run(ctx, "", "dpkg-deb", "-x", deb, tmp); err != nil {
		return err
	}
	if _, err := run(ctx, "", depmod, "-b", tmp, k.Release); err != nil {
		return err
	}
	if suite != "" {
		if err := os.WriteFile(filepath.Join(tmp, suiteMarker), []byte(suite+"\n"), 0o644); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, ".done"), nil, 0o644); err != nil {
		return err
	}
	os.RemoveAll(k.Root)
	return os.Rename(tmp, k.Root)
}

// module is one loadable module from modules.dep.
type module struct {
	path string   // relative to the module directory
	deps []string // module names it needs, as listed by depmod
}

// moduleTable maps normalized module names (dashes as underscores) to their
// files; builtin lists modules compiled into the kernel.
type moduleTable struct {
	mods    map[string]module
	builtin map[string]bool
}

// moduleName turns a path or name such as kernel/drivers/vfio/pci/vfio-pci.ko
// into the kernel's module name, vfio_pci.
func moduleName(p string) string {
	b := filepath.Base(p)
	for _, ext := range []string{".xz", ".zst", ".gz", ".ko"} {
		b = strings.TrimSuffix(b, ext)
	}
	return strings.ReplaceAll(b, "-", "_")
}

// parseModulesDep reads depmod's modules.dep ("path: dep dep ...") and
// modules.builtin (one path a line). Malformed lines are skipped.
func parseModulesDep(dep, builtin []byte) moduleTable {
	t := moduleTable{mods: map[string]module{}, builtin: map[string]bool{}}
	for _, line := range strings.Split(string(dep), "\n") {
		p, rest, ok := strings.Cut(line, ":")
		p = strings.TrimSpace(p)
		if !ok || p == "" || strings.ContainsAny(p, " \t") {
			continue
		}
		m := module{path: p}
		for _, d := range strings.Fields(rest) {
			m.deps = append(m.deps, moduleName(d))
		}
		t.mods[moduleName(p)] = m
	}
	for _, line := range strings.Split(string(builtin), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			t.builtin[moduleName(line)] = true
		}
	}
	return t
}

// loadOrder returns the module files to insert, dependencies first, for the
// named modules. Built-in modules are left out; an unknown name is an error.
func (t moduleTable) loadOrder(names []string) ([]string, error) {
	var order []string
	seen := map[string]bool{}
	var visit func(n string, depth int) error
	visit = func(n string, depth int) error {
		n = moduleName(n)
		if seen[n] || t.builtin[n] {
			return nil
		}
		m, ok := t.mods[n]
		if !ok {
			return fmt.Errorf("vmtest: the guest kernel has no module %q (check the name against modules.dep)", n)
		}
		if depth > len(t.mods) {
			return fmt.Errorf("vmtest: module dependency cycle at %q", n)
		}
		seen[n] = true
		for _, d := range m.deps {
			if err := visit(d, depth+1); err != nil {
				return err
			}
		}
		order = append(order, m.path)
		return nil
	}
	for _, n := range names {
		if err := visit(n, 0); err != nil {
			return nil, err
		}
	}
	return order, nil
}
