package hosttest

import (
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// GoBinary builds the command at import path pkg (such as
// "github.com/gopkt/gopkt/tools/gopktctl") and returns the binary's path,
// world-executable in a world-readable directory removed at the test's
// cleanup, so tests can run it under another uid too. Go's build cache
// makes a second build of the same package a link. Without the go
// command it skips (or fails under GOPKT_VM_REQUIRE=1).
func GoBinary(t testing.TB, pkg string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		if goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go"); exec.Command(goTool, "version").Run() != nil {
			Unavailable(t, "the go command is not on PATH, so %s cannot be built", pkg)
		}
	}
	dir, err := os.MkdirTemp("", "gopkt-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, path.Base(pkg))
	cmd := exec.Command(goTool, "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, strings.TrimSpace(string(b)))
	}
	return out
}
