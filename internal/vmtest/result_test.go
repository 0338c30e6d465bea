package vmtest

import (
	"testing"
	"time"
)

func TestParseVerdict(t *testing.T) {
	tests := []struct {
		lines    []string
		verdict  string
		pass, ok bool
	}{
		{[]string{"x", "GOPKT-RESULT: PASS", "GOPKT-RESULT: FAIL later"}, "PASS", true, true},
		{[]string{"GOPKT-RESULT: FAIL eth0 missing", "GOPKT-RESULT: FAIL scenario exited with status 1"}, "FAIL eth0 missing", false, true},
		{[]string{"[ 1.2] e1000: GOPKT-RESULT: PASS  "}, "PASS", true, true},
		{[]string{"GOPKT-RESULT: PASSED"}, "PASSED", false, true},
		{[]string{"no verdict"}, "", false, false},
		{nil, "", false, false},
	}
	for _, tt := range tests {
		v, p, ok := parseVerdict(tt.lines)
		if v != tt.verdict || p != tt.pass || ok != tt.ok {
			t.Errorf("parseVerdict(%q) = %q %v %v, want %q %v %v", tt.lines, v, p, ok, tt.verdict, tt.pass, tt.ok)
		}
	}
}

func TestParseTimes(t *testing.T) {
	tests := []struct {
		line           string
		boot, scenario time.Duration
	}{
		{"GOPKT-TIME: boot=3.12 scenario=0.13", 3120 * time.Millisecond, 130 * time.Millisecond},
		{"GOPKT-TIME: boot=x scenario=-1", -1, -1},
		{"GOPKT-TIME: scenario=2", -1, 2 * time.Second},
		{"nothing", -1, -1},
	}
	for _, tt := range tests {
		b, s := parseTimes([]string{tt.line})
		if b != tt.boot || s != tt.scenario {
			t.Errorf("parseTimes(%q) = %v %v, want %v %v", tt.line, b, s, tt.boot, tt.scenario)
		}
	}
}

func FuzzParseConsole(f *testing.F) {
	for _, s := range []string{"GOPKT-RESULT: PASS", "GOPKT-TIME: boot=1e400 scenario=NaN", "GOPKT-TIME: =", "GOPKT-RESULT: "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, pass, ok := parseVerdict([]string{s})
		if pass && (!ok || v != "PASS") {
			t.Fatalf("pass without a PASS verdict: %q", s)
		}
		b, sc := parseTimes([]string{s})
		if b < -1 || sc < -1 {
			t.Fatalf("negative times %v %v from %q", b, sc, s)
		}
	})
}

func TestResultHelpers(t *testing.T) {
	r := &Result{Console: []string{"a 1", "b", "a 2"}}
	if g := r.Grep("a "); len(g) != 2 || g[1] != "a 2" {
		t.Errorf("Grep = %q", g)
	}
	if r.Tail(2) != "b\na 2" || r.Tail(10) != "a 1\nb\na 2" || r.Output() != "a 1\nb\na 2" {
		t.Errorf("Tail/Output = %q %q", r.Tail(2), r.Output())
	}
}

// TestEmulatorAbort: only a known QEMU abort before the guest's boot mark
// is retried.
func TestEmulatorAbort(t *testing.T) {
	line := "qemu-system-x86_64: system/physmem.c:2678: iotlb_to_section: Assertion `section_index < d->map.sections_nb' failed."
	for _, c := range []struct {
		name string
		res  Result
		want bool
	}{
		{"before init", Result{Console: []string{"warning: hub 0 is not connected", line}}, true},
		{"after init", Result{Console: []string{"GOPKT-BOOT: 1.7", line}, BootWall: 5 * time.Second}, false},
		{"other abort", Result{Console: []string{"qemu-system-x86_64: some other assertion failed"}}, false},
		{"kernel panic", Result{Console: []string{"Kernel panic - not syncing"}}, false},
	} {
		if got := emulatorAbort(&c.res) != ""; got != c.want {
			t.Errorf("%s: retried %v, want %v", c.name, got, c.want)
		}
	}
}
