package bench

import (
	"os"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/bench/internal/rounds"
)

// TestParse runs the table over a console excerpt shaped like the guest's
// (e1000-test's per-second and per-queue lines, testpmd's per-port rates
// and per-stream statistics).
func TestParse(t *testing.T) {
	con := []string{
		"[ 1.0s] BENCH-SECTION ours-rx-2",
		"rx:    1s rx      10 pps     0.01 Mbit/s q0 5 q1 5",
		"rx:    2s rx      20 pps     0.01 Mbit/s q0 10 q1 10",
		"rx:    3s rx     300 pps     0.20 Mbit/s q0 150 q1 150",
		"rx:    4s rx     310 pps     0.20 Mbit/s q0 150 q1 160",
		"rx: queue 0: received 1000 (no-mbuf 0 bad-length 0 chained 0 errors 0)",
		"rx: queue 1: received 1100 (no-mbuf 0 bad-length 0 chained 0 errors 0)",
		"BENCH-SECTION dpdk-rx-2",
		"  Rx-pps:        1          Rx-bps:     0",
		"  Rx-pps:        2          Rx-bps:     0",
		"  Rx-pps:      200          Rx-bps:     0",
		"  Rx-pps:      210          Rx-bps:     0",
		"  ------- Forward Stats for RX Port= 0/Queue= 0 -> TX Port= 0/Queue= 0 -------",
		"  RX-packets: 700            TX-packets: 0              TX-dropped: 0",
		"  ------- Forward Stats for RX Port= 0/Queue= 1 -> TX Port= 0/Queue= 1 -------",
		"  RX-packets: 0              TX-packets: 0              TX-dropped: 0",
		"BENCH-SECTION ours-fwd-1",
		"fwd:    1s      100 pps     0.07 Mbit/s q0 100",
		"fwd:    2s      100 pps     0.07 Mbit/s q0 100",
		"fwd:    3s      400 pps     0.27 Mbit/s q0 400",
		"fwd:    4s      420 pps     0.28 Mbit/s q0 420",
		"BENCH-SECTION dpdk-fwd-1",
		"  Tx-pps:       10          Tx-bps:        0",
		"  Tx-pps:       10          Tx-bps:        0",
		"  Tx-pps:       10          Tx-bps:        0",
		"  Tx-pps:       10          Tx-bps:        0",
		"  Tx-pps:      100          Tx-bps:        0",
		"  Tx-pps:      110          Tx-bps:        0",
		"  Tx-pps:      100          Tx-bps:        0",
		"  Tx-pps:      100          Tx-bps:        0",
	}
	sec := rounds.Sections(con)
	r := table(sec, []int{1, 2}, map[string]bool{"rx": true, "fwd": true}, 1, 4)
	for _, want := range []string{
		"RX, 2 queue pairs                           310          210      1.48x",
		"forward (2 ports), 1 queue pair             420          210      2.00x",
		"RX, 2 queue pairs, per queue                 gopkt q0 1000 q1 1100; DPDK q0 700 q1 0",
	} {
		if !strings.Contains(r.text, want) {
			t.Errorf("table lacks %q:\n%s", want, r.text)
		}
	}
	// RX with one queue and forwarding with two have no rounds: missing
	// figures; DPDK's queue 1 carried nothing: RSS did not spread.
	var missing, spread int
	for _, e := range r.errs {
		switch {
		case strings.HasPrefix(e, "no rx-1 figure"), strings.HasPrefix(e, "no fwd-2 figure"):
			missing++
		case strings.HasPrefix(e, "rx-2: queue 1 carried nothing"):
			spread++
		}
	}
	if missing != 2 || spread != 1 {
		t.Errorf("errors %q: want rx-1 and fwd-2 missing and rx-2's queue 1 empty", r.errs)
	}
	if got := pmdQueues(rounds.Flatten(sec["dpdk-rx-2"]), "tx", 2); got[0] != 0 || got[1] != 0 {
		t.Errorf("testpmd TX per queue %v, want zeros", got)
	}
}

// TestSplitTrace counts a synthetic QEMU trace: markers split it into
// sections, NIC 0 is the region reset first in a driver's section (the
// source's TDT writes on NIC 3 before it do not count), and TDT, RDT,
// other writes and reads are told apart.
func TestSplitTrace(t *testing.T) {
	w := func(mr, addr string) string {
		return "1@1.0:memory_region_ops_write cpu 0 mr " + mr + " addr " + addr + " value 0x1 size 4 name 'igb-mmio'"
	}
	r := func(mr, addr string) string {
		return "1@1.0:memory_region_ops_read cpu 0 mr " + mr + " addr " + addr + " value 0x1 size 4 name 'igb-mmio'"
	}
	mark := "1@1.0:memory_region_ops_read cpu 1 mr 0x9 addr 0x0 value 0xff size 1 name 'ioport80'"
	trace := strings.Join([]string{
		w("0xb", "0xfeb8e018"), // before any marker
		mark,                   // source
		w("0xb", "0xfeb8e018"),
		mark,                   // ours-rx-1
		w("0xb", "0xfeb8e018"), // the source, still NIC 3
		r("0xa", "0xfeb00008"), // NIC 0 resets
		w("0xa", "0xfeb00000"),
		w("0xa", "0xfeb0c018"),
		w("0xa", "0xfeb02918"), // queue 1's RDT at its 8254x alias
		w("0xb", "0xfeb8e018"),
		mark,                   // dpdk-rx-1
		w("0xa", "0xfeb03818"), // TDT alias
		r("0xa", "0xfeb04000"),
	}, "\n") + "\n"
	f := t.TempDir() + "/trace.log"
	if err := os.WriteFile(f, []byte(trace), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := splitTrace(f, []string{"source", "ours-rx-1", "dpdk-rx-1"})
	if err != nil {
		t.Fatal(err)
	}
	want := []mmioCounts{{}, {rdt: 2, writes: 1, reads: 1}, {tdt: 1, reads: 1}}
	if len(got) != len(want) {
		t.Fatalf("%d sections, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("section %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	sec := map[string][][]string{"ours-rx-1": {{"rx: received 2000 frames on 1 queues in 1.00s: 2000 pps"}},
		"dpdk-rx-1": {{"  ---------------------- Forward statistics for port 0  ----------------------",
			"  RX-packets: 1000           RX-dropped: 0             RX-total: 1000",
			"  TX-packets: 0              TX-dropped: 0             TX-total: 0"}}}
	tab := mmioTable([]string{"source", "ours-rx-1", "dpdk-rx-1"}, sec, got)
	for _, l := range []string{"ours-rx-1            2000      0.0      1.0      0.5      0.5", "dpdk-rx-1            1000      1.0      0.0      0.0      1.0"} {
		if !strings.Contains(tab, l) {
			t.Errorf("table lacks %q:\n%s", l, tab)
		}
	}
}
