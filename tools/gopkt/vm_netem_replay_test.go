package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// TestNetemReplay runs the netem matrix's stall check again on a kept run
// (GOPKT_VM_ARTIFACTS): GOPKT_NETEM_REPLAY names its directory (console.log,
// nic0.pcap, sched.csv), so a change to the check can be tried on the
// captures that made it fail. The run's own test is told by its console:
// gopkt's (TestVMDaemonTCPNetem) or Linux's (TestVMLinuxTCPNetem).
func TestNetemReplay(t *testing.T) {
	dir := os.Getenv("GOPKT_NETEM_REPLAY")
	if dir == "" {
		t.Skip("set GOPKT_NETEM_REPLAY to a kept netem run's artifacts directory")
	}
	b, err := os.ReadFile(filepath.Join(dir, "console.log"))
	if err != nil {
		t.Fatal(err)
	}
	res := &vmtest.Result{Console: strings.Split(string(b), "\n"), PCAP: []string{filepath.Join(dir, "nic0.pcap")}, Dir: dir}
	var sched qemuSched
	if err := sched.load(filepath.Join(dir, "sched.csv")); err != nil {
		t.Fatal(err)
	}
	flows := linuxNetemFlows
	if len(res.Grep("STEP stop gopkt")) > 0 {
		flows = daemonNetemFlows
	}
	checkNetemStalls(t, res, &sched, flows)
}

// load reads what dump wrote.
func (q *qemuSched) load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		l := sc.Text()
		if off, ok := strings.CutPrefix(l, "# capture offset "); ok {
			var ns int64
			if _, err := fmt.Sscanf(off, "%d ns", &ns); err != nil {
				return err
			}
			q.offset, q.haveOff = time.Duration(ns), true
			continue
		}
		f := strings.Split(l, ",")
		if f[0] == "unix_ns" {
			for i := 1; i+1 < len(f); i += 2 {
				q.names = append(q.names, strings.TrimSuffix(f[i], "_run"))
				q.tids = append(q.tids, 0)
			}
			continue
		}
		at, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || len(f) != 1+2*len(q.names) {
			return fmt.Errorf("%s: bad line %q", path, l)
		}
		s := schedSample{at: time.Unix(0, at)}
		for i := 1; i+1 < len(f); i += 2 {
			r, _ := strconv.ParseInt(f[i], 10, 64)
			w, _ := strconv.ParseInt(f[i+1], 10, 64)
			s.run, s.wait = append(s.run, time.Duration(r)), append(s.wait, time.Duration(w))
		}
		q.samples = append(q.samples, s)
	}
	return sc.Err()
}
