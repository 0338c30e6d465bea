package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopkt/gopkt/control"
	"github.com/gopkt/gopkt/internal/hosttest"
)

// TestDropCaps: the daemon binary with --drop-caps keeps only
// CAP_NET_ADMIN and CAP_IPC_LOCK (bits 12 and 14) in every set of every
// thread, sets no_new_privs, and can still mount a tap at run time.
func TestDropCaps(t *testing.T) {
	hosttest.Require(t, hosttest.Root, hosttest.TUN, hosttest.IP)
	c := newCtl(t)
	dev := hosttest.LinkName("p")
	var out, errOut syncBuffer
	d := exec.Command(hosttest.GoBinary(t, "github.com/gopkt/gopkt/tools/gopkt"), "--control", c.sock, "--drop-caps", "-p", "ipv4")
	d.Stdout, d.Stderr = &out, &errOut
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = d.Process.Kill(); _ = d.Wait() }()
	waitFor(t, &out, "gopkt: running", 10*time.Second)
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", d.Process.Pid))
	if err != nil || len(tasks) < 2 {
		t.Fatalf("threads: %d %v", len(tasks), err)
	}
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/status", d.Process.Pid, task.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"CapInh:\t0000000000000000", "CapPrm:\t0000000000005000", "CapEff:\t0000000000005000",
			"CapBnd:\t0000000000005000", "NoNewPrivs:\t1"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("thread %s lacks %q:\n%s", task.Name(), want, b)
			}
		}
	}
	// stderr and stdout are separate pipes: the log line may arrive after
	// "running" although it was written first.
	waitFor(t, &errOut, "capabilities dropped", 5*time.Second)
	if !strings.Contains(errOut.String(), "CAP_NET_ADMIN (tap mounts)") {
		t.Errorf("log:\n%s", errOut.String())
	}
	var ifc control.Interface
	c.json(&ifc, "mount", "-d", "tap", "linux="+dev)
	if ifc.Name != "tap0" {
		t.Errorf("mount after dropping: %+v", ifc)
	}
	c.run("umount", "tap0")
	if err := d.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.Wait(); err != nil || !strings.Contains(out.String(), "gopkt: stopped cleanly") {
		t.Errorf("exit: %v\n%s\n%s", err, out.String(), errOut.String())
	}
}
