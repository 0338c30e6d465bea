package vmtest

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// image collects what goes into one guest's initramfs.
type image struct {
	cfg    *Config
	kernel *Kernel
	cache  string
	work   string // scratch directory for built binaries
	t      tree
	libs   libResolver
	elves  []string // host paths of ELF files whose libraries must follow
}

// buildInitramfs writes the guest's initramfs to work/initramfs.cpio.
func buildInitramfs(ctx context.Context, cfg *Config, k *Kernel, cache, work string) (string, error) {
	im := &image{cfg: cfg, kernel: k, cache: cache, work: work, t: tree{}}
	steps := []func(context.Context) error{im.base, im.modules, im.debs, im.goBinaries, im.extra, im.scenario, im.sharedLibs}
	for _, s := range steps {
		if err := s(ctx); err != nil {
			return "", err
		}
	}
	out := filepath.Join(work, "initramfs.cpio")
	f, err := os.Create(out)
	if err != nil {
		return "", err
	}
	if err := im.t.writeTo(f); err != nil {
		f.Close()
		return "", err
	}
	return out, f.Close()
}

// busyboxPath finds a busybox binary on the host (Debian busybox-static).
func busyboxPath() (string, error) {
	if p := os.Getenv("GOPKT_VM_BUSYBOX"); p != "" {
		return p, nil
	}
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if isFile(p) {
			return p, nil
		}
	}
	if p, err := exec.LookPath("busybox"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("busybox is missing (apt-get install busybox-static): %w", ErrMissing)
}

// base adds busybox with a link per applet, /dev/console (the kernel opens it
// for init before devtmpfs exists), the init script and minimal /etc files.
func (im *image) base(ctx context.Context) error {
	bb, err := busyboxPath()
	if err != nil {
		return err
	}
	out, err := run(ctx, "", bb, "--list-full")
	if err != nil {
		return fmt.Errorf("vmtest: %s cannot list its applets: %w", bb, err)
	}
	im.t.hostFile("/bin/busybox", 0o755, bb)
	im.elves = append(im.elves, bb)
	for _, a := range strings.Fields(string(out)) {
		if a = cleanGuest(a); a != "/bin/busybox" {
			im.t.symlink(a, "/bin/busybox")
		}
	}
	for _, d := range []string{"/proc", "/sys", "/dev", "/tmp", "/root", "/run", "/var", "/etc"} {
		im.t.dir(d)
	}
	im.t.charDev("/dev/console", 0o600, 5, 1)
	im.t.file("/init", 0o755, []byte(initScript))
	im.t.file("/etc/gopkt/lib.sh", 0o644, []byte(guestLib))
	// Debian's tcpdump drops privileges to the user tcpdump, even with -r.
	im.t.file("/etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/bin/sh\n"+
		"tcpdump:x:100:100:tcpdump:/nonexistent:/bin/false\n"+
		"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"))
	im.t.file("/etc/group", 0o644, []byte("root:x:0:\ntcpdump:x:100:\nnogroup:x:65534:\n"))
	im.t.file("/etc/hosts", 0o644, []byte("127.0.0.1 localhost\n"))
	return nil
}

// modules adds the requested modules and their dependencies, the list init
// loads (/etc/gopkt/modules) and a modules.dep restricted to them so that the
// guest's modprobe works too.
func (im *image) modules(context.Context) error {
	args := map[string]string{}
	var names []string
	for _, m := range im.cfg.Modules {
		f := strings.Fields(m)
		if len(f) == 0 {
			continue
		}
		names = append(names, f[0])
		args[moduleName(f[0])] = strings.Join(f[1:], " ")
	}
	order, err := im.kernel.modules.loadOrder(names)
	if err != nil {
		return err
	}
	// Everything shipped: the loaded set, then the available-only set.
	ship, err := im.kernel.modules.loadOrder(append(names, im.cfg.Available...))
	if err != nil {
		return err
	}
	dir := im.kernel.ModuleDir()
	var list, dep strings.Builder
	for _, p := range order {
		fmt.Fprintf(&list, "%s %s\n", p, args[moduleName(p)])
	}
	for _, p := range ship {
		im.t.hostFile(path.Join("/", dir, p), 0o644, im.kernel.moduleFile(p))
		m := im.kernel.modules.mods[moduleName(p)]
		fmt.Fprintf(&dep, "%s:", p)
		for _, d := range m.deps {
			fmt.Fprintf(&dep, " %s", im.kernel.modules.mods[d].path)
		}
		dep.WriteString("\n")
	}
	im.t.file("/etc/gopkt/modules", 0o644, []byte(list.String()))
	im.t.file(path.Join("/", dir, "modules.dep"), 0o644, []byte(dep.String()))
	for _, f := range []string{"modules.builtin", "modules.order"} {
		if p := filepath.Join(im.kernel.Root, dir, f); isFile(p) {
			im.t.hostFile(path.Join("/", dir, f), 0o644, p)
		}
	}
	return nil
}

// skipInDeb are package paths of no use in the guest.
var skipInDeb = []string{"usr/share/doc/", "usr/share/man/", "usr/share/lintian/", "usr/share/bug/", "usr/share/locale/"}

// debs unpacks each Debian package into the tree and remembers its ELF files.
func (im *image) debs(ctx context.Context) error {
	if len(im.cfg.Debs) == 0 {
		return nil
	}
	unlock, err := lockCache(im.cache)
	if err != nil {
		return err
	}
	defer unlock()
	for _, pkg := range im.cfg.Debs {
		deb, err := fetchDeb(ctx, im.cache, pkg)
		if err != nil {
			return err
		}
		root, err := unpackDeb(ctx, im.cache, deb)
		if err != nil {
			return err
		}
		im.libs.roots = append(im.libs.roots, root)
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if rel == "." || rel == ".done" {
				return nil
			}
			for _, s := range skipInDeb {
				if strings.HasPrefix(rel+"/", s) {
					if d.IsDir() {
						return filepath.SkipDir
					}
					return nil
				}
			}
			switch {
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(p)
				if err != nil {
					return err
				}
				im.t.symlink(rel, target)
			case d.IsDir():
				im.t.dir(rel)
			case d.Type().IsRegular():
				info, err := d.Info()
				if err != nil {
					return err
				}
				im.t.hostFile(rel, uint32(info.Mode().Perm()), p)
				if info.Mode().Perm()&0o111 != 0 || strings.Contains(filepath.Base(p), ".so") {
					im.elves = append(im.elves, p)
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("vmtest: unpack %s: %w", pkg, err)
		}
	}
	return nil
}

// goBinaries builds Config.Commands and Config.Tests as static binaries,
// without symbol table and DWARF (-s -w: a smaller initramfs loads faster;
// panics still print file:line from the pclntab).
func (im *image) goBinaries(ctx context.Context) error {
	if len(im.cfg.Commands)+len(im.cfg.Tests) == 0 {
		return nil
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		if goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go"); !isFile(goTool) {
			return fmt.Errorf("the go command is not on PATH, so the guest binaries cannot be built: %w", ErrMissing)
		}
	}
	gomod, err := run(ctx, "", goTool, "env", "GOMOD")
	if err != nil {
		return err
	}
	modRoot := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(im.work, "bin")
	build := func(args ...string) error {
		cmd := exec.CommandContext(ctx, goTool, args...)
		cmd.Dir = modRoot
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("vmtest: go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	for _, pkg := range im.cfg.Commands {
		name := path.Base(strings.TrimSuffix(pkg, "/"))
		out := filepath.Join(bin, name)
		if err := build("build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg); err != nil {
			return err
		}
		im.t.hostFile("/bin/"+name, 0o755, out)
	}
	for _, pkg := range im.cfg.Tests {
		name := path.Base(strings.TrimSuffix(pkg, "/")) + ".test"
		out := filepath.Join(bin, name)
		if err := build("test", "-c", "-trimpath", "-ldflags=-s -w", "-o", out, pkg); err != nil {
			return err
		}
		im.t.hostFile("/bin/"+name, 0o755, out)
	}
	return nil
}

// extra adds Config.Files and Config.Libs.
func (im *image) extra(context.Context) error {
	for _, f := range im.cfg.Files {
		mode := f.Mode
		if mode == 0 {
			mode = 0o755
		}
		switch {
		case f.Host != "":
			if !isFile(f.Host) {
				return fmt.Errorf("vmtest: extra file %s for %s does not exist", f.Host, f.Guest)
			}
			im.t.hostFile(f.Guest, mode, f.Host)
			im.elves = append(im.elves, f.Host)
		default:
			im.t.file(f.Guest, mode, f.Data)
		}
	}
	for _, l := range im.cfg.Libs {
		if !isFile(l) {
			return fmt.Errorf("vmtest: library %s does not exist on the host (install its Debian package)", l)
		}
		im.t.hostFile(l, 0o755, l)
		im.elves = append(im.elves, l)
	}
	return nil
}

// scenario writes the environment file and the scenario script.
func (im *image) scenario(context.Context) error {
	env := map[string]string{
		"GOPKT_KERNEL":    im.kernel.Release,
		"GOPKT_HUGEPAGES": fmt.Sprint(im.cfg.HugePages),
		"NICS":            fmt.Sprint(len(im.cfg.NICs)),
	}
	if im.cfg.Trace {
		env["GOPKT_TRACE"] = "1"
	}
	for i, n := range im.cfg.NICs {
		env[fmt.Sprintf("NIC%d_ADDR", i)] = PCIAddr(i)
		env[fmt.Sprintf("NIC%d_MODEL", i)] = n.Model
		env[fmt.Sprintf("NIC%d_MAC", i)] = n.mac(i)
	}
	for k, v := range im.cfg.Env {
		env[k] = v
	}
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "export %s='%s'\n", k, strings.ReplaceAll(env[k], "'", `'\''`))
	}
	im.t.file("/etc/gopkt/env", 0o644, []byte(b.String()))
	im.t.file("/etc/gopkt/scenario.sh", 0o755, []byte(". /etc/gopkt/lib.sh\n"+im.cfg.Script+"\n"))
	return nil
}

// sharedLibs adds the dynamic loader and libraries of every ELF file added
// from packages, extra files and busybox.
func (im *image) sharedLibs(context.Context) error {
	for _, p := range im.elves {
		if err := im.libs.addLibs(im.t, p); err != nil {
			return err
		}
	}
	return nil
}
