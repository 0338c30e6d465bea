package bench

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/bench/internal/rounds"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// rxModes are the receiver modes TestBenchIGBRxMode compares with testpmd.
var rxModes = []string{"adaptive", "poll"}

// rxModeScript is the guest's script: the RX source of script, then, for
// each queue count, nrounds rounds of our receiver in each of rxModes and
// of testpmd's rxonly, alternating.
func rxModeScript(secs, nrounds int) string {
	var b strings.Builder
	b.WriteString("\nfor a in $NIC0_ADDR $NIC3_ADDR; do must vfio-bind bind --force $a; done\n" + rounds.ChmodPMD())
	fmt.Fprintf(&b, "e1000-test pktgen --flows %d --dst $NIC0_MAC --duration 0 $NIC3_ADDR >/tmp/src.txt 2>&1 &\nsrc=$!\nsleep 2\n", flows)
	for _, q := range []int{1, 2} {
		for r := 0; r < nrounds; r++ {
			for _, m := range rxModes {
				fmt.Fprintf(&b, "echo \"BENCH-SECTION %s-%d\"\nmust timeout -s KILL %d e1000-test rx --mode %s --queues %d --duration %ds $NIC0_ADDR\n", m, q, secs+60, m, q, secs)
			}
			fmt.Fprintf(&b, "echo \"BENCH-SECTION dpdk-%d\"\n%s\n", q, testpmd(secs, q, "-a $NIC0_ADDR", "--forward-mode=rxonly"))
		}
	}
	b.WriteString(rounds.Stop("$src", "the RX source") + "\necho \"SOURCE $(grep 'pktgen: sent' /tmp/src.txt)\"\n")
	return b.String()
}

// TestBenchIGBRxMode shows why TestBenchIGB runs our receiver busy-polling
// (doc.go): RX with 1 and 2 queue pairs, ours in --mode adaptive and in
// --mode poll against testpmd's rxonly, the median of each round's
// per-second rates. Run it with GOPKT_BENCH=1 go test -run
// TestBenchIGBRxMode -v ./bench/igb (GOPKT_BENCH_SECONDS and
// GOPKT_BENCH_ROUNDS as for TestBenchIGB; about 4 minutes).
func TestBenchIGBRxMode(t *testing.T) {
	if os.Getenv("GOPKT_BENCH") != "1" {
		t.Skip("the igb RX mode comparison boots a guest for minutes; GOPKT_BENCH=1 runs it")
	}
	set := rounds.Env()
	res := vmtest.Run(t, guest(rxModeScript(set.Seconds, set.Rounds), 30*time.Minute))
	sec := rounds.Sections(res.Console)
	medians := func(name, re string) string {
		var v []string
		for _, round := range sec[name] {
			v = append(v, fmt.Sprintf("%.0f", rounds.Median(rounds.Samples([][]string{round}, re, nil))/1000))
		}
		return strings.Join(v, " / ")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\nRX, medians of each round's per-second rates in kpps (%d rounds of %d s)\n", set.Rounds, set.Seconds)
	for _, q := range []int{1, 2} {
		for _, m := range rxModes {
			fmt.Fprintf(&b, "%d queue(s), gopkt --mode %-8s %s\n", q, m, medians(fmt.Sprintf("%s-%d", m, q), `rx: +\d+s rx +(\d+) pps`))
		}
		fmt.Fprintf(&b, "%d queue(s), testpmd rxonly        %s\n", q, medians(fmt.Sprintf("dpdk-%d", q), `Rx-pps: +(\d+)`))
	}
	for _, l := range res.Grep("SOURCE") {
		b.WriteString(l[strings.Index(l, "SOURCE"):] + "\n")
	}
	t.Log(b.String())
	for _, l := range res.Grep("BENCH-HANG") {
		t.Error(l)
	}
}
