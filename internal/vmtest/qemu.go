package vmtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// qemuArgs is the QEMU command line of DESIGN.md §5: TCG (KVM guests hang on
// this host), a q35 machine with a split irqchip and an Intel vIOMMU with
// interrupt remapping and caching mode (needed for VFIO in the guest), each NIC
// on a hub port at a fixed root-bus slot, an optional filter-dump per NIC, the
// serial console on stdio and QMP on a socket. -nodefaults leaves out the VGA
// card and the default user-mode NIC. The kernel command line adds
// panic=-1 (a panic ends QEMU at once, -no-reboot), no_timer_check and
// cryptomgr.notests.
func qemuArgs(c *Config, vmlinuz, initrd, qmp string, pcaps []string) []string {
	a := []string{
		"-accel", "tcg", "-cpu", "max",
		"-m", fmt.Sprint(c.MemoryMB), "-smp", fmt.Sprint(c.CPUs),
		"-M", "q35,kernel-irqchip=split",
		"-device", "intel-iommu,intremap=on,caching-mode=on",
		"-nodefaults", "-no-user-config", "-display", "none",
	}
	for i, n := range c.NICs {
		a = append(a,
			"-netdev", fmt.Sprintf("hubport,hubid=%d,id=p%d", n.Hub, i),
			"-device", fmt.Sprintf("%s,netdev=p%d,id=%s,mac=%s,bus=pcie.0,addr=%#x", n.Model, i, nicID(i), n.mac(i), FirstSlot+i))
		if n.Dump {
			l := n.DumpLen
			if l == 0 {
				l = 65535
			}
			a = append(a, "-object", fmt.Sprintf("filter-dump,id=f%d,netdev=p%d,file=%s,maxlen=%d", i, i, pcaps[i], l))
		}
	}
	// no_timer_check: on a loaded host a TCG guest can miss the kernel's
	// IO-APIC timer test and panic ("timer doesn't work through
	// Interrupt-remapped IO-APIC"); the test means nothing under emulation.
	// cryptomgr.notests: the kernel's boot-time self-tests of its crypto
	// algorithms are not what any scenario tests, and under TCG on a loaded
	// host they can hold a vCPU for minutes: one vmdemo run with two CPU
	// hogs (host load about 24) never booted, "soft lockup - CPU#0 stuck
	// for 474s! [cryptomgr_test:53]" until the 10-minute timeout. The
	// algorithms still register and work (hwsim's AP uses them).
	a = append(a, c.QEMUArgs...)
	cmdline := "console=ttyS0 intel_iommu=on quiet panic=-1 no_timer_check cryptomgr.notests"
	if c.Append != "" {
		cmdline += " " + c.Append
	}
	return append(a,
		"-kernel", vmlinuz, "-initrd", initrd, "-append", cmdline,
		"-serial", "stdio", "-qmp", "unix:"+qmp+",server=on,wait=off",
		"-no-reboot")
}

// QEMUPath finds qemu-system-x86_64 ($GOPKT_QEMU overrides).
func QEMUPath() (string, error) {
	if p := os.Getenv("GOPKT_QEMU"); p != "" {
		if !isFile(p) {
			return "", fmt.Errorf("GOPKT_QEMU names %s, which does not exist: %w", p, ErrMissing)
		}
		return p, nil
	}
	p, err := exec.LookPath("qemu-system-x86_64")
	if err != nil {
		return "", fmt.Errorf("qemu-system-x86_64 is missing (apt-get install qemu-system-x86): %w", ErrMissing)
	}
	return p, nil
}

// Boot builds the guest described by cfg, runs it under QEMU until it powers
// off or cfg.Timeout passes, and returns what it printed. logf, if not nil,
// gets each console line as it arrives. The error is for the harness itself
// (a missing tool wraps ErrMissing); a failing scenario is a Result with
// Passed false.
func Boot(ctx context.Context, cfg Config, dir string, logf func(format string, args ...any)) (*Result, error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	q, err := LaneQEMU(cfg.Lane)
	if err != nil {
		return nil, err
	}
	qemu := q.Binary
	cache, err := CacheDir()
	if err != nil {
		return nil, err
	}
	k, err := fetchKernel(ctx, cache, cfg.Kernel)
	if err != nil {
		return nil, err
	}
	buildStart := time.Now()
	initrd, err := buildInitramfs(ctx, &cfg, k, cache, dir)
	if err != nil {
		return nil, err
	}
	logf("vmtest: kernel %s, initramfs built in %v", k.Release, time.Since(buildStart).Round(time.Millisecond))

	res := &Result{Dir: dir, PCAP: make([]string, len(cfg.NICs)), GuestBoot: -1, GuestScenario: -1}
	for i, n := range cfg.NICs {
		if n.Dump {
			res.PCAP[i] = filepath.Join(dir, fmt.Sprintf("nic%d.pcap", i))
		}
	}
	// A unix socket path must fit in 108 bytes; test temp dirs can be long.
	sockDir, err := os.MkdirTemp("", "gopkt-qmp")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(sockDir)
	qmp := filepath.Join(sockDir, "qmp.sock")

	runCtx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, qemu, append(q.Args, qemuArgs(&cfg, k.Vmlinuz, initrd, qmp, res.PCAP)...)...)
	if len(q.Env) > 0 {
		cmd.Env = append(os.Environ(), q.Env...)
	}
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout // QEMU warnings go to the console log too
	logFile, err := os.Create(filepath.Join(dir, "console.log"))
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	fmt.Fprintf(logFile, "# %s %s\n", qemu, strings.Join(cmd.Args[1:], " "))

	// QEMU dies with us: if the test binary is killed (a CI timeout, ^C),
	// the kernel sends QEMU SIGKILL instead of leaving an orphan guest
	// spinning. Pdeathsig fires when the forking thread exits, so this
	// goroutine keeps its thread until QEMU has been waited for (Go ends
	// threads only when a locked goroutine exits; ours unlocks).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("vmtest: start %s: %w", qemu, err)
	}
	con := newConsole()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer con.close()
		readConsole(stdout, con, logFile, start, logf)
	}()

	var hostErr error
	var hostMu sync.Mutex
	mon, monErr := dialMonitor(qmp, time.Now().Add(min(cfg.Timeout, 60*time.Second)))
	if monErr != nil {
		logf("vmtest: %v", monErr)
	}
	if cfg.Host != nil {
		if monErr != nil {
			hostErr = monErr
			cancel()
		} else {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := cfg.Host(&Host{Monitor: mon, con: con, stdin: stdin})
				if err != nil {
					hostMu.Lock()
					hostErr = err
					hostMu.Unlock()
					cancel()
				}
			}()
		}
	}
	exited := make(chan struct{})
	// A guest without a verdict shortly before its timeout is examined
	// (postmortem.go) while it still runs.
	pmLead := postMortemLead(cfg.Timeout)
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-time.After(cfg.Timeout - pmLead):
		case <-exited:
			return
		}
		if _, _, ok := parseVerdict(con.snapshot()); !ok {
			postMortem(mon, cmd.Process.Pid, pmLead, logf)
		}
	}()
	if _, _, err := con.wait(0, markBoot, cfg.Timeout); err == nil {
		res.BootWall = time.Since(start)
	}
	// Once the verdict is out the run is decided: a guest whose shutdown
	// hangs (seen with an SR-IOV VF left on vfio-pci: poweroff blocked for
	// minutes) is stopped after poweroffGrace instead of holding the test
	// until cfg.Timeout.
	var hung atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		if _, _, err := con.wait(0, markResult, cfg.Timeout); err != nil {
			return
		}
		select {
		case <-exited:
		case <-time.After(poweroffGrace):
			hung.Store(true)
			cancel()
		}
	}()
	waitErr := cmd.Wait()
	close(exited)
	con.close()
	if mon != nil {
		mon.Close()
	}
	wg.Wait()
	res.Wall = time.Since(start)
	res.Console = con.snapshot()
	if res.PoweroffHung = hung.Load(); res.PoweroffHung {
		logf("vmtest: the guest printed its verdict but had not powered off %v later; QEMU was stopped (the verdict stands)", poweroffGrace)
	}
	res.GuestBoot, res.GuestScenario = parseTimes(res.Console)

	hostMu.Lock()
	defer hostMu.Unlock()
	v, passed, ok := parseVerdict(res.Console)
	switch {
	case ok:
		res.Verdict, res.Passed = v, passed
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		res.Verdict = fmt.Sprintf("FAIL no verdict within the timeout of %v; QEMU was killed", cfg.Timeout)
	case hostErr != nil:
		res.Verdict = "FAIL no verdict: the guest was stopped after the host side failed"
	case ctx.Err() != nil:
		res.Verdict = "FAIL cancelled: " + ctx.Err().Error()
	default:
		res.Verdict = fmt.Sprintf("FAIL the guest stopped without a verdict (QEMU: %v); a kernel panic or an init failure is in the console", waitErr)
	}
	if hostErr != nil {
		// The host side failing fails the run, but a guest FAIL said first
		// is usually the cause, so it stays in front.
		res.Passed = false
		if v, _ := strings.CutPrefix(res.Verdict, "PASS"); v != res.Verdict || res.Verdict == "PASS" {
			res.Verdict = "FAIL host: " + hostErr.Error()
		} else {
			res.Verdict += " (host: " + hostErr.Error() + ")"
		}
	}
	return res, nil
}

// poweroffGrace is how long a guest may take from its verdict to power
// off (sync and poweroff -f: a second or two, tens under TCG load).
const poweroffGrace = 60 * time.Second

// readConsole splits QEMU's output into lines for the console, the log file
// and logf.
func readConsole(r io.Reader, con *console, log io.Writer, start time.Time, logf func(string, ...any)) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		fmt.Fprintln(log, l)
		logf("[%6.2fs] %s", time.Since(start).Seconds(), l)
		con.add(l)
	}
	io.Copy(io.Discard, r) // an over-long line stops the scanner: keep QEMU unblocked
}
