package main

import (
	"fmt"
	"strings"
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
// hash and redirection table computed in the tool. Last, e1000-test rx
// --mode adaptive on 2 queues (igb.Queue.WaitRx: poll while frames come,
// sleep on the queue's MSI-X vector when the ring is empty) receives a 2 s
// pktgen burst that starts while both queues sleep: each must take frames
// and be woken by its vector, the run must end on its deadline, and the
// pool must be full after.
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
echo "STEP rx --mode adaptive: 2 queues sleep on their MSI-X vectors while idle, wake for a 2 s pktgen burst, sleep again"
e1000-test rx --mode adaptive --queues 2 --duration 8s $NIC3_ADDR >/tmp/rxa.txt 2>&1 &
rp=$!
wait_log 60 'rx: ' /tmp/rxa.txt
must timeout 60 e1000-test pktgen --flows 64 --duration 2s $NIC0_ADDR >/tmp/pktgen.txt 2>&1
wait $rp || { cat /tmp/rxa.txt; fail "e1000-test rx --mode adaptive failed"; }
cat /tmp/rxa.txt
expect "$(cat /tmp/rxa.txt)" "*pool: 8192/8192 buffers free*"
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
	// The adaptive receivers: each queue took frames and was woken by
	// its vector at least once (the burst began while they slept), and
	// the run ended on its deadline although the queues slept.
	rxq := res.Grep("rx: queue ")
	if len(rxq) != 2 {
		t.Errorf("rx --mode adaptive printed %d queue lines, want 2: %q", len(rxq), rxq)
	}
	for _, l := range rxq {
		var qi int
		var got, irqs uint64
		if _, err := fmt.Sscanf(l[strings.Index(l, "rx: queue "):], "rx: queue %d: received %d", &qi, &got); err != nil || got == 0 {
			t.Errorf("adaptive receiver queue line %q: no frames (%v)", l, err)
		}
		if i := strings.Index(l, "interrupts "); i < 0 {
			t.Errorf("adaptive receiver queue line %q: no interrupt count", l)
		} else if _, err := fmt.Sscanf(l[i:], "interrupts %d", &irqs); err != nil || irqs == 0 {
			t.Errorf("adaptive receiver queue line %q: never woken by its vector (%v)", l, err)
		}
	}
	if tot := res.Grep("rx: received "); len(tot) != 1 || !strings.Contains(tot[0], " in 8.") {
		t.Errorf("rx --mode adaptive did not end on its 8 s deadline: %q", tot)
	}
	for _, l := range res.Grep("loop: queue ") {
		t.Log(l)
	}
}
