package vmtest

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A guest that has printed no verdict shortly before its timeout is examined
// before QEMU is killed, so that a hang in CI says where it was: whether
// QEMU's threads ran (host), whether the guest's CPUs moved (their
// instruction pointers, through the monitor), and what every guest task was
// doing (SysRq t and l through the emulated keyboard: the kernel prints each
// task's state and stack on the console, the scenario's shell and the
// command it waits for among them). The guest's init enables SysRq for this.

// postMortemLead is how long before the timeout the post-mortem starts: the
// guest needs a few seconds to print its task dump to the console.
func postMortemLead(timeout time.Duration) time.Duration {
	return min(20*time.Second, timeout/5)
}

// postMortem logs what the host and the monitor show of a guest that has
// not finished, and asks the guest's kernel for its task dump.
func postMortem(mon *Monitor, pid int, lead time.Duration, logf func(string, ...any)) {
	logf("vmtest: post-mortem: no verdict %v before the timeout; what the host and the guest show:", lead)
	before := qemuThreads(pid)
	rip0 := guestRIPs(mon)
	time.Sleep(2 * time.Second)
	after := qemuThreads(pid)
	rip1 := guestRIPs(mon)
	names := threadNames(mon, pid)
	for _, tid := range slices.Sorted(maps.Keys(after)) {
		th := after[tid]
		if n, ok := names[th.tid]; ok {
			th.comm = n
		}
		ran := "?"
		if b, ok := before[th.tid]; ok {
			ran = fmt.Sprintf("%d ms", (th.cpuTicks-b.cpuTicks)*1000/clockTicks)
		}
		logf("vmtest: post-mortem: QEMU thread %d %q: state %s, ran %s of the last 2 s, waits in %q", th.tid, th.comm, th.state, ran, th.wchan)
	}
	for cpu, r := range rip1 {
		moved := "unknown"
		if cpu < len(rip0) {
			moved = strconv.FormatBool(rip0[cpu] != r)
		}
		logf("vmtest: post-mortem: guest CPU %d at RIP %s (moved in 2 s: %s)", cpu, r, moved)
	}
	if mon == nil {
		logf("vmtest: post-mortem: no monitor: no guest task dump")
		return
	}
	// SysRq 8: console log level 8, or the "quiet" guest's console drops
	// the dump (the handler raises the level only while it runs, and the
	// console prints later); t: every task's state and stack; l: a
	// backtrace of each active CPU (a kernel spinning).
	for _, k := range []string{"8", "t", "l"} {
		if _, err := mon.HMP("sendkey alt-sysrq-" + k); err != nil {
			logf("vmtest: post-mortem: sendkey alt-sysrq-%s: %v", k, err)
		}
		time.Sleep(time.Second)
	}
	logf("vmtest: post-mortem: asked the guest for its task dump (SysRq 8, t, l): see the console")
}

// threadNames names QEMU's main thread and its vCPU threads (QMP
// query-cpus-fast); other threads keep their kernel names.
func threadNames(mon *Monitor, pid int) map[int]string {
	names := map[int]string{pid: "main"}
	if mon == nil {
		return names
	}
	raw, err := mon.Execute("query-cpus-fast", nil)
	if err != nil {
		return names
	}
	var cpus []struct {
		Index  int `json:"cpu-index"`
		Thread int `json:"thread-id"`
	}
	if json.Unmarshal(raw, &cpus) == nil {
		for _, c := range cpus {
			names[c.Thread] = fmt.Sprintf("vCPU%d", c.Index)
		}
	}
	return names
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times (100 on every
// Linux architecture Go supports here).
const clockTicks = 100

type qemuThread struct {
	tid      int
	comm     string
	state    string
	cpuTicks int64
	wchan    string
}

// qemuThreads reads QEMU's threads from /proc: name, state, CPU time.
func qemuThreads(pid int) map[int]qemuThread {
	out := map[int]qemuThread{}
	dir := fmt.Sprintf("/proc/%d/task", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, e := range ents {
		tid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "stat"))
		if err != nil {
			continue
		}
		th, ok := parseTaskStat(string(b))
		if !ok {
			continue
		}
		th.tid = tid
		if w, err := os.ReadFile(filepath.Join(dir, e.Name(), "wchan")); err == nil {
			th.wchan = string(w)
		}
		out[tid] = th
	}
	return out
}

// parseTaskStat reads comm, state, utime and stime from a
// /proc/PID/task/TID/stat line (proc(5): comm is in parentheses and may
// contain spaces and parentheses, so the fields after the last ')').
func parseTaskStat(s string) (qemuThread, bool) {
	i, j := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if i < 0 || j < i {
		return qemuThread{}, false
	}
	f := strings.Fields(s[j+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return qemuThread{}, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return qemuThread{}, false
	}
	return qemuThread{comm: s[i+1 : j], state: f[0], cpuTicks: ut + st}, true
}

var ripRE = regexp.MustCompile(`RIP=([0-9a-f]{16})`)

// guestRIPs asks the monitor for every vCPU's registers and returns their
// instruction pointers in CPU order.
func guestRIPs(mon *Monitor) []string {
	if mon == nil {
		return nil
	}
	s, err := mon.HMP("info registers -a")
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range ripRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
