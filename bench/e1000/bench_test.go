package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

const pmdDir = "/usr/lib/x86_64-linux-gnu/dpdk/pmds-23.0"

// testpmd runs dpdk-testpmd with the flags DESIGN.md §5 found to work in
// this guest, lets it forward for secs seconds after its first statistics
// line (EAL start-up takes many seconds under TCG and varies with the host's
// load), then stops it with SIGINT.
func testpmd(secs int, allow, args string) string {
	return fmt.Sprintf(`dpdk-testpmd -l 0-1 -n 1 --file-prefix=bench -d %s/librte_mempool_ring.so.23.0 -d %s/librte_net_e1000.so.23.0 %s -- `+
		`--total-num-mbufs=8192 --auto-start --stats-period=1 --burst=32 --rxd=512 --txd=512 %s </dev/null >/tmp/pmd.txt 2>&1 &
pmd=$!
i=0
while ! grep -q "Port statistics" /tmp/pmd.txt && [ $i -lt 120 ]; do sleep 1; i=$((i+1)); done
sleep %d
kill -INT $pmd
wait $pmd || true
cat /tmp/pmd.txt`, pmdDir, pmdDir, allow, args, secs+1)
}

// script is the guest's benchmark; only lists the sections to run (tx, rx,
// fwd, linux), nil meaning all.
func script(secs, rounds int, only map[string]bool) string {
	run := func(s string) bool { return only == nil || only[s] }
	d := fmt.Sprintf("%ds", secs)
	var b strings.Builder
	b.WriteString(`
for a in $NIC0_ADDR $NIC1_ADDR $NIC2_ADDR; do must vfio-bind bind --force $a; done
section() { echo "BENCH-SECTION $1"; }
# DPDK refuses to load -d drivers through world-writable directories, and
# the initramfs root is one.
chmod go-w / /usr /usr/lib /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/dpdk ` + pmdDir + `
`)
	// Rounds alternate the drivers so that both see the same share of a
	// noisy, shared host.
	for r := 0; r < rounds && run("tx"); r++ {
		b.WriteString(`section ours-tx
must e1000-test pktgen --size 60 --same --duration ` + d + ` $NIC0_ADDR
section dpdk-tx
` + testpmd(secs, "-a $NIC0_ADDR", "--forward-mode=txonly --txpkts=60") + "\n")
	}
	if run("rx") {
		b.WriteString(`section source
e1000-test pktgen --size 60 --same --dst $NIC0_MAC --duration 0 $NIC2_ADDR >/tmp/src.txt 2>&1 &
src=$!
sleep 2
`)
		for r := 0; r < rounds; r++ {
			b.WriteString(`section ours-rx
must e1000-test rx --verify=false --duration ` + d + ` $NIC0_ADDR
section dpdk-rx
` + testpmd(secs, "-a $NIC0_ADDR", "--forward-mode=rxonly") + "\n")
		}
		b.WriteString(`kill -INT $src
wait $src || true
echo "SOURCE $(grep 'pktgen: sent' /tmp/src.txt)"
`)
	}
	for r := 0; r < rounds && run("fwd"); r++ {
		b.WriteString(`section ours-fwd
must e1000-test fwd --promisc --tx-first 32 --duration ` + d + ` $NIC0_ADDR $NIC1_ADDR
section dpdk-fwd
` + testpmd(secs, "-a $NIC0_ADDR -a $NIC1_ADDR", "--forward-mode=io --tx-first") + "\n")
	}
	if !run("linux") {
		b.WriteString("section end\n")
		return b.String()
	}
	b.WriteString(`section linux-tx
must vfio-bind unbind $NIC0_ADDR
sleep 1
IF=$(ls /sys/bus/pci/devices/$NIC0_ADDR/net)
must ip link set $IF up
sleep 2
PG=/proc/net/pktgen
echo "rem_device_all" > $PG/kpktgend_0
echo "add_device $IF" > $PG/kpktgend_0
echo "count 300000" > $PG/$IF
echo "pkt_size 60" > $PG/$IF
echo "delay 0" > $PG/$IF
echo "dst 198.18.0.2" > $PG/$IF
echo "dst_mac $NIC1_MAC" > $PG/$IF
echo start > $PG/pgctrl
echo "LINUX-PKTGEN $(grep -o '[0-9]*pps' $PG/$IF)"
section end
`)
	return b.String()
}

// TestBenchE1000 is the side-by-side benchmark (see doc.go).
func TestBenchE1000(t *testing.T) {
	if os.Getenv("GOPKT_BENCH") != "1" {
		t.Skip("the e1000 benchmark boots a guest for several minutes; run bench/e1000/run.sh (GOPKT_BENCH=1)")
	}
	secs, rounds := 6, 3
	if s := os.Getenv("GOPKT_BENCH_SECONDS"); s != "" {
		secs, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("GOPKT_BENCH_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	// GOPKT_BENCH_ONLY=tx,fwd runs some sections (tx, rx, fwd, linux).
	var only map[string]bool
	if s := os.Getenv("GOPKT_BENCH_ONLY"); s != "" {
		only = map[string]bool{}
		for _, k := range strings.Split(s, ",") {
			only[strings.TrimSpace(k)] = true
		}
	}
	if _, err := os.Stat(filepath.Join(pmdDir, "librte_net_e1000.so.23.0")); err != nil {
		t.Skipf("DPDK 22.11 is not installed (%v): apt-get install dpdk-dev", err)
	}
	res := vmtest.Run(t, vmtest.Config{
		NICs:      []vmtest.NIC{{Model: vmtest.E1000}, {Model: vmtest.E1000}, {Model: vmtest.E1000}},
		Commands:  []string{"./tools/vfio-bind", "./tools/e1000-test"},
		Modules:   append(vmtest.DefaultModules(), "pktgen"),
		Files:     []vmtest.File{{Guest: "/bin/dpdk-testpmd", Host: "/usr/bin/dpdk-testpmd"}},
		Libs:      []string{pmdDir + "/librte_mempool_ring.so.23.0", pmdDir + "/librte_net_e1000.so.23.0"},
		HugePages: 160,
		MemoryMB:  1536,
		Timeout:   20 * time.Minute,
		// The guest kernel rates TCG's TSC unstable and falls back to the
		// HPET, whose every read is an emulated MMIO access under QEMU's
		// global lock: it penalises any program that reads the clock (Go's
		// runtime does) and slows the device emulation it contends with.
		Append: "clocksource=tsc tsc=reliable",
		Script: script(secs, rounds, only),
	})
	sec := sections(res.Console)
	ours := map[string]float64{
		"tx":  median(samples(sec["ours-tx"], `pktgen: +\d+s tx +(\d+) pps`, nil)),
		"rx":  median(samples(sec["ours-rx"], `rx: +\d+s rx +(\d+) pps`, nil)),
		"fwd": median(samples(sec["ours-fwd"], `fwd: +\d+s +(\d+) pps`, nil)),
	}
	dpdk := map[string]float64{
		"tx":  median(samples(sec["dpdk-tx"], `Tx-pps: +(\d+)`, nil)),
		"rx":  median(samples(sec["dpdk-rx"], `Rx-pps: +(\d+)`, nil)),
		"fwd": median(samples(sec["dpdk-fwd"], `Tx-pps: +(\d+)`, sumPorts)),
	}
	var linux = map[string]float64{}
	if v := rates(flatten(sec["linux-tx"]), `LINUX-PKTGEN (\d+)pps`); len(v) > 0 {
		linux["tx"] = v[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d rounds of %d s per driver, alternating; medians of per-second rates\n", rounds, secs)
	fmt.Fprintf(&b, "%-22s %12s %12s %12s %10s\n", "64-byte frames", "gopkt", "DPDK 22.11", "Linux", "gopkt/DPDK")
	for _, k := range []struct{ key, name string }{{"tx", "TX pps"}, {"rx", "RX pps"}, {"fwd", "forward pps (2 ports)"}} {
		lx := "-"
		if v, ok := linux[k.key]; ok {
			lx = fmt.Sprintf("%.0f", v)
		}
		ratio := "-"
		if dpdk[k.key] > 0 {
			ratio = fmt.Sprintf("%.2fx", ours[k.key]/dpdk[k.key])
		}
		fmt.Fprintf(&b, "%-22s %12.0f %12.0f %12s %10s\n", k.name, ours[k.key], dpdk[k.key], lx, ratio)
	}
	for _, l := range res.Grep("SOURCE") {
		fmt.Fprintf(&b, "RX source (e1000-test pktgen on NIC 2): %s\n", l[strings.Index(l, "SOURCE"):])
	}
	t.Log(b.String())
	if out := os.Getenv("GOPKT_BENCH_OUT"); out != "" {
		_ = os.WriteFile(out, []byte(b.String()), 0o644)
	}
	for _, k := range []string{"tx", "rx", "fwd"} {
		if only != nil && !only[k] {
			continue
		}
		if ours[k] == 0 || dpdk[k] == 0 {
			t.Errorf("no %s figure (ours %.0f, DPDK %.0f): see the console log", k, ours[k], dpdk[k])
		}
	}
}

// sections splits the console at "BENCH-SECTION name" lines; a name that
// appears in several rounds has one entry per round.
func sections(lines []string) map[string][][]string {
	out := map[string][][]string{}
	cur := ""
	for _, l := range lines {
		if i := strings.Index(l, "BENCH-SECTION "); i >= 0 {
			cur = strings.TrimSpace(l[i+len("BENCH-SECTION "):])
			out[cur] = append(out[cur], nil)
			continue
		}
		if cur != "" {
			r := out[cur]
			r[len(r)-1] = append(r[len(r)-1], l)
		}
	}
	return out
}

func flatten(rounds [][]string) []string {
	var out []string
	for _, r := range rounds {
		out = append(out, r...)
	}
	return out
}

// samples pools the per-second rates of every round, dropping each round's
// first two (start-up and ramp). combine, when set, merges per-port lines.
func samples(rounds [][]string, re string, combine func([]float64) []float64) []float64 {
	var out []float64
	for _, r := range rounds {
		v := rates(r, re)
		if combine != nil {
			v = combine(v)
		}
		if len(v) > 3 {
			v = v[2:]
		}
		out = append(out, v...)
	}
	return out
}

// rates extracts the first number matched by re on each line.
func rates(lines []string, re string) []float64 {
	r := regexp.MustCompile(re)
	var out []float64
	for _, l := range lines {
		if m := r.FindStringSubmatch(l); m != nil {
			v, err := strconv.ParseFloat(m[1], 64)
			if err == nil {
				out = append(out, v)
			}
		}
	}
	return out
}

// sumPorts adds testpmd's per-port lines pairwise (port 0, port 1, port 0, …).
func sumPorts(v []float64) []float64 {
	var out []float64
	for i := 0; i+1 < len(v); i += 2 {
		out = append(out, v[i]+v[i+1])
	}
	return out
}

// median of the samples (0 when there are none).
func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
