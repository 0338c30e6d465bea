package vmtest

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestBackportsQEMULayout(t *testing.T) {
	t.Setenv("GOPKT_QEMU_BACKPORTS", "")
	cache := t.TempDir()
	if _, err := backportsQEMU(cache); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "scripts/setup.sh") {
		t.Fatalf("empty cache: %v, want ErrMissing naming scripts/setup.sh", err)
	}
	for _, v := range []string{"10.0.2+ds-2", "10.0.3+ds-1"} {
		root := filepath.Join(cache, "qemu", v, "root")
		for _, d := range []string{"usr/bin", "usr/share/qemu", "usr/share/seabios"} {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(root, qemuRelBinary), nil, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(cache, "qemu", v, ".done"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An unpack in progress (no .done) is never picked.
	if err := os.MkdirAll(filepath.Join(cache, "qemu", "10.9.9.tmp", "root"), 0o755); err != nil {
		t.Fatal(err)
	}
	q, err := backportsQEMU(cache)
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(cache, "qemu", "10.0.3+ds-1", "root")
	if q.Binary != filepath.Join(root, qemuRelBinary) {
		t.Errorf("binary %s, want the newest unpacked one under %s", q.Binary, root)
	}
	wantArgs := []string{"-L", filepath.Join(root, "usr/share/qemu"), "-L", filepath.Join(root, "usr/share/seabios")}
	if !slices.Equal(q.Args, wantArgs) {
		t.Errorf("args %q, want %q", q.Args, wantArgs)
	}
	if len(q.Env) != 1 || q.Env[0] != "QEMU_MODULE_DIR="+filepath.Join(root, "usr/lib/x86_64-linux-gnu/qemu") {
		t.Errorf("env %q", q.Env)
	}
	t.Setenv("GOPKT_QEMU_BACKPORTS", filepath.Join(cache, "nope", qemuRelBinary))
	if _, err := backportsQEMU(cache); !errors.Is(err, ErrMissing) {
		t.Errorf("GOPKT_QEMU_BACKPORTS naming a missing file: %v", err)
	}
}

func TestIGBNeedsBackportsLane(t *testing.T) {
	c := Config{NICs: []NIC{{Model: IGB}}, Script: "true"}
	c.defaults()
	if err := c.validate(); err == nil || !strings.Contains(err.Error(), "LaneBackports") {
		t.Errorf("igb on the stable lane: %v, want an error naming LaneBackports", err)
	}
	c.Lane = LaneBackports
	if err := c.validate(); err != nil {
		t.Errorf("igb on the backports lane: %v", err)
	}
}

func TestParseMadison(t *testing.T) {
	out := []byte(`linux-image-amd64 | 6.12.95-1~bpo12+1 | http://deb.debian.org/debian bookworm-backports/main amd64 Packages
linux-image-amd64 |  6.1.192-3 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
linux-image-amd64 |  6.1.176-1 | http://deb.debian.org/debian bookworm/main amd64 Packages
`)
	if v := parseMadison(out, KernelBackports); v != "6.12.95-1~bpo12+1" {
		t.Errorf("backports: %q", v)
	}
	if v := parseMadison(out, "bookworm"); v != "6.1.176-1" {
		t.Errorf("bookworm: %q (bookworm-backports and bookworm-security must not match)", v)
	}
	if v := parseMadison(out, "trixie"); v != "" {
		t.Errorf("trixie: %q", v)
	}
}

// TestCachedKernelSuites checks the cache fallback keeps the suites apart:
// "linux-image-6.12..." sorts after "linux-image-6.1.0-..." and must never be
// handed to the default lane.
func TestCachedKernelSuites(t *testing.T) {
	cache := t.TempDir()
	for pkg, suite := range map[string]string{"linux-image-6.1.0-57-amd64": "", "linux-image-6.12.95+deb12-amd64": KernelBackports} {
		dir := filepath.Join(cache, "kernel", pkg)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, ".done"), nil, 0o644)
		if suite != "" {
			os.WriteFile(filepath.Join(dir, suiteMarker), []byte(suite+"\n"), 0o644)
		}
	}
	if p := cachedKernelSuite(cache, ""); p != "linux-image-6.1.0-57-amd64" {
		t.Errorf("default suite: %q", p)
	}
	if p := cachedKernelSuite(cache, KernelBackports); p != "linux-image-6.12.95+deb12-amd64" {
		t.Errorf("backports: %q", p)
	}
	if resolvedFile(cache, "") == resolvedFile(cache, KernelBackports) {
		t.Error("both suites share one resolved file")
	}
}

// TestLaneEnv: GOPKT_VM_LANE=backports moves stable-lane scenarios to QEMU
// 10 and leaves an explicit backports lane alone.
func TestLaneEnv(t *testing.T) {
	t.Setenv(LaneEnv, "backports")
	c := Config{}
	c.defaults()
	if c.Lane != LaneBackports {
		t.Errorf("lane %v with %s=backports, want backports", c.Lane, LaneEnv)
	}
	t.Setenv(LaneEnv, "")
	c = Config{}
	c.defaults()
	if c.Lane != LaneStable {
		t.Errorf("lane %v by default, want stable", c.Lane)
	}
}
