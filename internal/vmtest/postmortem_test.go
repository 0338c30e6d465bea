package vmtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestParseTaskStat: a thread name with spaces and parentheses, then the
// state and the CPU times (fields 14 and 15).
func TestParseTaskStat(t *testing.T) {
	const line = "4242 (CPU 0/TCG (x)) R 1 4242 4242 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 9 0 1234 0 0\n"
	th, ok := parseTaskStat(line)
	if !ok || th.comm != "CPU 0/TCG (x)" || th.state != "R" || th.cpuTicks != 287 {
		t.Fatalf("parseTaskStat = %+v %v, want comm %q, state R, 287 ticks", th, ok, "CPU 0/TCG (x)")
	}
	if _, ok := parseTaskStat("4242 CPU R"); ok {
		t.Error("a line without a parenthesised name parsed")
	}
}

// TestVMPostMortem boots a guest whose scenario hangs and checks that
// shortly before the timeout the harness logs QEMU's threads and the vCPUs'
// instruction pointers, and that the guest's kernel printed its task dump
// (SysRq t) on the console, the hung command among the tasks.
func TestVMPostMortem(t *testing.T) {
	if os.Getenv("GOPKT_VM") == "0" || (testing.Short() && !hosttest.Strict()) {
		t.Skip("vmtest: VM lane off (GOPKT_VM=0 or -short)")
	}
	var mu sync.Mutex
	var logs []string
	logf := func(format string, args ...any) {
		mu.Lock()
		logs = append(logs, fmt.Sprintf(format, args...))
		mu.Unlock()
		t.Logf(format, args...)
	}
	res, err := Boot(context.Background(), Config{
		Timeout: 60 * time.Second,
		Script:  "echo scenario starts; sleep 1000 # hangs",
	}, t.TempDir(), logf)
	if errors.Is(err, ErrMissing) && !hosttest.Strict() {
		t.Skipf("vmtest: cannot run the guest: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.Passed || !strings.Contains(res.Verdict, "no verdict within the timeout") {
		t.Fatalf("verdict %q, want no verdict within the timeout", res.Verdict)
	}
	if len(res.Grep("scenario starts")) == 0 {
		t.Skip("the guest did not reach its scenario before its post-mortem (boot over 45 s: a loaded host): nothing to examine")
	}
	mu.Lock()
	all := strings.Join(logs, "\n")
	mu.Unlock()
	for _, want := range []string{"post-mortem: no verdict", "post-mortem: guest CPU 0 at RIP", "post-mortem: QEMU thread"} {
		if !strings.Contains(all, want) {
			t.Errorf("the harness did not log %q", want)
		}
	}
	if len(res.Grep("sysrq: Show State")) == 0 || len(res.Grep("task:sleep")) == 0 {
		t.Errorf("no task dump with the hung sleep on the console:\n%s", res.Tail(40))
	}
}
