package rounds

import "testing"

func TestParse(t *testing.T) {
	con := []string{
		"[ 1.0s] BENCH-SECTION ours-tx",
		"pktgen:    1s tx     100000 pps     67.20 Mbit/s",
		"pktgen:    2s tx     200000 pps    134.40 Mbit/s",
		"pktgen:    3s tx     300000 pps    134.40 Mbit/s",
		"pktgen:    4s tx     310000 pps    134.40 Mbit/s",
		"BENCH-SECTION dpdk-fwd",
		"  Rx-pps:       500          Rx-bps:        0",
		"  Tx-pps:       700          Tx-bps:        0",
		"  Tx-pps:       800          Tx-bps:        0",
		"BENCH-SECTION ours-tx",
		"pktgen:    1s tx     1 pps     67.20 Mbit/s",
		"pktgen:    2s tx     2 pps    134.40 Mbit/s",
		"pktgen:    3s tx     290000 pps    134.40 Mbit/s",
		"pktgen:    4s tx     295000 pps    134.40 Mbit/s",
	}
	s := Sections(con)
	if len(s["ours-tx"]) != 2 {
		t.Fatalf("%d ours-tx rounds, want 2", len(s["ours-tx"]))
	}
	got := Samples(s["ours-tx"], `pktgen: +\d+s tx +(\d+) pps`, nil)
	if len(got) != 4 || got[0] != 300000 || got[3] != 295000 {
		t.Errorf("samples %v: want each round's first two dropped", got)
	}
	if m := Median(got); m != 300000 {
		t.Errorf("median %v", m)
	}
	if got := SumPorts(Rates(Flatten(s["dpdk-fwd"]), `Tx-pps: +(\d+)`)); len(got) != 1 || got[0] != 1500 {
		t.Errorf("sumPorts %v", got)
	}
	if Median(nil) != 0 {
		t.Error("median of nothing")
	}
}
