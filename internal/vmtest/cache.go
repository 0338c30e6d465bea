package vmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// CacheDir returns where fetched Debian packages and the unpacked kernel are
// kept: $GOPKT_VM_CACHE if set, else the user cache directory
// ($XDG_CACHE_HOME or ~/.cache) plus gopkt/vm.
func CacheDir() (string, error) {
	if d := os.Getenv("GOPKT_VM_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("vmtest: no cache directory (%v); set GOPKT_VM_CACHE", err)
	}
	return filepath.Join(d, "gopkt", "vm"), nil
}

// lockCache takes an exclusive flock on the cache so that parallel test
// binaries (go test ./... runs packages concurrently) do not download or
// unpack the same package twice. The returned function releases it.
func lockCache(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("vmtest: lock %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}

// run runs a host command and returns its standard output; the error carries
// the command line and its standard error.
func run(ctx context.Context, dir string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// fetchDeb returns the path of the newest cached .deb of pkg, downloading it
// with apt-get when none is cached. The caller holds the cache lock.
func fetchDeb(ctx context.Context, cache, pkg string) (string, error) {
	dir := filepath.Join(cache, "debs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if p := newestDeb(dir, pkg); p != "" {
		return p, nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", fmt.Errorf("the Debian package %s is not cached in %s and apt-get is missing: %w", pkg, dir, ErrMissing)
	}
	// APT::Sandbox::User=root: the _apt user may not write to a cache under
	// a home directory.
	if _, err := run(ctx, dir, "apt-get", "-q", "-o", "APT::Sandbox::User=root", "download", pkg); err != nil {
		// Unfetchable (offline, no apt sources) skips like a missing tool.
		return "", fmt.Errorf("fetch Debian package %s (run apt-get update, or check the name): %v: %w", pkg, err, ErrMissing)
	}
	p := newestDeb(dir, pkg)
	if p == "" {
		return "", fmt.Errorf("apt-get download %s left no %s_*.deb in %s", pkg, pkg, dir)
	}
	return p, nil
}

// newestDeb finds the cached .deb of pkg with the latest modification time.
func newestDeb(dir, pkg string) string {
	m, _ := filepath.Glob(filepath.Join(dir, pkg+"_*.deb"))
	if len(m) == 0 {
		return ""
	}
	sort.Slice(m, func(i, j int) bool {
		a, _ := os.Stat(m[i])
		b, _ := os.Stat(m[j])
		return a.ModTime().After(b.ModTime())
	})
	return m[0]
}

// unpackDeb extracts deb into cache/unpacked/NAME (once) and returns that
// directory.
func unpackDeb(ctx context.Context, cache, deb string) (string, error) {
	dst := filepath.Join(cache, "unpacked", strings.TrimSuffix(filepath.Base(deb), ".deb"))
	if _, err := os.Stat(filepath.Join(dst, ".done")); err == nil {
		return dst, nil
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		return "", fmt.Errorf("dpkg-deb is missing (apt-get install dpkg): %w", ErrMissing)
	}
	tmp := dst + ".tmp"
	os.RemoveAll(tmp)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", err
	}
	if _, err := run(ctx, "", "dpkg-deb", "-x", deb, tmp); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(tmp, ".done"), nil, 0o644); err != nil {
		return "", err
	}
	os.RemoveAll(dst)
	if err := os.Rename(tmp, dst); err != nil {
		return "", err
	}
	return dst, nil
}

// ErrMissing marks a host tool or package that is not available; Run skips
// the test (or fails it under GOPKT_VM_REQUIRE=1) when it sees one.
var ErrMissing = errors.New("not available on this host")
