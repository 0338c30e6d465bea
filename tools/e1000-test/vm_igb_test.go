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
	for _, l := range res.Grep("loop: queue ") {
		t.Log(l)
	}
}
