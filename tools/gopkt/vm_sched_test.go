package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// qemuSched records, from the host, how QEMU's threads were scheduled while
// a guest ran: every few milliseconds each thread's time on a CPU and time
// runnable but waiting for one (/proc/TID/schedstat, Documentation/
// scheduler/sched-stats.rst: the first two fields, in ns). A TCG vCPU
// thread that waits on the host's runqueue is a guest CPU that executes
// nothing, whatever the guest's clock (which follows the host's) says;
// QEMU's main thread runs the guest's timers (QEMU_CLOCK_VIRTUAL: the
// LAPIC timer) and the capture. It also maps the capture's timestamps to
// host time: filter-dump stamps a frame with QEMU's virtual clock plus the
// second it started (net/dump.c), so the sampler reads the pcap as it grows
// and keeps the smallest host-time-minus-stamp of its newest frame.
type qemuSched struct {
	mu      sync.Mutex
	names   []string // per thread: "vCPU0", "vCPU1", "main", "tid N"
	tids    []int
	samples []schedSample
	offset  time.Duration // host time minus pcap stamp (smallest seen)
	haveOff bool
	pcap    string
	err     error
}

type schedSample struct {
	at        time.Time
	run, wait []time.Duration // per thread, cumulative
}

// sample runs as vmtest.Config.Host: it asks QMP for the vCPU threads,
// then samples until QEMU is gone.
func (q *qemuSched) sample(h *vmtest.Host) error {
	raw, err := h.Monitor.Execute("query-cpus-fast", nil)
	if err != nil {
		q.setErr(err)
		return nil // the measurement is an aid; the scenario goes on
	}
	var cpus []struct {
		Index  int `json:"cpu-index"`
		Thread int `json:"thread-id"`
	}
	if err := json.Unmarshal(raw, &cpus); err != nil || len(cpus) == 0 {
		q.setErr(fmt.Errorf("query-cpus-fast: %s: %v", raw, err))
		return nil
	}
	pid := tgid(cpus[0].Thread)
	q.mu.Lock()
	// A second boot (vmtest retries one QEMU aborted on a known bug)
	// starts afresh.
	q.names, q.tids, q.samples, q.haveOff, q.offset, q.err = nil, nil, nil, false, 0, nil
	q.names, q.tids = append(q.names, "main"), append(q.tids, pid)
	for _, c := range cpus {
		q.names, q.tids = append(q.names, fmt.Sprintf("vCPU%d", c.Index)), append(q.tids, c.Thread)
	}
	q.pcap = pcapArg(pid)
	q.mu.Unlock()
	var pcapOff int64
	var pf *os.File
	defer func() {
		if pf != nil {
			pf.Close()
		}
	}()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		s := schedSample{at: time.Now()}
		for _, tid := range q.tids {
			r, w, err := schedstat(pid, tid)
			if err != nil {
				return nil // QEMU has exited
			}
			s.run, s.wait = append(s.run, r), append(s.wait, w)
		}
		if pf == nil && q.pcap != "" {
			pf, _ = os.Open(q.pcap)
			pcapOff = 24 // the file header
		}
		var newest time.Time
		if pf != nil {
			newest, pcapOff = pcapNewest(pf, pcapOff)
		}
		q.mu.Lock()
		q.samples = append(q.samples, s)
		if !newest.IsZero() {
			if d := s.at.Sub(newest); !q.haveOff || d < q.offset {
				q.offset, q.haveOff = d, true
			}
		}
		q.mu.Unlock()
	}
	return nil
}

func (q *qemuSched) setErr(err error) {
	q.mu.Lock()
	q.err = err
	q.mu.Unlock()
}

// tgid is the process of thread tid.
func tgid(tid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Tgid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return tid
}

// pcapArg finds filter-dump's file in QEMU's command line.
func pcapArg(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	for _, a := range bytes.Split(b, []byte{0}) {
		if !bytes.HasPrefix(a, []byte("filter-dump,")) {
			continue
		}
		for _, kv := range strings.Split(string(a), ",") {
			if v, ok := strings.CutPrefix(kv, "file="); ok {
				return v
			}
		}
	}
	return ""
}

func schedstat(pid, tid int) (run, wait time.Duration, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", strconv.Itoa(tid), "schedstat"))
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, 0, fmt.Errorf("schedstat %q", b)
	}
	r, err1 := strconv.ParseInt(f[0], 10, 64)
	w, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("schedstat %q", b)
	}
	return time.Duration(r), time.Duration(w), nil
}

// pcapNewest reads the records (little-endian, microsecond pcap as QEMU
// writes it) from off on and returns the newest one's stamp and the offset
// after the last whole record.
func pcapNewest(f *os.File, off int64) (time.Time, int64) {
	var newest time.Time
	st, err := f.Stat()
	if err != nil {
		return newest, off
	}
	var hdr [16]byte
	for off+16 <= st.Size() {
		if _, err := f.ReadAt(hdr[:], off); err != nil {
			break
		}
		n := int64(binary.LittleEndian.Uint32(hdr[8:]))
		if off+16+n > st.Size() {
			break
		}
		newest = time.Unix(int64(binary.LittleEndian.Uint32(hdr[0:])), int64(binary.LittleEndian.Uint32(hdr[4:]))*1000)
		off += 16 + n
	}
	return newest, off
}

// threadUse is one thread's scheduling in an interval.
type threadUse struct {
	name       string
	run, wait  time.Duration
	longestOff time.Duration // longest run of samples in which it did not run at all while it waited
}

// during reports each thread's run and runqueue wait between two capture
// stamps, or why it cannot.
func (q *qemuSched) during(from, to time.Time) ([]threadUse, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return nil, q.err
	}
	if !q.haveOff || len(q.samples) < 2 {
		return nil, fmt.Errorf("no host scheduling samples aligned with the capture")
	}
	a, b := from.Add(q.offset), to.Add(q.offset)
	i := 0
	for i+1 < len(q.samples) && !q.samples[i+1].at.After(a) {
		i++
	}
	j := i
	for j+1 < len(q.samples) && q.samples[j].at.Before(b) {
		j++
	}
	out := make([]threadUse, len(q.tids))
	for k := range q.tids {
		u := threadUse{name: q.names[k], run: q.samples[j].run[k] - q.samples[i].run[k], wait: q.samples[j].wait[k] - q.samples[i].wait[k]}
		var start time.Time
		for s := i + 1; s <= j; s++ {
			idle := q.samples[s].run[k] == q.samples[s-1].run[k] && q.samples[s].wait[k] > q.samples[s-1].wait[k]
			switch {
			case idle && start.IsZero():
				start = q.samples[s-1].at
			case !idle && !start.IsZero():
				u.longestOff = max(u.longestOff, q.samples[s-1].at.Sub(start))
				start = time.Time{}
			}
		}
		if !start.IsZero() {
			u.longestOff = max(u.longestOff, q.samples[j].at.Sub(start))
		}
		out[k] = u
	}
	return out, nil
}

// frozen is a lower bound on how long, between two capture stamps, QEMU
// did not run the guest although the guest had work. Per sampling
// interval: the longest any of QEMU's threads (vCPUs, and the main thread
// that runs the guest's timers) was busy in it (on a CPU or waiting on the
// host's runqueue) less the time all of them ran. Had their runs never
// overlapped, the guest ran that long at most, and the rest of the
// busiest thread's time it waited: a vCPU halted in the guest (idle,
// waiting for an interrupt or a timer) counts as neither, so a guest with
// nothing to do is never called frozen. Intervals cut by the ends count
// in proportion.
func (q *qemuSched) frozen(from, to time.Time) (time.Duration, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return 0, q.err
	}
	if !q.haveOff || len(q.samples) < 2 {
		return 0, fmt.Errorf("no host scheduling samples aligned with the capture")
	}
	a, b := from.Add(q.offset), to.Add(q.offset)
	if a.Before(q.samples[0].at) || b.After(q.samples[len(q.samples)-1].at) {
		return 0, fmt.Errorf("gap %v..%v outside the sampled %v..%v", a, b, q.samples[0].at, q.samples[len(q.samples)-1].at)
	}
	var total float64
	for i := 1; i < len(q.samples); i++ {
		s0, s1 := q.samples[i-1], q.samples[i]
		lo, hi := maxTime(s0.at, a), minTime(s1.at, b)
		if !hi.After(lo) {
			continue
		}
		span := s1.at.Sub(s0.at)
		var busiest, ran time.Duration
		for k := range q.names {
			run, wait := s1.run[k]-s0.run[k], s1.wait[k]-s0.wait[k]
			busiest = max(busiest, run+wait)
			ran += run
		}
		f := min(max(busiest-ran, 0), span)
		total += float64(f) * float64(hi.Sub(lo)) / float64(span)
	}
	return time.Duration(total), nil
}

// waited returns the capture-time spans in which guest CPU cpu's vCPU
// thread certainly waited on the host's runqueue (executing nothing of the
// guest) between from and to. The kernel credits a wait to schedstat when
// it ends, so a sample whose wait grew by W over its span (s0..s1] saw one
// wait end of at least W-span (a thread's waits follow one another; only
// the first to end in it can have begun before s0): it covered at least
// s1-W+span .. s0. A bound from below, like frozen's.
func (q *qemuSched) waited(cpu int, from, to time.Time) [][2]time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil || !q.haveOff || len(q.samples) < 2 {
		return nil
	}
	k := slices.Index(q.names, fmt.Sprintf("vCPU%d", cpu))
	if k < 0 {
		return nil
	}
	a, b := from.Add(q.offset), to.Add(q.offset)
	var out [][2]time.Time
	for i := 1; i < len(q.samples); i++ {
		s0, s1 := q.samples[i-1], q.samples[i]
		if s0.at.Before(a) && s1.at.Before(a) || s1.at.Sub(s0.at) <= 0 {
			continue
		}
		span := s1.at.Sub(s0.at)
		w := s1.wait[k] - s0.wait[k]
		if w <= 2*span {
			continue
		}
		lo, hi := maxTime(s1.at.Add(-w+span), a), minTime(s0.at, b)
		if hi.After(lo) {
			out = append(out, [2]time.Time{lo.Add(-q.offset), hi.Add(-q.offset)})
		}
		if s0.at.After(b) {
			break
		}
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// dump writes the samples as CSV (host time in ns, then run and wait in
// ns per thread) with the capture offset in a comment, for a look at a
// failed run afterwards.
func (q *qemuSched) dump(path string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "# capture offset %d ns (host time = pcap stamp + offset)\nunix_ns", q.offset.Nanoseconds())
	for _, n := range q.names {
		fmt.Fprintf(&b, ",%s_run,%s_wait", n, n)
	}
	b.WriteByte('\n')
	for _, s := range q.samples {
		fmt.Fprint(&b, s.at.UnixNano())
		for k := range s.run {
			fmt.Fprintf(&b, ",%d,%d", s.run[k].Nanoseconds(), s.wait[k].Nanoseconds())
		}
		b.WriteByte('\n')
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

func (q *qemuSched) String() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return fmt.Sprintf("%d samples of %v, capture offset %v", len(q.samples), q.names, q.offset)
}

func formatUse(us []threadUse) string {
	var b strings.Builder
	for i, u := range us {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s ran %v waited %v (longest unrun while runnable %v)", u.name, u.run.Round(time.Millisecond), u.wait.Round(time.Millisecond), u.longestOff.Round(time.Millisecond))
	}
	return b.String()
}
