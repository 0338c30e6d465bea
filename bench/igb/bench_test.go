package bench

import (
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/bench/internal/rounds"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// pmdPeer is the destination testpmd's txonly mode sends to (its default
// peer address); our pktgen sends to it too, so that the other 82576 on
// the hub drops both sides' frames in its address filter alike.
const pmdPeer = "02:00:00:00:00:00"

// flows is the number of UDP flows of the RX source and of the forwarding
// tests' first bursts: enough for RSS to spread them over the queues.
const flows = 64

// testpmd runs dpdk-testpmd on the 82576s in allow with q queue pairs and
// one forwarding lcore per queue pair (lcore 0 is the main one).
func testpmd(secs, q int, allow, mode string) string {
	args := fmt.Sprintf("%s --rxq=%d --txq=%d --nb-cores=%d", mode, q, q, q)
	if q > 1 {
		// RSS over the UDP ports as well as the addresses: the RX
		// source's flows differ in their source port only.
		args += " --rss-udp"
	}
	return rounds.Testpmd(secs, fmt.Sprintf("0-%d", q), allow, args)
}

// script is the guest's benchmark: nrounds rounds of each test for each
// queue count in qs; only lists the sections to run (tx, rx, fwd), nil
// meaning all.
func script(secs, nrounds int, qs []int, only map[string]bool) string {
	run := func(s string) bool { return only == nil || only[s] }
	d := fmt.Sprintf("%ds", secs)
	var b strings.Builder
	fmt.Fprintf(&b, "LIMIT=%d\n", secs+60)
	b.WriteString(`
for a in $NIC0_ADDR $NIC3_ADDR; do must vfio-bind bind --force $a; done
# ours runs e1000-test; with PROFILE set, under --cpuprofile, the profile
# printed in base64 after the command's output.
# Each run is bounded (its --duration plus a minute).
ours() {
	if [ -z "$PROFILE" ]; then must timeout -s KILL $LIMIT e1000-test "$@"; return; fi
	must timeout -s KILL $LIMIT e1000-test "$@" --cpuprofile /tmp/prof.pb
	echo PROFILE-BEGIN; base64 /tmp/prof.pb; echo PROFILE-END
}
section() { [ -z "$TRACE" ] || dd if=/dev/port of=/dev/null bs=1 skip=128 count=1 2>/dev/null; echo "BENCH-SECTION $1"; }
` + rounds.ChmodPMD())
	// Rounds alternate the drivers so that both see the same share of a
	// noisy, shared host.
	for _, q := range qs {
		for r := 0; r < nrounds && run("tx"); r++ {
			fmt.Fprintf(&b, "section ours-tx-%d\nours pktgen --queues %d --size 60 --dst %s --duration %s $NIC0_ADDR\n", q, q, pmdPeer, d)
			fmt.Fprintf(&b, "section dpdk-tx-%d\n%s\n", q, testpmd(secs, q, "-a $NIC0_ADDR", "--forward-mode=txonly --txpkts=60"))
		}
	}
	if run("rx") {
		fmt.Fprintf(&b, `section source
e1000-test pktgen --flows %d --dst $NIC0_MAC --duration 0 $NIC3_ADDR >/tmp/src.txt 2>&1 &
src=$!
sleep 2
`, flows)
		for _, q := range qs {
			for r := 0; r < nrounds; r++ {
				fmt.Fprintf(&b, "section ours-rx-%d\nours rx --mode poll --queues %d --duration %s $NIC0_ADDR\n", q, q, d)
				fmt.Fprintf(&b, "section dpdk-rx-%d\n%s\n", q, testpmd(secs, q, "-a $NIC0_ADDR", "--forward-mode=rxonly"))
			}
		}
		b.WriteString("section source-end\n" + rounds.Stop("$src", "the RX source") + `
echo "SOURCE $(grep 'pktgen: sent' /tmp/src.txt)"
`)
	}
	for _, q := range qs {
		for r := 0; r < nrounds && run("fwd"); r++ {
			fmt.Fprintf(&b, "section ours-fwd-%d\nours fwd --queues %d --tx-first 32 --flows %d --duration %s $NIC0_ADDR $NIC3_ADDR\n", q, q, flows, d)
			fmt.Fprintf(&b, "section dpdk-fwd-%d\n%s\n", q, testpmd(secs, q, "-a $NIC0_ADDR -a $NIC3_ADDR", "--forward-mode=io --tx-first --txonly-multi-flow"))
		}
	}
	b.WriteString("section end\n")
	return b.String()
}

// test is one row of the table: the regexps of each side's per-second
// rate and per-queue totals.
type test struct {
	key, name     string
	ours, dpdk    string
	sumPorts      bool
	oursQ         string // per-queue total on our side: queue, count
	pmdDir        string // testpmd stream direction counted per queue: "rx" or "tx"
	multiFlowOnly bool   // per-queue spread checked (the traffic has many flows)
}

func tests() []test {
	return []test{
		{key: "tx", name: "TX", ours: `pktgen: +\d+s tx +(\d+) pps`, dpdk: `Tx-pps: +(\d+)`,
			oursQ: `pktgen: queue (\d+): sent (\d+)`, pmdDir: "tx"},
		{key: "rx", name: "RX", ours: `rx: +\d+s rx +(\d+) pps`, dpdk: `Rx-pps: +(\d+)`,
			oursQ: `rx: queue (\d+): received (\d+)`, pmdDir: "rx", multiFlowOnly: true},
		{key: "fwd", name: "forward (2 ports)", ours: `fwd: +\d+s +(\d+) pps`, dpdk: `Tx-pps: +(\d+)`, sumPorts: true,
			oursQ: `fwd: queue (\d+): port 0 rx (\d+)`, pmdDir: "rx", multiFlowOnly: true},
	}
}

// TestBenchIGB is the side-by-side benchmark (see doc.go).
func TestBenchIGB(t *testing.T) {
	if os.Getenv("GOPKT_BENCH") != "1" {
		t.Skip("the igb benchmark boots a guest for many minutes; run bench/igb/run.sh (GOPKT_BENCH=1)")
	}
	// GOPKT_BENCH_SECONDS, GOPKT_BENCH_ROUNDS, GOPKT_BENCH_ONLY (tx, rx, fwd).
	set := rounds.Env()
	secs, nrounds, only := set.Seconds, set.Rounds, set.Only
	qs := []int{1, 2}
	if s := os.Getenv("GOPKT_BENCH_QUEUES"); s != "" {
		qs = nil
		for _, k := range strings.Split(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(k))
			if err != nil || n < 1 || n > 2 {
				t.Fatalf("GOPKT_BENCH_QUEUES=%q: want a comma list of 1 and 2", s)
			}
			qs = append(qs, n)
		}
	}
	if _, err := os.Stat(filepath.Join(rounds.PMDDir, "librte_net_e1000.so.23.0")); err != nil {
		t.Skipf("DPDK 22.11 is not installed (%v): apt-get install dpdk-dev", err)
	}
	// GOPKT_BENCH_TRACE=FILE counts register accesses (trace_test.go).
	traceFile := os.Getenv("GOPKT_BENCH_TRACE")
	var qemuArgs []string
	env := map[string]string{}
	if traceFile != "" {
		qemuArgs = traceArgs(traceFile)
		env["TRACE"] = "1"
	}
	// GOPKT_BENCH_PROFILE=DIR keeps a Go CPU profile of each of our
	// rounds there (go tool pprof -top DIR/ours-tx-1.0.pb).
	profDir := os.Getenv("GOPKT_BENCH_PROFILE")
	if profDir != "" {
		env["PROFILE"] = "1"
	}
	cfg := guest(script(secs, nrounds, qs, only), 45*time.Minute)
	cfg.QEMUArgs, cfg.Env = qemuArgs, env
	res := vmtest.Run(t, cfg)
	sec := rounds.Sections(res.Console)
	report := table(sec, qs, only, nrounds, secs)
	if profDir != "" {
		if err := saveProfiles(profDir, sec); err != nil {
			t.Errorf("profiles: %v", err)
		}
	}
	if traceFile != "" {
		order := sectionOrder(res.Console)
		counts, err := splitTrace(traceFile, order)
		if err != nil {
			t.Errorf("trace: %v", err)
		}
		report.text += mmioTable(order, sec, counts)
	}
	for _, l := range res.Grep("SOURCE") {
		report.text += fmt.Sprintf("RX source (e1000-test pktgen --flows %d, 1 queue, on the other 82576): %s\n", flows, l[strings.Index(l, "SOURCE"):])
	}
	t.Log(report.text)
	if out := os.Getenv("GOPKT_BENCH_OUT"); out != "" {
		_ = os.WriteFile(out, []byte(report.text), 0o644)
	}
	for _, e := range report.errs {
		t.Error(e)
	}
	for _, l := range res.Grep("BENCH-HANG") {
		t.Error(l)
	}
}

// guest is the benchmark guest's configuration: QEMU 10 (the backports
// lane), two 82576s three slots apart (QEMU puts an igb's SR-IOV functions
// in the next two slots; the e1000s between them, left to Linux, sit on a
// hub of their own), three vCPUs (lcore 0 is testpmd's main lcore and two
// forward; our side runs a goroutine per queue pair) and clocksource=tsc
// (see bench/e1000: the HPET is an emulated MMIO read per clock read).
func guest(script string, timeout time.Duration) vmtest.Config {
	return vmtest.Config{
		Lane:      vmtest.LaneBackports,
		NICs:      []vmtest.NIC{{Model: vmtest.IGB}, {Model: vmtest.E1000, Hub: 1}, {Model: vmtest.E1000, Hub: 1}, {Model: vmtest.IGB}},
		Commands:  []string{"./tools/vfio-bind", "./tools/e1000-test"},
		Files:     []vmtest.File{{Guest: "/bin/dpdk-testpmd", Host: "/usr/bin/dpdk-testpmd"}},
		Libs:      append(rounds.PMDLibs(), "/lib/x86_64-linux-gnu/libgcc_s.so.1"),
		HugePages: 160,
		MemoryMB:  1536,
		CPUs:      3,
		Timeout:   timeout,
		Append:    "clocksource=tsc tsc=reliable",
		Script:    script,
	}
}

// saveProfiles decodes the base64 profiles between PROFILE-BEGIN and
// PROFILE-END lines of each round into dir/SECTION.ROUND.pb.
func saveProfiles(dir string, sec map[string][][]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, rs := range sec {
		for r, lines := range rs {
			var b64 strings.Builder
			in := false
			for _, l := range lines {
				l = strings.TrimSpace(l)
				switch {
				case strings.HasSuffix(l, "PROFILE-BEGIN"):
					in = true
				case strings.HasSuffix(l, "PROFILE-END"):
					in = false
				case in:
					b64.WriteString(l)
				}
			}
			if b64.Len() == 0 {
				continue
			}
			data, err := base64.StdEncoding.DecodeString(b64.String())
			if err != nil {
				return fmt.Errorf("%s round %d: %w", name, r, err)
			}
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s.%d.pb", name, r)), data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// sectionOrder lists the console's sections in order, one entry a round.
func sectionOrder(lines []string) []string {
	var out []string
	for _, l := range lines {
		if i := strings.Index(l, "BENCH-SECTION "); i >= 0 {
			out = append(out, strings.TrimSpace(l[i+len("BENCH-SECTION "):]))
		}
	}
	return out
}

// report is the printed table and what is missing from it.
type report struct {
	text string
	errs []string
}

// table computes every figure from the console's sections.
func table(sec map[string][][]string, qs []int, only map[string]bool, nrounds, secs int) report {
	var r report
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d rounds of %d s per driver, alternating; medians of per-second rates\n", nrounds, secs)
	fmt.Fprintf(&b, "%-34s %12s %12s %10s\n", "64-byte frames, pps", "gopkt", "DPDK 22.11", "gopkt/DPDK")
	var perQ strings.Builder
	for _, tc := range tests() {
		if only != nil && !only[tc.key] {
			continue
		}
		for _, q := range qs {
			name := fmt.Sprintf("%s-%d", tc.key, q)
			var comb func([]float64) []float64
			if tc.sumPorts {
				comb = rounds.SumPorts
			}
			ours := rounds.Median(rounds.Samples(sec["ours-"+name], tc.ours, nil))
			dpdk := rounds.Median(rounds.Samples(sec["dpdk-"+name], tc.dpdk, comb))
			ratio := "-"
			if dpdk > 0 {
				ratio = fmt.Sprintf("%.2fx", ours/dpdk)
			}
			label := fmt.Sprintf("%s, %d queue pair", tc.name, q)
			if q > 1 {
				label += "s"
			}
			fmt.Fprintf(&b, "%-34s %12.0f %12.0f %10s\n", label, ours, dpdk, ratio)
			if ours == 0 || dpdk == 0 {
				r.errs = append(r.errs, fmt.Sprintf("no %s figure (ours %.0f, DPDK %.0f): see the console log", name, ours, dpdk))
			}
			if q == 1 {
				continue
			}
			oq := oursQueues(rounds.Flatten(sec["ours-"+name]), tc.oursQ, q)
			pq := pmdQueues(rounds.Flatten(sec["dpdk-"+name]), tc.pmdDir, q)
			fmt.Fprintf(&perQ, "%-44s gopkt %s; DPDK %s\n", label+", per queue", fmtQueues(oq), fmtQueues(pq))
			if tc.multiFlowOnly {
				for i := range q {
					if oq[i] == 0 || pq[i] == 0 {
						r.errs = append(r.errs, fmt.Sprintf("%s: queue %d carried nothing (gopkt %d, DPDK %d): RSS did not spread the flows", name, i, oq[i], pq[i]))
					}
				}
			}
		}
	}
	if perQ.Len() > 0 {
		b.WriteString("frames per queue, all rounds (RX: received on port 0's queues; forward: port 0's receive queues; TX: sent)\n")
		b.WriteString(perQ.String())
	}
	r.text = b.String()
	return r
}

// oursQueues sums e1000-test's per-queue summary lines (re: queue, count)
// over the rounds.
func oursQueues(lines []string, re string, q int) []uint64 {
	out := make([]uint64, q)
	rx := regexp.MustCompile(re)
	for _, l := range lines {
		if m := rx.FindStringSubmatch(l); m != nil {
			i, _ := strconv.Atoi(m[1])
			n, _ := strconv.ParseUint(m[2], 10, 64)
			if i < q {
				out[i] += n
			}
		}
	}
	return out
}

// pmdStream matches testpmd's per-stream header; the counts follow on the
// next line.
var pmdStream = regexp.MustCompile(`Forward Stats for RX Port= *(\d+)/Queue= *(\d+) -> TX Port= *(\d+)/Queue= *(\d+)`)
var pmdCounts = regexp.MustCompile(`RX-packets: +(\d+) +TX-packets: +(\d+)`)

// pmdQueues sums testpmd's per-stream statistics (printed at stop when
// there are more streams than ports) by queue over the rounds: for "rx"
// the packets received on port 0's queue, for "tx" those sent on port
// 0's queue.
func pmdQueues(lines []string, dir string, q int) []uint64 {
	out := make([]uint64, q)
	for i := 0; i+1 < len(lines); i++ {
		h := pmdStream.FindStringSubmatch(lines[i])
		if h == nil {
			continue
		}
		c := pmdCounts.FindStringSubmatch(lines[i+1])
		if c == nil {
			continue
		}
		port, queue, n := h[1], h[2], c[1]
		if dir == "tx" {
			port, queue, n = h[3], h[4], c[2]
		}
		qi, _ := strconv.Atoi(queue)
		v, _ := strconv.ParseUint(n, 10, 64)
		if port == "0" && qi < q {
			out[qi] += v
		}
	}
	return out
}

func fmtQueues(v []uint64) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = fmt.Sprintf("q%d %d", i, n)
	}
	return strings.Join(parts, " ")
}
