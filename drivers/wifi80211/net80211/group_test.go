package net80211_test

import (
	"bytes"
	"net"
	"testing"
)

// TestGroupData: group-addressed data from the AP (IPv6's all-nodes and
// solicited-node groups) arrives under the group key and is delivered and
// counted (RxGroup); our own group frame relayed back by the AP (SA = us)
// is dropped and counted apart (RxOwnGroup) — delivering it would make our
// own DAD probe look like another node's; our group frames go to the AP
// (ToDS, pairwise key) and are counted (TxGroup).
func TestGroupData(t *testing.T) {
	b := newBench(t, benchOpts{passphrase: "group talk"})
	b.connect("group talk")
	allNodes := net.HardwareAddr{0x33, 0x33, 0, 0, 0, 1}
	solicited := net.HardwareAddr{0x33, 0x33, 0xff, 0x70, 0x6b, 0x01}
	peer := net.HardwareAddr{2, 0, 0, 0, 0, 0x77}
	nrx, before := len(b.rx), b.vap.Stats()
	for _, e := range [][]byte{ether(allNodes, peer, "router advertisement"), ether(solicited, staMAC, "our own probe, relayed")} {
		if err := b.ap.SendEther(e); err != nil {
			t.Fatal(err)
		}
	}
	b.medium.Run(1000)
	if len(b.rx) != nrx+1 || !bytes.Equal(b.rx[nrx], ether(allNodes, peer, "router advertisement")) {
		t.Fatalf("delivered %d frames, want the router advertisement only: %q", len(b.rx)-nrx, b.rx[nrx:])
	}
	st := b.vap.Stats()
	if st.RxGroup-before.RxGroup != 1 || st.RxOwnGroup-before.RxOwnGroup != 1 || st.RxNotForUs != before.RxNotForUs {
		t.Fatalf("group %d, own group %d, not for us %d; want 1, 1, 0", st.RxGroup-before.RxGroup, st.RxOwnGroup-before.RxOwnGroup, st.RxNotForUs-before.RxNotForUs)
	}
	nap := len(b.ap.Received)
	if err := b.vap.Output(ether(solicited, staMAC, "dad probe")); err != nil {
		t.Fatal(err)
	}
	b.medium.Run(1000)
	if len(b.ap.Received) != nap+1 || !bytes.Equal(b.ap.Received[nap], ether(solicited, staMAC, "dad probe")) {
		t.Fatalf("the AP got %d frames", len(b.ap.Received)-nap)
	}
	if got := b.vap.Stats().TxGroup - before.TxGroup; got != 1 {
		t.Fatalf("tx group %d, want 1", got)
	}
}
