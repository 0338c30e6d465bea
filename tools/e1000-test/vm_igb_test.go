package main

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// TestVMIGBLoop moves 100 000 numbered frames of 64 UDP flows between two
// 82576s (QEMU 10's igb, the backports lane) with 2 and then 4 queue pairs
// on each port: one sender goroutine per transmit queue, RSS spreading the
// flows over the receiver's queues, one receiver goroutine per queue. None
// may be lost, corrupted, duplicated, reordered within its flow or seen on
// two queues; every queue must carry flows; the pool must be full after.
// Then e1000-test rss on 4 queues receives the 64 flows of a pktgen run and
// compares, for each, the device's hash, type and queue with the Toeplitz
// hash and redirection table computed in the tool.
func TestVMIGBLoop(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		Lane: vmtest.LaneBackports,
		// QEMU places an igb's SR-IOV functions at devfn PF+0x80 (stride
		// 2, eight of them: two slots), so two igbs in neighbouring slots
		// collide; e1000s, left to Linux and unused, sit between them.
		NICs:      []vmtest.NIC{{Model: vmtest.IGB}, {Model: vmtest.E1000}, {Model: vmtest.E1000}, {Model: vmtest.IGB}},
		Commands:  vmCommands,
		HugePages: 64,
		Timeout:   10 * time.Minute,
		Script: `
must vfio-bind bind --force $NIC0_ADDR
must vfio-bind bind --force $NIC3_ADDR
for nq in 2 4; do
	echo "STEP loop with $nq queue pairs"
	e1000-test loop --queues $nq --count 100000 --flows 64 $NIC0_ADDR $NIC3_ADDR >/tmp/loop.txt 2>&1 || { cat /tmp/loop.txt; fail "loop with $nq queues"; }
	cat /tmp/loop.txt
	expect "$(cat /tmp/loop.txt)" "*loop: PASS*"
	expect "$(cat /tmp/loop.txt)" "*pool: 8192/8192 buffers free*"
done
echo "STEP rss: 64 flows onto 4 queue pairs, each flow's device hash against the Toeplitz hash computed in the tool"
e1000-test rss --queues 4 --flows 64 --duration 120s $NIC3_ADDR >/tmp/rss.txt 2>&1 &
rp=$!
wait_log 60 'rss: 4 queues' /tmp/rss.txt
must timeout 60 e1000-test pktgen --flows 64 --duration 2s $NIC0_ADDR >/tmp/pktgen.txt 2>&1
wait $rp || { cat /tmp/rss.txt; fail "e1000-test rss failed"; }
cat /tmp/rss.txt
expect "$(cat /tmp/rss.txt)" "*rss: 64 flows*0 flows whose device hash or queue differs*"
`,
	})
	if !res.Passed {
		return
	}
	for _, want := range []string{"loop: 2 queues, 64 flows: sent 100000 received 100000 lost 0 corrupt 0 duplicated 0 reordered 0 wrong-queue 0 foreign 0",
		"loop: 4 queues, 64 flows: sent 100000 received 100000 lost 0 corrupt 0 duplicated 0 reordered 0 wrong-queue 0 foreign 0"} {
		if len(res.Grep(want)) != 1 {
			t.Errorf("console lacks %q", want)
		}
	}
	if n := len(res.Grep("arrived on")); n != 64 {
		t.Errorf("rss printed %d flows, want 64", n)
	}
	if m := res.Grep("MISMATCH"); len(m) > 0 {
		t.Errorf("rss: %d flows whose device hash or queue differs from the software: %q", len(m), m[0])
	}
	for _, l := range res.Grep("loop: queue ") {
		t.Log(l)
	}
}
