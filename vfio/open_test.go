package vfio

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gopkt/gopkt/hw/dma"
	"golang.org/x/sys/unix"
)

// fakeTree is a fake /sys and /dev: just the links and files the pre-checks
// read.
type fakeTree struct {
	t         testing.TB
	sys, dev  string
	groupsDir string
}

func newFakeTree(t testing.TB, dir string) *fakeTree {
	f := &fakeTree{t: t, sys: filepath.Join(dir, "sys"), dev: filepath.Join(dir, "dev")}
	f.groupsDir = filepath.Join(f.sys, "kernel", "iommu_groups")
	f.mkdir(f.groupsDir)
	f.mkdir(filepath.Join(f.sys, "bus", "pci", "devices"))
	f.mkdir(filepath.Join(f.dev, "vfio"))
	return f
}

func (f *fakeTree) mkdir(p string) {
	f.t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeTree) symlink(target, link string) {
	f.t.Helper()
	f.mkdir(filepath.Dir(link))
	if err := os.Symlink(target, link); err != nil {
		f.t.Fatal(err)
	}
}

// device adds a PCI function bound to driver ("" for none), in IOMMU group
// group (-1 for none), with network interfaces ifaces.
func (f *fakeTree) device(addr, driver string, group int, ifaces ...string) {
	d := filepath.Join(f.sys, "bus", "pci", "devices", addr)
	f.mkdir(d)
	if driver != "" {
		drv := filepath.Join(f.sys, "bus", "pci", "drivers", driver)
		f.mkdir(drv)
		f.symlink(drv, filepath.Join(d, "driver"))
	}
	if group >= 0 {
		g := filepath.Join(f.groupsDir, strconv.Itoa(group))
		f.symlink(d, filepath.Join(g, "devices", addr))
		f.symlink(g, filepath.Join(d, "iommu_group"))
	}
	for _, i := range ifaces {
		f.mkdir(filepath.Join(d, "net", i))
	}
}

func (f *fakeTree) file(p string, data string, mode os.FileMode) {
	f.t.Helper()
	f.mkdir(filepath.Dir(p))
	if err := os.WriteFile(p, []byte(data), mode); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeTree) freeHugepages(n int) {
	f.file(filepath.Join(f.sys, "kernel", "mm", "hugepages", "hugepages-2048kB", "free_hugepages"), strconv.Itoa(n)+"\n", 0o644)
}

func (f *fakeTree) opts() Options {
	return Options{SysfsRoot: f.sys, DevRoot: f.dev}
}

const nic = "0000:00:02.0"

func TestOpenFixIts(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakeTree)
		opts  func(o *Options)
		err   error
		want  []string // substrings of the message
	}{
		{"no such device", func(f *fakeTree) {}, nil, ErrNoDevice,
			[]string{"vfio: open 0000:00:02.0: no such PCI device", "vfio-bind list"}},
		{"no IOMMU", func(f *fakeTree) { f.device(nic, "e1000", -1, "eth0") }, nil, ErrNoIOMMU,
			[]string{"the kernel runs without an IOMMU", "iommu_groups is empty", "boot with intel_iommu=on (or amd_iommu=on)", "enable VT-d"}},
		{"bound to e1000", func(f *fakeTree) { f.device(nic, "e1000", 5, "eth0") }, nil, ErrNotBound,
			[]string{"device not bound to vfio-pci: it is bound to e1000 (interface eth0)", "run 'vfio-bind bind 0000:00:02.0'", "driver_override"}},
		{"bound to nothing", func(f *fakeTree) { f.device(nic, "", 5) }, nil, ErrNotBound,
			[]string{"it is bound to no driver", "vfio-bind bind 0000:00:02.0"}},
		{"group not viable", func(f *fakeTree) {
			f.device(nic, "vfio-pci", 7)
			f.device("0000:00:1f.2", "ahci", 7)
			f.device("0000:00:1e.0", "pcieport", 7)
		}, nil, ErrNotViable, []string{
			"IOMMU group not viable: group 7 holds 0000:00:02.0 (vfio-pci), 0000:00:1e.0 (pcieport), 0000:00:1f.2 (ahci)",
			"bind them too with 'vfio-bind bind 0000:00:1f.2'",
			"its own IOMMU group"}},
		{"group mate with interface", func(f *fakeTree) {
			f.device(nic, "vfio-pci", 8)
			f.device("0000:00:03.0", "e1000", 8, "eth1")
		}, nil, ErrNotViable, []string{"0000:00:03.0 (e1000, interface eth1)", "vfio-bind bind 0000:00:03.0"}},
		{"no hugepages", func(f *fakeTree) {
			f.device(nic, "vfio-pci", 5)
			f.freeHugepages(0)
		}, func(o *Options) { o.DMABytes, o.RequireHugepages = 3<<20, true }, dma.ErrNoHugepages,
			[]string{"0 free 2 MiB hugepages, 2 needed for 3 MiB of DMA memory", "echo 64 > /proc/sys/vm/nr_hugepages"}},
		{"no hugepage pool", func(f *fakeTree) { f.device(nic, "vfio-pci", 5) },
			func(o *Options) { o.DMABytes, o.RequireHugepages = 1<<20, true }, dma.ErrNoHugepages,
			[]string{"no 2 MiB hugepage pool", "nr_hugepages"}},
		{"group node missing", func(f *fakeTree) {
			f.device(nic, "vfio-pci", 5)
			f.freeHugepages(10)
		}, func(o *Options) { o.DMABytes, o.RequireHugepages = 4<<20, true }, ErrNoVFIO,
			[]string{"vfio/5 does not exist although the device is bound to vfio-pci", "devtmpfs"}},
		{"group node is not VFIO", func(f *fakeTree) {
			f.device(nic, "vfio-pci", 5)
			f.file(filepath.Join(f.dev, "vfio", "5"), "", 0o600)
		}, nil, ErrNoVFIO, []string{"does not answer VFIO_GROUP_GET_STATUS", "modprobe vfio-pci"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTree(t, t.TempDir())
			tt.setup(f)
			o := f.opts()
			if tt.opts != nil {
				tt.opts(&o)
			}
			d, err := Open(nic, o)
			if err == nil {
				d.Close()
				t.Fatal("Open succeeded on a fake tree")
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v\nwant %v", err, tt.err)
			}
			var oe *OpError
			if !errors.As(err, &oe) {
				t.Fatalf("err %T is not an *OpError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q:\n%s", w, err)
				}
			}
		})
	}
}

// A shared container rejects use after Close.
func TestContainerClosed(t *testing.T) {
	f := newFakeTree(t, t.TempDir())
	f.device(nic, "vfio-pci", 5)
	c := NewContainer(f.opts())
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(nic, Options{Container: c}); err == nil || !strings.Contains(err.Error(), "container is closed") {
		t.Fatalf("Open on closed container: %v", err)
	}
	if err := c.Close(); err == nil {
		t.Fatal("second Close succeeded")
	}
}

// helperEnv carries the fake tree to the unprivileged child.
const helperEnv = "GOPKT_VFIO_UNPRIV_TREE"

// TestOpenUnprivileged provokes the errors only an unprivileged user
// meets: a /dev/vfio/N or a /dev/iommu it may not open, and an
// RLIMIT_MEMLOCK below the DMA memory it asks for. As root, the test binary runs itself as uid 65534
// (nobody); as another user it runs the checks directly.
func TestOpenUnprivileged(t *testing.T) {
	if dir := os.Getenv(helperEnv); dir != "" {
		unprivilegedChecks(t, dir)
		return
	}
	if os.Getuid() != 0 {
		dir := t.TempDir()
		f := newFakeTree(t, dir)
		f.device(nic, "vfio-pci", 3)
		f.file(filepath.Join(f.dev, "vfio", "3"), "", 0o000)
		f.file(filepath.Join(f.dev, "iommu"), "", 0o000)
		unprivilegedChecks(t, dir)
		return
	}
	// Root: build a tree nobody can read, except /dev/vfio/3 (root, 0600).
	dir, err := os.MkdirTemp("", "vfio-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := newFakeTree(t, dir)
	f.device(nic, "vfio-pci", 3)
	f.file(filepath.Join(f.dev, "vfio", "3"), "", 0o600)
	f.file(filepath.Join(f.dev, "iommu"), "", 0o600)
	runAsNobody(t, dir, "TestOpenUnprivileged", helperEnv+"="+dir)
}

// runAsNobody runs test name of this test binary as uid/gid 65534 with env
// added, from a copy of the binary in dir (which must be world-readable), and
// fails t unless the child passes.
func runAsNobody(t *testing.T, dir, name string, env ...string) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "vfio.test")
	if err := copyFile(exe, bin); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^"+name+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	t.Logf("%s as uid 65534:\n%s", name, out)
	if err != nil {
		t.Fatalf("unprivileged child failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatal("the unprivileged child did not run the checks")
	}
}

func unprivilegedChecks(t *testing.T, dir string) {
	if hasIPCLock() {
		t.Fatal("the unprivileged child still has CAP_IPC_LOCK")
	}
	o := Options{SysfsRoot: filepath.Join(dir, "sys"), DevRoot: filepath.Join(dir, "dev")}

	_, err := Open(nic, o)
	if !errors.Is(err, ErrPermission) || !errors.Is(err, unix.EACCES) {
		t.Fatalf("group open: err = %v, want ErrPermission wrapping EACCES", err)
	}
	for _, w := range []string{"permission denied: cannot open " + filepath.Join(dir, "dev", "vfio", "3") + " as uid",
		"run as root", "chown"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message lacks %q:\n%s", w, err)
		}
	}
	t.Log(err)

	// The iommufd path: /dev/iommu this user may not open (on a kernel
	// new enough to have it).
	io := o
	io.KernelRelease, io.Backend = "6.12.95+deb12-amd64", BackendIOMMUFD
	_, err = Open(nic, io)
	if !errors.Is(err, ErrPermission) || !errors.Is(err, unix.EACCES) {
		t.Fatalf("iommufd open: err = %v, want ErrPermission wrapping EACCES", err)
	}
	for _, w := range []string{"cannot open " + filepath.Join(dir, "dev", "iommu") + " as uid", "run as root", "chmod 0666"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message lacks %q:\n%s", w, err)
		}
	}
	t.Log(err)

	// Lower only the soft limit, and restore it: without root the checks
	// run in the test process itself.
	var old unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &old); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setrlimit(unix.RLIMIT_MEMLOCK, &unix.Rlimit{Cur: 64 << 10, Max: old.Max}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Setrlimit(unix.RLIMIT_MEMLOCK, &old) })
	o.DMABytes = 8 << 20
	_, err = Open(nic, o)
	if !errors.Is(err, ErrMemlock) {
		t.Fatalf("memlock: err = %v, want ErrMemlock", err)
	}
	for _, w := range []string{"RLIMIT_MEMLOCK is 64 KiB but 8 MiB of DMA memory must be pinned",
		"'ulimit -l 8192'", "LimitMEMLOCK=8388608", "CAP_IPC_LOCK"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message lacks %q:\n%s", w, err)
		}
	}
	t.Log(err)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
