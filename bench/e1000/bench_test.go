package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/bench/internal/rounds"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// script is the guest's benchmark, nrounds rounds; only lists the sections to run (tx, rx,
// fwd, linux), nil meaning all.
func script(secs, nrounds int, only map[string]bool) string {
	run := func(s string) bool { return only == nil || only[s] }
	d := fmt.Sprintf("%ds", secs)
	var b strings.Builder
	b.WriteString(`
for a in $NIC0_ADDR $NIC1_ADDR $NIC2_ADDR; do must vfio-bind bind --force $a; done
section() { echo "BENCH-SECTION $1"; }
# DPDK refuses to load -d drivers through world-writable directories, and
# the initramfs root is one.
` + rounds.ChmodPMD())
	// Rounds alternate the drivers so that both see the same share of a
	// noisy, shared host.
	for r := 0; r < nrounds && run("tx"); r++ {
		b.WriteString(`section ours-tx
must e1000-test pktgen --size 60 --same --duration ` + d + ` $NIC0_ADDR
section dpdk-tx
` + rounds.Testpmd(secs, "0-1", "-a $NIC0_ADDR", "--forward-mode=txonly --txpkts=60") + "\n")
	}
	if run("rx") {
		b.WriteString(`section source
e1000-test pktgen --size 60 --same --dst $NIC0_MAC --duration 0 $NIC2_ADDR >/tmp/src.txt 2>&1 &
src=$!
sleep 2
`)
		for r := 0; r < nrounds; r++ {
			b.WriteString(`section ours-rx
must e1000-test rx --verify=false --duration ` + d + ` $NIC0_ADDR
section dpdk-rx
` + rounds.Testpmd(secs, "0-1", "-a $NIC0_ADDR", "--forward-mode=rxonly") + "\n")
		}
		b.WriteString(rounds.Stop("$src", "the RX source") + `
echo "SOURCE $(grep 'pktgen: sent' /tmp/src.txt)"
`)
	}
	for r := 0; r < nrounds && run("fwd"); r++ {
		b.WriteString(`section ours-fwd
must e1000-test fwd --promisc --tx-first 32 --duration ` + d + ` $NIC0_ADDR $NIC1_ADDR
section dpdk-fwd
` + rounds.Testpmd(secs, "0-1", "-a $NIC0_ADDR -a $NIC1_ADDR", "--forward-mode=io --tx-first") + "\n")
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
	// GOPKT_BENCH_SECONDS, GOPKT_BENCH_ROUNDS, GOPKT_BENCH_ONLY (tx, rx, fwd, linux).
	set := rounds.Env()
	secs, nrounds, only := set.Seconds, set.Rounds, set.Only
	if _, err := os.Stat(filepath.Join(rounds.PMDDir, "librte_net_e1000.so.23.0")); err != nil {
		t.Skipf("DPDK 22.11 is not installed (%v): apt-get install dpdk-dev", err)
	}
	res := vmtest.Run(t, vmtest.Config{
		NICs:      []vmtest.NIC{{Model: vmtest.E1000}, {Model: vmtest.E1000}, {Model: vmtest.E1000}},
		Commands:  []string{"./tools/vfio-bind", "./tools/e1000-test"},
		Modules:   append(vmtest.DefaultModules(), "pktgen"),
		Files:     []vmtest.File{{Guest: "/bin/dpdk-testpmd", Host: "/usr/bin/dpdk-testpmd"}},
		Libs:      rounds.PMDLibs(),
		HugePages: 160,
		MemoryMB:  1536,
		Timeout:   20 * time.Minute,
		// The guest kernel rates TCG's TSC unstable and falls back to the
		// HPET, whose every read is an emulated MMIO access under QEMU's
		// global lock: it penalises any program that reads the clock (Go's
		// runtime does) and slows the device emulation it contends with.
		Append: "clocksource=tsc tsc=reliable",
		Script: script(secs, nrounds, only),
	})
	sec := rounds.Sections(res.Console)
	ours := map[string]float64{
		"tx":  rounds.Median(rounds.Samples(sec["ours-tx"], `pktgen: +\d+s tx +(\d+) pps`, nil)),
		"rx":  rounds.Median(rounds.Samples(sec["ours-rx"], `rx: +\d+s rx +(\d+) pps`, nil)),
		"fwd": rounds.Median(rounds.Samples(sec["ours-fwd"], `fwd: +\d+s +(\d+) pps`, nil)),
	}
	dpdk := map[string]float64{
		"tx":  rounds.Median(rounds.Samples(sec["dpdk-tx"], `Tx-pps: +(\d+)`, nil)),
		"rx":  rounds.Median(rounds.Samples(sec["dpdk-rx"], `Rx-pps: +(\d+)`, nil)),
		"fwd": rounds.Median(rounds.Samples(sec["dpdk-fwd"], `Tx-pps: +(\d+)`, rounds.SumPorts)),
	}
	var linux = map[string]float64{}
	if v := rounds.Rates(rounds.Flatten(sec["linux-tx"]), `LINUX-PKTGEN (\d+)pps`); len(v) > 0 {
		linux["tx"] = v[0]
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d rounds of %d s per driver, alternating; medians of per-second rates\n", nrounds, secs)
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
