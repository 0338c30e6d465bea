package vmtest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// Run boots the guest for a test and returns its result; it skips the test
// when the host cannot run guests (no QEMU, busybox or kernel package, or
// go test -short, or GOPKT_VM=0) unless GOPKT_VM_REQUIRE=1, and fails it
// when the guest's verdict is not PASS, with the console's tail.
func Run(t testing.TB, cfg Config) *Result {
	t.Helper()
	require := hosttest.Strict() // GOPKT_VM_REQUIRE=1, the same switch as the host lane's
	if os.Getenv("GOPKT_VM") == "0" {
		if require {
			t.Fatal("vmtest: GOPKT_VM=0 turns the VM lane off but GOPKT_VM_REQUIRE=1 demands it; unset one of them")
		}
		t.Skip("vmtest: GOPKT_VM=0 turns the VM lane off")
	}
	if testing.Short() && !require {
		t.Skip("vmtest: VM scenarios take tens of seconds under TCG; skipped with -short")
	}
	ctx := context.Background()
	if dl, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dl.Deadline(); ok {
			var cancel context.CancelFunc
			ctx, cancel = context.WithDeadline(ctx, d.Add(-5*time.Second))
			defer cancel()
		}
	}
	dir := cfg.ArtifactsDir
	if dir == "" && os.Getenv("GOPKT_VM_ARTIFACTS") != "" {
		dir = filepath.Join(os.Getenv("GOPKT_VM_ARTIFACTS"), strings.ReplaceAll(t.Name(), "/", "_"))
	}
	if dir == "" {
		// Not t.TempDir: the failure message names the console log, and
		// a failed run's artifacts are what explain it. A passing run
		// removes them.
		d, err := os.MkdirTemp("", "gopkt-vm-"+strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
		t.Cleanup(func() {
			if !t.Failed() {
				_ = os.RemoveAll(d)
			}
		})
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	logf := t.Logf
	if cfg.Quiet {
		logf = nil
	}
	res, err := Boot(ctx, cfg, dir, logf)
	if err == nil && !res.Passed {
		if bug := emulatorAbort(res); bug != "" {
			// QEMU itself died before the guest's init ran: none of our
			// code had run yet. Said, and booted once more.
			t.Logf("vmtest: QEMU aborted %v into the boot, before the guest's init, on a known emulator bug (%s; its console is %s/console-aborted.log); booting once more", res.Wall.Round(10*time.Millisecond), bug, dir)
			_ = os.Rename(filepath.Join(dir, "console.log"), filepath.Join(dir, "console-aborted.log"))
			res, err = Boot(ctx, cfg, dir, logf)
		}
	}
	if err != nil {
		if errors.Is(err, ErrMissing) && !require {
			t.Skipf("vmtest: cannot run the guest: %v", err)
		}
		t.Fatalf("vmtest: %v", err)
	}
	if res.PoweroffHung {
		t.Logf("vmtest: the guest did not power off within %v of its verdict and was stopped; the verdict stands", poweroffGrace)
	}
	t.Logf("vmtest: boot %v wall (guest uptime at init %v), scenario %v guest, run %v wall",
		res.BootWall.Round(10*time.Millisecond), res.GuestBoot.Round(10*time.Millisecond),
		res.GuestScenario.Round(10*time.Millisecond), res.Wall.Round(10*time.Millisecond))
	if !res.Passed {
		if cfg.Quiet {
			t.Logf("console tail:\n%s", res.Tail(60))
		}
		t.Fatalf("vmtest: guest verdict: %s (console log: %s/console.log, kept)", res.Verdict, res.Dir)
	}
	return res
}

// emulatorAborts are QEMU failures of its own, each seen on this project's
// lanes with no guest code involved, with the console text that names
// them.
var emulatorAborts = []struct{ text, what string }{
	// QEMU 10.0.2 (the backports lane) under TCG, about 1 boot in 45,
	// always before the guest's init: a TLB entry pointing at a memory
	// section of an older address-space map.
	{"iotlb_to_section: Assertion", "QEMU 10.0.2 TCG iotlb_to_section assertion"},
}

// emulatorAbort names the known QEMU abort that ended a run before the
// guest's init printed its boot mark, or returns "" (a run that got
// further, or died some other way, is the test's failure).
func emulatorAbort(res *Result) string {
	if res.BootWall != 0 {
		return ""
	}
	for _, l := range res.Console {
		for _, a := range emulatorAborts {
			if strings.Contains(l, a.text) {
				return a.what
			}
		}
	}
	return ""
}
