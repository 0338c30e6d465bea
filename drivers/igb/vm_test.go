package igb

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// TestVMRSS runs the igb driver through VFIO in the backports lane's guest
// (QEMU 10): NIC0 is an igb bound to vfio-pci, NIC1 an e1000 under the
// Linux driver in its own network namespace. For 2 and 4 polled queue
// pairs, then 4 with one MSI-X vector each,
// TestGuestRSS receives 64 UDP flows that TestGuestFlowPeer sends through
// the Linux stack, checks every device hash against the software Toeplitz
// hash and the queue against the redirection table, and answers each flow;
// the peer must read all 64 answers through its sockets.
func TestVMRSS(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		Lane:      vmtest.LaneBackports,
		NICs:      []vmtest.NIC{{Model: vmtest.IGB, Dump: true}, {Model: vmtest.E1000}},
		Commands:  []string{"./tools/vfio-bind"},
		Tests:     []string{"./drivers/igb"},
		HugePages: 64,
		Timeout:   10 * time.Minute,
		Script: `
e1k=$(ls /sys/bus/pci/devices/$NIC1_ADDR/net)
unshare -n sleep 900 &
ns=$!
own_netns() { [ "$(readlink /proc/$ns/ns/net)" != "$(readlink /proc/self/ns/net)" ]; }
wait_for 10 own_netns
must ip link set $e1k netns $ns
peer() { nsenter -t $ns -n "$@"; }
must peer ip link set lo up
must peer ip link set $e1k up
must peer ip addr add 198.18.0.2/24 dev $e1k
must peer arp -i $e1k -s 198.18.0.1 $NIC0_MAC
# /sys/class/net shows the namespace sysfs was mounted in: ask ip instead.
lower_up() { peer ip link show $e1k | grep -q LOWER_UP; }
wait_for 30 lower_up
must vfio-bind bind $NIC0_ADDR
sleep 1.5 # QEMU's e1000 holds RX for about a second after an RCTL write
for run in 2:0 4:0 4:1; do
	nq=${run%:*}
	irq=${run#*:}
	rm -f /tmp/igb.ready
	echo "igb run: $nq queues, interrupts $irq"
	# The test timeouts end a hung run with a goroutine dump well inside the
	# VM's timeout; the logs are printed below whatever happens.
	GOPKT_IGB_GUEST=1 GOPKT_IGB_QUEUES=$nq GOPKT_IGB_IRQ=$irq igb.test -test.run 'TestGuestRSS$' -test.v -test.timeout 150s >/tmp/rss.log 2>&1 &
	rss=$!
	i=0
	while [ ! -e /tmp/igb.ready ]; do
		i=$((i + 1))
		if [ $i -gt 600 ] || ! kill -0 $rss 2>/dev/null; then
			cat /tmp/rss.log
			fail "TestGuestRSS with $nq queues did not get ready"
		fi
		sleep 0.1
	done
	GOPKT_IGB_PEER=198.18.0.1 nsenter -t $ns -n igb.test -test.run 'TestGuestFlowPeer$' -test.v -test.timeout 90s >/tmp/peer.log 2>&1 || peerfail=1
	wait $rss || rssfail=1
	cat /tmp/rss.log /tmp/peer.log
	[ -z "$rssfail" ] || fail "TestGuestRSS with $nq queues failed"
	[ -z "$peerfail" ] || fail "TestGuestFlowPeer with $nq queues failed"
done
kill $ns
`,
	})
	for _, want := range []string{"igb rss (interrupts false): 2 queues, 64 flows", "igb rss (interrupts false): 4 queues, 64 flows",
		"igb rss (interrupts true): 4 queues, 64 flows"} {
		if len(res.Grep(want)) != 1 {
			t.Errorf("console lacks %q", want)
		}
	}
	if len(res.Grep("igb peer: 64 of 64 flows answered")) != 3 {
		t.Errorf("console lacks three complete peer runs")
	}
}
