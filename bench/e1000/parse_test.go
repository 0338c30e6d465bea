package bench

import "testing"

func TestParse(t *testing.T) {
	con := []string{
		"[ 1.0s] BENCH-SECTION ours-tx",
		"pktgen:    1s tx     100000 pps     67.20 Mbit/s",
		"pktgen:    2s tx     200000 pps    134.40 Mbit/s",
		"pktgen:    3s tx     300000 pps    134.40 Mbit/s",
		"pktgen:    4s tx     310000 pps    134.40 Mbit/s",
		"pktgen:    5s tx     290000 pps    134.40 Mbit/s",
		"BENCH-SECTION dpdk-fwd",
		"  Rx-pps:       500          Rx-bps:        0",
		"  Tx-pps:       700          Tx-bps:        0",
		"  Tx-pps:       800          Tx-bps:        0",
	}
	s := sections(con)
	if got := median(rates(s["ours-tx"], `pktgen: +\d+s tx +(\d+) pps`)); got != 300000 {
		t.Errorf("median %v, want 300000 (after dropping the first two of five)", got)
	}
	if got := sumPorts(rates(s["dpdk-fwd"], `Tx-pps: +(\d+)`)); len(got) != 1 || got[0] != 1500 {
		t.Errorf("sumPorts %v", got)
	}
	if median(nil) != 0 {
		t.Error("median of nothing")
	}
}
