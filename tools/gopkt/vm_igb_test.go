package main

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// vmIGBScript: NIC 1 (an e1000) stays with Linux as 198.18.0.1/24; NIC 0,
// an igb (82576) on vfio-pci, runs gopkt as 198.18.0.2/24 with several
// queue pairs. For each setting (2 queues sleeping on their MSI-X vectors,
// then 4 polled) Linux pings gopkt and runs the UDP echo check from 64
// sockets, 64 flows that RSS spreads over the queues; gopkt prints its
// status (per-queue counters) and must stop cleanly with the pool full.
const vmIGBScript = `
IF=$(ls /sys/bus/pci/devices/$NIC1_ADDR/net)
must ip link set $IF up
must ip addr add 198.18.0.1/24 dev $IF
must vfio-bind bind --force $NIC0_ADDR
more_echo() { [ "$(grep -c 'udp-echo port 7' /tmp/gopkt.txt)" -gt "$1" ]; }
run_igb() {
	opts=$1
	echo "STEP gopkt -d igb $opts"
	rm -f /tmp/gopkt.txt /tmp/gopkt.err
	gopkt -d igb pci=$NIC0_ADDR,$opts -p ipv4 -p udp --ifconfig igb0=198.18.0.2/24 --udp-echo 7 >/tmp/gopkt.txt 2>/tmp/gopkt.err &
	gpid=$!
	wait_for 120 grep -q "gopkt: running" /tmp/gopkt.txt
	# A deadline, not a count alone: iputils ping stops waiting max(2 x
	# the largest RTT so far, the interval) after its last request
	# (ping_common.c __schedule_exit; -W only counts when nothing came
	# back), so one reply delayed by a guest stall under TCG load is
	# "lost" on its way. With -w ping waits until 10 replies came (sending
	# more requests meanwhile); every icmp_seq 1..10 must be answered.
	/bin/ping -c 10 -i 0.2 -w 60 -D 198.18.0.2 >/tmp/ping.txt 2>&1 || true
	cat /tmp/ping.txt
	[ "$(ping_answered /tmp/ping.txt 10)" = 10 ] || { cat /tmp/gopkt.err; fail "ping 198.18.0.2: echo requests 1 to 10 not all answered"; }
	echo "PINGLATE $(ping_late /tmp/ping.txt 10 0.2)"
	udpcheck --flows 64 --sizes 64,1000 --rounds 1 198.18.0.2:7 >/tmp/udp.txt 2>&1 || { tail -5 /tmp/udp.txt; cat /tmp/gopkt.err; fail "udpcheck over 64 flows"; }
	tail -1 /tmp/udp.txt
	kill -USR1 $gpid
	wait_for 10 grep -q "udp-echo port 7" /tmp/gopkt.txt
	# A link flap from QEMU's monitor (set_link off, then on at once):
	# the port counts two changes whether or not a look of the daemon's
	# (every 500 ms) fell inside it (ICR.LSC), and traffic flows after it.
	echo "STEP link flap"
	ready "flap $opts"
	wait_host "flapped $opts"
	sleep 2
	/bin/ping -c 3 -i 0.2 -w 60 198.18.0.2 >/tmp/ping.txt 2>&1 || true
	[ "$(ping_answered /tmp/ping.txt 3)" = 3 ] || { cat /tmp/ping.txt /tmp/gopkt.err; fail "ping after the link flap"; }
	n=$(grep -c "udp-echo port 7" /tmp/gopkt.txt)
	kill -USR1 $gpid
	wait_for 10 more_echo $n
	kill -INT $gpid
	status=0; wait $gpid || status=$?
	cat /tmp/gopkt.txt /tmp/gopkt.err
	[ $status -eq 0 ] || fail "gopkt exit status $status"
	expect "$(cat /tmp/gopkt.txt)" "udp-echo port 7: 128 datagrams echoed, 0 failures"
	expect "$(cat /tmp/gopkt.txt)" "pool: 4096/4096 buffers free"
	expect "$(cat /tmp/gopkt.txt)" "gopkt: stopped cleanly"
}
run_igb queues=2
run_igb queues=4,mode=poll
`

// TestVMDaemonIGB runs the daemon over drivers/igb with 2 and then 4 queue
// pairs in the backports lane (QEMU 10's igb model), the guest's Linux on
// an e1000 on the same hub as the peer: ping and 64 UDP echo flows through
// Linux sockets, answered by gopkt's stack with one receive goroutine per
// queue; every queue must have received and sent, and the pool must be
// full at exit. In each run QEMU's monitor flaps the igb's link (off, on
// at once): the port's link flaps grow by two and traffic flows after it.
func TestVMDaemonIGB(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		Lane:      vmtest.LaneBackports,
		NICs:      []vmtest.NIC{{Model: vmtest.IGB}, {Model: vmtest.E1000}},
		Commands:  []string{"./tools/vfio-bind", "./tools/gopkt", "./tools/gopkt/internal/udpcheck"},
		Debs:      []string{"iputils-ping"},
		HugePages: 64,
		Timeout:   10 * time.Minute,
		Script:    vmIGBScript,
		Host: func(h *vmtest.Host) error {
			for _, opts := range []string{"queues=2", "queues=4,mode=poll"} {
				if err := h.WaitReady("flap "+opts, 8*time.Minute); err != nil {
					return err
				}
				if err := errors.Join(h.Monitor.SetLink(h.NIC(0), false), h.Monitor.SetLink(h.NIC(0), true)); err != nil {
					return err
				}
				if err := h.Send("flapped " + opts); err != nil {
					return err
				}
			}
			return nil
		},
	})
	if !res.Passed {
		return // vmtest reported the failure
	}
	if n := len(res.Grep("udpcheck: 128 of 128 echoes intact")); n != 2 {
		t.Errorf("udpcheck summary lines: %d, want 2", n)
	}
	// The status lines "queue I: rx N bytes B; tx M bytes C dropped D",
	// in order: the 2-queue run's (the status on SIGUSR1, the one after
	// the link flap, the one at exit), then the 4-queue run's.
	re := regexp.MustCompile(`queue (\d+): rx (\d+) bytes \d+; tx (\d+) bytes \d+ dropped (\d+)`)
	var lines [][]string
	for _, l := range res.Grep("queue ") {
		if m := re.FindStringSubmatch(l); m != nil {
			lines = append(lines, m)
		}
	}
	// What a count-only ping would have missed, and the driver's view of
	// its interrupts in the 2-queue run: IRQLate counts Waits that timed
	// out with a frame already in the ring (a lost or late interrupt).
	for _, l := range res.Grep("PINGLATE ") {
		t.Log(l)
	}
	reIRQ := regexp.MustCompile(`"igb queue interrupts".* queue=(\d+) interrupts=(\d+) wait-timeouts=(\d+) late=(\d+)`)
	nIRQ := 0
	for _, l := range res.Grep("igb queue interrupts") {
		if m := reIRQ.FindStringSubmatch(l); m != nil {
			nIRQ++
			t.Logf("2 queues, queue %s: %s interrupts, %s waits timed out, %s of them with a frame waiting", m[1], m[2], m[3], m[4])
			if m[2] == "0" {
				t.Errorf("2 queues: queue %s saw no interrupt", m[1])
			}
		}
	}
	// "link flaps N" of igb0's port in each run's three statuses (before
	// the flap, after it, at exit): the flap adds two, then nothing.
	// igb0's is the port line after a 1000 Mb/s link line (lo0's says
	// 10000).
	reFlap := regexp.MustCompile(`port: rx .*; link flaps (\d+) `)
	var flaps []int
	igb := false
	for _, l := range res.Console {
		if strings.Contains(l, "    link: ") {
			igb = strings.Contains(l, " 1000 Mb/s")
			if igb {
				t.Log(strings.TrimSpace(l[strings.Index(l, "link: "):]))
			}
			continue
		}
		if m := reFlap.FindStringSubmatch(l); m != nil && igb {
			n, _ := strconv.Atoi(m[1])
			flaps = append(flaps, n)
		}
	}
	if len(flaps) != 6 {
		t.Errorf("%d port status lines with link flaps, want 6 (three in each run): %v", len(flaps), flaps)
	} else {
		for r, run := range []string{"2 queues, interrupts", "4 queues, polling"} {
			before, after, exit := flaps[3*r], flaps[3*r+1], flaps[3*r+2]
			t.Logf("%s: link flaps %d before the flap, %d after, %d at exit", run, before, after, exit)
			if after-before != 2 || exit != after {
				t.Errorf("%s: link flaps %d, %d, %d: want the flap to add 2 (down, up) and nothing after", run, before, after, exit)
			}
		}
	}
	if nIRQ != 2 {
		t.Errorf("%d interrupt counter lines, want 2 (the 2-queue run's queues)", nIRQ)
	}
	if len(lines) != 3*(2+4) {
		t.Fatalf("%d per-queue status lines, want 18 (three times 2, then three times 4 queues): %q", len(lines), lines)
	}
	for i, m := range lines {
		q, _ := strconv.Atoi(m[1])
		rx, _ := strconv.ParseUint(m[2], 10, 64)
		tx, _ := strconv.ParseUint(m[3], 10, 64)
		run := "2 queues"
		if i >= 6 {
			run = "4 queues"
		}
		t.Logf("%s, queue %d: rx %d tx %d dropped %s", run, q, rx, tx, m[4])
		if want := fmt.Sprint(i % 2); i < 6 && m[1] != want {
			t.Errorf("line %d names queue %s, want %s", i, m[1], want)
		}
		if rx == 0 || tx == 0 {
			t.Errorf("%s: queue %d unused (rx %d, tx %d)", run, q, rx, tx)
		}
		if m[4] != "0" {
			t.Errorf("%s: queue %d dropped %s frames", run, q, m[4])
		}
	}
}
