package vmtest

import (
	"strconv"
	"strings"
	"time"
)

// Result is what a guest run produced.
type Result struct {
	// Passed is true when the guest printed "GOPKT-RESULT: PASS".
	Passed bool
	// Verdict is the text after "GOPKT-RESULT: " on the first verdict line,
	// or the harness's own FAIL reason (timeout, no verdict, host error).
	Verdict string
	// Console is the guest's serial output, one entry per line.
	Console []string
	// PCAP[i] is the capture file of NIC i, "" when Dump was off.
	PCAP []string
	// Dir holds console.log, the pcaps and the initramfs.
	Dir string
	// BootWall is the wall time from starting QEMU to init's first line;
	// Wall the whole run.
	BootWall, Wall time.Duration
	// GuestBoot and GuestScenario are guest uptime at init start and the
	// scenario's duration, as the guest measured them (-1 if not printed).
	GuestBoot, GuestScenario time.Duration
	// PoweroffHung is set when the guest printed its verdict but QEMU was
	// still running poweroffGrace later and was stopped (the verdict
	// stands; the guest kernel's shutdown hung).
	PoweroffHung bool
}

// Output is the console as one string.
func (r *Result) Output() string { return strings.Join(r.Console, "\n") }

// Grep returns the console lines containing substr.
func (r *Result) Grep(substr string) []string {
	var out []string
	for _, l := range r.Console {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return out
}

// Tail returns the last n console lines as one string.
func (r *Result) Tail(n int) string {
	c := r.Console
	if len(c) > n {
		c = c[len(c)-n:]
	}
	return strings.Join(c, "\n")
}

// parseVerdict finds the first verdict line. ok is false when there is none.
func parseVerdict(lines []string) (verdict string, passed, ok bool) {
	for _, l := range lines {
		i := strings.Index(l, markResult)
		if i < 0 {
			continue
		}
		v := strings.TrimSpace(l[i+len(markResult):])
		return v, v == "PASS", true
	}
	return "", false, false
}

// parseTimes reads "GOPKT-TIME: boot=S scenario=S"; missing values are -1.
func parseTimes(lines []string) (boot, scenario time.Duration) {
	boot, scenario = -1, -1
	for _, l := range lines {
		i := strings.Index(l, markTime)
		if i < 0 {
			continue
		}
		for _, f := range strings.Fields(l[i+len(markTime):]) {
			k, v, _ := strings.Cut(f, "=")
			s, err := strconv.ParseFloat(v, 64)
			if err != nil || !(s >= 0 && s <= 1e6) { // also rejects NaN
				continue
			}
			d := time.Duration(s * float64(time.Second))
			switch k {
			case "boot":
				boot = d
			case "scenario":
				scenario = d
			}
		}
		break
	}
	return boot, scenario
}
