package main

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// vmScript6 is vmScript over IPv6 with SLAAC: NIC 1 stays with Linux's
// e1000 driver as 2001:db8::1/64 and runs radvd for 2001:db8:1::/64; NIC 0
// goes to vfio-pci and gopkt runs on it as 2001:db8::2/64 with --slaac.
// Linux pings us (8000 bytes too: fragments both ways), uses our UDP echo
// service over IPv6, and learns us by neighbour discovery; gopkt pings
// Linux, forms an address on the advertised prefix and takes Linux as
// default router. Linux's tcpdump must decode our frames cleanly.
const vmScript6 = `
IF=$(ls /sys/bus/pci/devices/$NIC1_ADDR/net)
must sysctl -q -w net.ipv6.conf.all.forwarding=1
must sysctl -q -w net.ipv6.conf.$IF.accept_dad=0
must ip link set $IF up
must ip addr add 2001:db8::1/64 dev $IF
must vfio-bind bind --force $NIC0_ADDR
printf 'interface %s {\n AdvSendAdvert on;\n MinRtrAdvInterval 3;\n MaxRtrAdvInterval 10;\n prefix 2001:db8:1::/64 {\n  AdvOnLink on;\n  AdvAutonomous on;\n };\n};\n' $IF >/tmp/radvd.conf
tcpdump -l -n -vv -e -i $IF ip6 >/tmp/tcpdump.txt 2>&1 &
tdpid=$!
radvd -n -C /tmp/radvd.conf -p /tmp/radvd.pid -m stderr >/tmp/radvd.txt 2>&1 &
rapid=$!
gopkt -d e1000 pci=$NIC0_ADDR -p ipv4 -p ipv6 -p udp --ifconfig em0=2001:db8::2/64 --slaac em0 --udp-echo 7 \
	--ping 2001:db8::1,count=5,interval=500ms,timeout=2s >/tmp/gopkt.txt 2>/tmp/gopkt.err &
gpid=$!
# On a failure: gopkt's status (its neighbour cache, ICMPv6 and ND
# counters), its log, and Linux's side of the link.
diagnose() {
	kill -USR1 $gpid 2>/dev/null && sleep 1
	cat /tmp/gopkt.txt /tmp/gopkt.err
	head -n 80 /tmp/tcpdump.txt
	ip -6 neigh show dev $IF
	cat /tmp/ping.txt 2>/dev/null
}
wait_for 120 grep -q "gopkt: running" /tmp/gopkt.txt
echo "STEP linux pings gopkt"
ping_all /tmp/ping.txt 20 2001:db8::2 -6 -i 0.2
echo "STEP linux pings gopkt with 8000 bytes"
ping_all /tmp/ping8k.txt 5 2001:db8::2 -6 -i 0.5 -s 8000
expect "$(cat /tmp/ping8k.txt)" "8008 bytes from 2001:db8::2"
echo "STEP UDP echo through Linux sockets"
must udpcheck --sizes 1,100,1452,3000,8000 --rounds 3 [2001:db8::2]:7
echo "STEP Linux neighbour table"
ip -6 neigh show dev $IF >/tmp/neigh.txt
cat /tmp/neigh.txt
expect "$(cat /tmp/neigh.txt)" "2001:db8::2 lladdr $NIC0_MAC"
echo "STEP gopkt pings linux"
wait_for 60 grep -q "ping statistics" /tmp/gopkt.txt
echo "STEP SLAAC"
wait_for 60 sh -c 'kill -USR1 '$gpid'; sleep 1; grep -q "default routers (RA): \[fe80::" /tmp/gopkt.txt && grep -q "inet6 2001:db8:1:" /tmp/gopkt.txt'
echo "STEP stop gopkt"
kill -INT $gpid
status=0; wait $gpid || status=$?
cat /tmp/gopkt.txt /tmp/gopkt.err
[ $status -eq 0 ] || fail "gopkt exit status $status"
expect "$(cat /tmp/gopkt.txt)" "5 packets transmitted, 5 received, 0% packet loss"
expect "$(cat /tmp/gopkt.txt)" "udp-echo port 7: 15 datagrams echoed, 0 failures"
expect "$(cat /tmp/gopkt.txt)" "pool: 4096/4096 buffers free"
expect "$(cat /tmp/gopkt.txt)" "gopkt: stopped cleanly"
kill $rapid; wait $rapid || true
echo "STEP tcpdump on the Linux side"
sleep 1
kill $tdpid; wait $tdpid || true
cat /tmp/tcpdump.txt
reject "$(cat /tmp/tcpdump.txt)" "malformed"
reject "$(cat /tmp/tcpdump.txt)" "bad cksum"
reject "$(cat /tmp/tcpdump.txt)" "[|"
expect "$(cat /tmp/tcpdump.txt)" "2001:db8::2 > 2001:db8::1: *ICMP6, echo reply"
expect "$(cat /tmp/tcpdump.txt)" "router solicitation"
expect "$(cat /tmp/tcpdump.txt)" "multicast listener report v2"
`

// TestVMDaemonE1000IPv6 runs the daemon with IPv6 and SLAAC over our e1000
// driver through real VFIO in the QEMU guest, the guest's Linux (with
// radvd) on a second e1000 on the same hub as the peer.
func TestVMDaemonE1000IPv6(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		NICs:      []vmtest.NIC{{Model: vmtest.E1000}, {Model: vmtest.E1000}},
		Commands:  []string{"./tools/vfio-bind", "./tools/gopkt", "./tools/gopkt/internal/udpcheck"},
		Debs:      []string{"tcpdump", "iputils-ping", "radvd", "procps"},
		HugePages: 64,
		Timeout:   8 * time.Minute,
		Script:    vmScript6,
	})
	if !res.Passed {
		return // vmtest reported the failure
	}
	if n := len(res.Grep("udpcheck: 15 of 15 echoes intact")); n != 1 {
		t.Errorf("udpcheck summary lines: %d, want 1", n)
	}
	for _, l := range res.Grep("rtt min/avg/max") {
		t.Log(l)
	}
}
