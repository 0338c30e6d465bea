package main

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// vmL2Script is the guest side of the L2/tunnel scenario: NIC 1 stays
// with Linux's e1000 driver as 198.18.0.1/24 with 802.1Q interfaces for
// VID 5 and 7 (module 8021q), a gre tunnel with key 42 (ip_gre) and an
// ipip tunnel (ipip) to 198.18.0.2; NIC 0 goes to vfio-pci and gopkt runs
// on it as 198.18.0.2 with -d vlan (VID 5 and 7, the e1000's tag
// insert/strip), -d gre and -d gif. Linux pings each of our four
// addresses and uses our UDP echo service on each through its own
// sockets; gopkt pings each of Linux's. Linux's tcpdump decodes the wire
// throughout and must not complain.
var vmL2Script = `
IF=$(ls /sys/bus/pci/devices/$NIC1_ADDR/net)
IP=/bin/ip # iproute2's: busybox's ip cannot set gre endpoints or keys
expect "$($IP -V)" iproute2
must $IP link set $IF up
must $IP addr add 198.18.0.1/24 dev $IF
for vid in 5 7; do
	must $IP link add link $IF name v$vid type vlan id $vid
	must $IP addr add 198.18.$vid.1/24 dev v$vid
	must $IP link set v$vid up
done
must $IP link add lgre type gre local 198.18.0.1 remote 198.18.0.2 key 42
must $IP addr add 198.18.10.1/30 dev lgre
must $IP link set lgre up
must $IP link add lipip type ipip local 198.18.0.1 remote 198.18.0.2
must $IP addr add 198.18.11.1/30 dev lipip
must $IP link set lipip up
$IP -d link show
must vfio-bind bind --force $NIC0_ADDR
tcpdump -l -n -vv -e -i $IF >/tmp/tcpdump.txt 2>&1 &
tdpid=$!
# The first echo of each ping waits for ARP, whose first request can go
# unanswered while QEMU's e1000 holds RX after the driver's RCTL write
# (DESIGN.md 5): the default timeout (3s) covers the first ARP retry.
P=count=5,interval=500ms
gopkt -d e1000 pci=$NIC0_ADDR -d vlan parent=em0,vid=5 -d vlan parent=em0,vid=7 \
	-d gre local=198.18.0.2,remote=198.18.0.1,key=42 -d gif local=198.18.0.2,remote=198.18.0.1 \
	-p ipv4 -p udp --udp-echo 7 --ifconfig em0=198.18.0.2/24 --ifconfig vlan0=198.18.5.2/24 --ifconfig vlan1=198.18.7.2/24 \
	--ifconfig gre0=198.18.10.2/30 --ifconfig gif0=198.18.11.2/30 \
	--ping 198.18.5.1,$P --ping 198.18.7.1,$P --ping 198.18.10.1,$P --ping 198.18.11.1,$P >/tmp/gopkt.txt 2>/tmp/gopkt.err &
gpid=$!
wait_for 120 grep -q "gopkt: running" /tmp/gopkt.txt
for a in 198.18.5.2 198.18.7.2 198.18.10.2 198.18.11.2; do
	echo "STEP linux pings $a"
	ping_all /tmp/ping.txt 10 $a -i 0.2 -s 1400
	echo "STEP UDP echo at $a through Linux sockets"
	must udpcheck --sizes 1,100,1400,3000 --rounds 3 $a:7
done
echo "STEP gopkt pings linux"
wait_for 90 grep -q "198.18.11.1 ping statistics" /tmp/gopkt.txt
` + vmStopAndCheck(4, 48) + `expect "$(cat /tmp/tcpdump.txt)" "vlan 5, p 0, ethertype IPv4"
expect "$(cat /tmp/tcpdump.txt)" "vlan 7, p 0, ethertype IPv4"
expect "$(cat /tmp/tcpdump.txt)" "key=0x2a"
expect "$(cat /tmp/tcpdump.txt)" "198.18.10.2 > 198.18.10.1: ICMP echo request"
expect "$(cat /tmp/tcpdump.txt)" "198.18.11.2 > 198.18.11.1: ICMP echo request"
expect "$(cat /tmp/tcpdump.txt)" "198.18.10.2.7 > 198.18.10.1."
expect "$(cat /tmp/tcpdump.txt)" "198.18.11.2.7 > 198.18.11.1."
`

// TestVMDaemonVLANTunnels: issue 13's VM lane. gopkt's vlan (on the
// e1000's tag offload), gre and gif over our e1000 driver through real
// VFIO, against the guest's Linux 802.1Q, ip_gre and ipip on a second
// e1000 on the same hub: ping and UDP both ways on each. QEMU's capture of
// our NIC must decode in tshark with nothing malformed and show each kind.
func TestVMDaemonVLANTunnels(t *testing.T) {
	runVMTunnels(t, vmL2Script, []string{"8021q", "ip_gre", "ipip"}, "udpcheck: 12 of 12 echoes intact", 4, []tsharkWant{
		{"VID 5 from us", "vlan.id == 5 && eth.src == 52:54:00:12:34:10 && icmp"},
		{"VID 7 from us", "vlan.id == 7 && eth.src == 52:54:00:12:34:10 && udp.srcport == 7"},
		{"GRE key 42 from us", "gre.key == 42 && ip.src == 198.18.0.2 && icmp"},
		{"GRE key 42 to us", "gre.key == 42 && ip.src == 198.18.0.1 && udp.dstport == 7"},
		{"IPIP from us", "ip.proto == 4 && ip.src == 198.18.0.2 && udp.srcport == 7"},
		{"IPIP to us", "ip.proto == 4 && ip.src == 198.18.0.1 && icmp"},
	})
}

// vmStopAndCheck is the end of the tunnel guests' scripts: stop gopkt and
// check its report (pings runs of --ping without loss, echoed datagrams on
// port 7, every buffer back), then the guest's tcpdump.
func vmStopAndCheck(pings, echoed int) string {
	return fmt.Sprintf(`echo "STEP stop gopkt"
kill -INT $gpid
status=0; wait $gpid || status=$?
cat /tmp/gopkt.txt /tmp/gopkt.err
[ $status -eq 0 ] || fail "gopkt exit status $status"
n=$(grep -c "5 packets transmitted, 5 received, 0%% packet loss" /tmp/gopkt.txt)
[ "$n" = %d ] || fail "gopkt's pings: $n of %d without loss"
expect "$(cat /tmp/gopkt.txt)" "udp-echo port 7: %d datagrams echoed, 0 failures"
expect "$(cat /tmp/gopkt.txt)" "pool: 4096/4096 buffers free"
expect "$(cat /tmp/gopkt.txt)" "gopkt: stopped cleanly"
echo "STEP tcpdump on the Linux side"
sleep 1
kill $tdpid; wait $tdpid || true
cat /tmp/tcpdump.txt
reject "$(cat /tmp/tcpdump.txt)" "malformed"
reject "$(cat /tmp/tcpdump.txt)" "bad cksum"
reject "$(cat /tmp/tcpdump.txt)" "[|"
`, pings, pings, echoed)
}

// tsharkWant is a kind of frame the capture of our NIC must hold.
type tsharkWant struct{ name, filter string }

// runVMTunnels runs script in a guest with two e1000s on one hub (NIC 0
// ours through VFIO, captured on the host; NIC 1 Linux's) and the extra
// modules; summaries udpcheck lines must say intact, and tshark must
// decode the capture with nothing malformed and find each want.
func runVMTunnels(t *testing.T, script string, modules []string, intact string, summaries int, wants []tsharkWant) {
	t.Helper()
	res := vmtest.Run(t, vmtest.Config{
		NICs:      []vmtest.NIC{{Model: vmtest.E1000, Dump: true}, {Model: vmtest.E1000}},
		Modules:   append(vmtest.DefaultModules(), modules...),
		Commands:  []string{"./tools/vfio-bind", "./tools/gopkt", "./tools/gopkt/internal/udpcheck"},
		Debs:      []string{"tcpdump", "iputils-ping", "iproute2"},
		HugePages: 64,
		Timeout:   10 * time.Minute,
		Script:    script,
	})
	if !res.Passed {
		return
	}
	if n := len(res.Grep(intact)); n != summaries {
		t.Errorf("udpcheck summaries with every echo intact: %d, want %d", n, summaries)
	}
	if len(res.PCAP) == 0 || res.PCAP[0] == "" {
		t.Fatal("no host-side capture of our NIC")
	}
	hosttest.Require(t, hosttest.Tshark)
	hosttest.TsharkClean(t, res.PCAP[0])
	for _, c := range wants {
		out, err := exec.Command("tshark", "-r", res.PCAP[0], "-Y", c.filter).Output()
		if n := len(strings.Split(strings.TrimSpace(string(out)), "\n")); err != nil || len(out) == 0 {
			t.Errorf("tshark finds no %s (%s): %v", c.name, c.filter, err)
		} else {
			t.Logf("tshark: %d frames of %s", n, c.name)
		}
	}
}
