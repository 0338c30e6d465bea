package main

import "testing"

// vmBridgeScript is the guest side of the bridge scenario: NIC 1 stays
// with Linux as 198.18.0.1/24; NIC 0 goes to vfio-pci, and gopkt bridges
// it (em0) with a TAP (tap0) whose Linux end moves into a namespace as
// 198.18.0.3/24; the bridge itself is 198.18.0.2/24. Linux pings across
// the bridge both ways and pings and uses UDP echo on the bridge's own
// address; gopkt pings both Linux hosts; its FDB must place each Linux
// MAC on the member it came from, as Linux's own neighbour tables see it.
var vmBridgeScript = `
IF=$(ls /sys/bus/pci/devices/$NIC1_ADDR/net)
IP=/bin/ip
must $IP link set $IF up
must $IP addr add 198.18.0.1/24 dev $IF
must vfio-bind bind --force $NIC0_ADDR
tcpdump -l -n -vv -e -i $IF >/tmp/tcpdump.txt 2>&1 &
tdpid=$!
P=count=5,interval=500ms
gopkt -d e1000 pci=$NIC0_ADDR -d tap linux=gbr,mac=02:00:5e:00:50:02 -d bridge members=em0+tap0 \
	-p ipv4 -p udp --udp-echo 7 --ifconfig bridge0=198.18.0.2/24 \
	--ping 198.18.0.1,$P >/tmp/gopkt.txt 2>/tmp/gopkt.err &
gpid=$!
for i in $(seq 1 1200); do
	grep -q "gopkt: running" /tmp/gopkt.txt && break
	kill -0 $gpid 2>/dev/null || { cat /tmp/gopkt.txt /tmp/gopkt.err; fail "gopkt exited"; }
	sleep 0.1
done
grep -q "gopkt: running" /tmp/gopkt.txt || { cat /tmp/gopkt.txt /tmp/gopkt.err; fail "gopkt not running after 120 s"; }
must $IP netns add lb
must $IP link set gbr netns lb
must $IP -n lb addr add 198.18.0.3/24 dev gbr
must $IP -n lb link set gbr up
must $IP -n lb link set lo up
NSMAC=$(cat /sys/class/net/$IF/address)
LBMAC=$($IP netns exec lb cat /sys/class/net/gbr/address)
echo "STEP linux pings across our bridge, both ways"
ping_all /tmp/ping.txt 10 198.18.0.3 -i 0.2 -s 1400
PING="$IP netns exec lb /bin/ping"
ping_all /tmp/ping.txt 10 198.18.0.1 -i 0.2
unset PING
echo "STEP linux pings the bridge's own address and uses its UDP echo"
ping_all /tmp/ping.txt 10 198.18.0.2 -i 0.2
must udpcheck --sizes 1,100,1400,3000 --rounds 3 198.18.0.2:7
echo "STEP gopkt pings linux"
wait_for 90 grep -q "198.18.0.1 ping statistics" /tmp/gopkt.txt
echo "STEP where Linux sees the MACs"
$IP neigh show dev $IF
$IP -n lb neigh show dev gbr
expect "$($IP neigh show dev $IF)" "198.18.0.3 lladdr $LBMAC"
expect "$($IP -n lb neigh show dev gbr)" "198.18.0.1 lladdr $NSMAC"
` + vmStopAndCheck(1, 12) + `expect "$(cat /tmp/gopkt.txt)" "$NSMAC dev em0 "
expect "$(cat /tmp/gopkt.txt)" "$LBMAC dev tap0 "
expect "$(cat /tmp/tcpdump.txt)" "198.18.0.3 > 198.18.0.1: ICMP echo reply"
`

// TestVMDaemonBridge: issue 13's VM lane for the bridge. gopkt's bridge
// joins our e1000 driver (real VFIO) and a TAP; the guest's Linux on a
// second e1000 on the same hub reaches a namespace behind the TAP through
// it, both ways, and the bridge's own address; our FDB and Linux's
// neighbour tables agree on where each MAC is. QEMU's capture of our NIC
// must decode in tshark with nothing malformed.
func TestVMDaemonBridge(t *testing.T) {
	runVMTunnels(t, vmBridgeScript, []string{"tun"}, "udpcheck: 12 of 12 echoes intact", 1, []tsharkWant{
		{"echo replies from the namespace through us", "ip.src == 198.18.0.3 && icmp.type == 0"},
		{"our own echo replies", "ip.src == 198.18.0.2 && icmp.type == 0"},
	})
}
