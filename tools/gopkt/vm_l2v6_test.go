package main

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/hosttest"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// vmTunnel6Script is the guest side of IPv6 inside our tunnels: NIC 1
// stays with Linux's e1000 driver as 198.18.0.1/24 with a gre tunnel (key
// 42, ip_gre) carrying fd00:10::1/64 and a sit tunnel (IPv6 in IPv4,
// protocol 41) carrying fd00:11::1/64 to 198.18.0.2; NIC 0 goes to
// vfio-pci and gopkt runs on it as 198.18.0.2 with -d gre and -d gif
// carrying fd00:10::2 and fd00:11::2. Linux pings each of our IPv6
// addresses (also with 1400 bytes) and uses our UDP echo service through
// each; gopkt pings each of Linux's. Linux's tcpdump decodes the wire
// throughout and must not complain.
const vmTunnel6Script = `
IF=$(ls /sys/bus/pci/devices/$NIC1_ADDR/net)
IP=/bin/ip # iproute2's: busybox's ip cannot set gre endpoints or keys
expect "$($IP -V)" iproute2
must $IP link set $IF up
must $IP addr add 198.18.0.1/24 dev $IF
must $IP link add lgre type gre local 198.18.0.1 remote 198.18.0.2 key 42
must $IP -6 addr add fd00:10::1/64 dev lgre nodad
must $IP link set lgre up
must $IP link add lsit type sit local 198.18.0.1 remote 198.18.0.2
must $IP -6 addr add fd00:11::1/64 dev lsit nodad
must $IP link set lsit up
$IP -d link show
must vfio-bind bind --force $NIC0_ADDR
tcpdump -l -n -vv -e -i $IF >/tmp/tcpdump.txt 2>&1 &
tdpid=$!
P=count=5,interval=500ms
gopkt -d e1000 pci=$NIC0_ADDR -d gre local=198.18.0.2,remote=198.18.0.1,key=42 -d gif local=198.18.0.2,remote=198.18.0.1 \
	-p ipv4 -p ipv6 -p udp --udp-echo 7 --ifconfig em0=198.18.0.2/24 \
	--ifconfig gre0=fd00:10::2/64 --ifconfig gif0=fd00:11::2/64 \
	--ping fd00:10::1,$P --ping fd00:11::1,$P >/tmp/gopkt.txt 2>/tmp/gopkt.err &
gpid=$!
wait_for 120 grep -q "gopkt: running" /tmp/gopkt.txt
for a in fd00:10::2 fd00:11::2; do
	echo "STEP linux pings $a"
	/bin/ping -6 -c 10 -i 0.2 -W 5 $a >/tmp/ping.txt 2>&1 || { cat /tmp/ping.txt /tmp/gopkt.err; fail "ping $a"; }
	cat /tmp/ping.txt
	expect "$(cat /tmp/ping.txt)" "10 packets transmitted, 10 received"
	/bin/ping -6 -c 3 -i 0.3 -W 5 -s 1400 $a >/tmp/ping.txt 2>&1 || { cat /tmp/ping.txt /tmp/gopkt.err; fail "ping -s 1400 $a"; }
	expect "$(cat /tmp/ping.txt)" "3 packets transmitted, 3 received"
	echo "STEP UDP echo at $a through Linux sockets"
	must udpcheck --sizes 1,100,1400 --rounds 3 [$a]:7
done
echo "STEP gopkt pings linux"
wait_for 90 grep -q "fd00:11::1 ping statistics" /tmp/gopkt.txt
echo "STEP stop gopkt"
kill -INT $gpid
status=0; wait $gpid || status=$?
cat /tmp/gopkt.txt /tmp/gopkt.err
[ $status -eq 0 ] || fail "gopkt exit status $status"
n=$(grep -c "5 packets transmitted, 5 received, 0% packet loss" /tmp/gopkt.txt)
[ "$n" = 2 ] || fail "gopkt's pings: $n of 2 without loss"
expect "$(cat /tmp/gopkt.txt)" "udp-echo port 7: 18 datagrams echoed, 0 failures"
expect "$(cat /tmp/gopkt.txt)" "pool: 4096/4096 buffers free"
expect "$(cat /tmp/gopkt.txt)" "gopkt: stopped cleanly"
echo "STEP tcpdump on the Linux side"
sleep 1
kill $tdpid; wait $tdpid || true
cat /tmp/tcpdump.txt
reject "$(cat /tmp/tcpdump.txt)" "malformed"
reject "$(cat /tmp/tcpdump.txt)" "bad cksum"
reject "$(cat /tmp/tcpdump.txt)" "[|"
expect "$(cat /tmp/tcpdump.txt)" "key=0x2a"
expect "$(cat /tmp/tcpdump.txt)" "fd00:10::2 > fd00:10::1: ?icmp6 sum ok? ICMP6, echo request" # expect matches a glob: ? for the brackets
expect "$(cat /tmp/tcpdump.txt)" "fd00:11::2 > fd00:11::1: ?icmp6 sum ok? ICMP6, echo request"
expect "$(cat /tmp/tcpdump.txt)" "fd00:10::2.7 > fd00:10::1."
expect "$(cat /tmp/tcpdump.txt)" "fd00:11::2.7 > fd00:11::1."
`

// TestVMDaemonTunnels6: IPv6 inside gopkt's gre and gif (protocol 41)
// over our e1000 driver through real VFIO, against the guest's Linux
// ip_gre and sit on a second e1000 on the same hub: ping and UDP both
// ways through each. QEMU's capture of our NIC must decode in tshark with
// nothing malformed and show each kind both ways.
func TestVMDaemonTunnels6(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		NICs:      []vmtest.NIC{{Model: vmtest.E1000, Dump: true}, {Model: vmtest.E1000}},
		Modules:   append(vmtest.DefaultModules(), "ip_gre", "sit"),
		Commands:  []string{"./tools/vfio-bind", "./tools/gopkt", "./tools/gopkt/internal/udpcheck"},
		Debs:      []string{"tcpdump", "iputils-ping", "iproute2"},
		HugePages: 64,
		Timeout:   10 * time.Minute,
		Script:    vmTunnel6Script,
	})
	if !res.Passed {
		return
	}
	if n := len(res.Grep("udpcheck: 9 of 9 echoes intact")); n != 2 {
		t.Errorf("udpcheck summaries with every echo intact: %d, want 2", n)
	}
	if len(res.PCAP) == 0 || res.PCAP[0] == "" {
		t.Fatal("no host-side capture of our NIC")
	}
	hosttest.Require(t, hosttest.Tshark)
	hosttest.TsharkClean(t, res.PCAP[0])
	for _, c := range []struct{ name, filter string }{
		{"IPv6 in GRE key 42 from us", "gre.key == 42 && ip.src == 198.18.0.2 && icmpv6.type == 128"},
		{"IPv6 in GRE key 42 to us", "gre.key == 42 && ip.src == 198.18.0.1 && udp.dstport == 7 && ipv6"},
		{"IPv6 in IPv4 (41) from us", "ip.proto == 41 && ip.src == 198.18.0.2 && udp.srcport == 7"},
		{"IPv6 in IPv4 (41) to us", "ip.proto == 41 && ip.src == 198.18.0.1 && icmpv6.type == 128"},
	} {
		out, err := exec.Command("tshark", "-r", res.PCAP[0], "-Y", c.filter).Output()
		if n := len(strings.Split(strings.TrimSpace(string(out)), "\n")); err != nil || len(out) == 0 {
			t.Errorf("tshark finds no %s (%s): %v", c.name, c.filter, err)
		} else {
			t.Logf("tshark: %d frames of %s", n, c.name)
		}
	}
}
