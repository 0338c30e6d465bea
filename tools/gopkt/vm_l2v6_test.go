package main

import (
	"testing"
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
var vmTunnel6Script = `
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
	ping_all /tmp/ping.txt 10 $a -6 -i 0.2
	ping_all /tmp/ping.txt 3 $a -6 -i 0.3 -s 1400
	echo "STEP UDP echo at $a through Linux sockets"
	must udpcheck --sizes 1,100,1400 --rounds 3 [$a]:7
done
echo "STEP gopkt pings linux"
wait_for 90 grep -q "fd00:11::1 ping statistics" /tmp/gopkt.txt
` + vmStopAndCheck(2, 18) + `expect "$(cat /tmp/tcpdump.txt)" "key=0x2a"
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
	runVMTunnels(t, vmTunnel6Script, []string{"ip_gre", "sit"}, "udpcheck: 9 of 9 echoes intact", 2, []tsharkWant{
		{"IPv6 in GRE key 42 from us", "gre.key == 42 && ip.src == 198.18.0.2 && icmpv6.type == 128"},
		{"IPv6 in GRE key 42 to us", "gre.key == 42 && ip.src == 198.18.0.1 && udp.dstport == 7 && ipv6"},
		{"IPv6 in IPv4 (41) from us", "ip.proto == 41 && ip.src == 198.18.0.2 && udp.srcport == 7"},
		{"IPv6 in IPv4 (41) to us", "ip.proto == 41 && ip.src == 198.18.0.1 && icmpv6.type == 128"},
	})
}
