package main

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// vmScript is the guest side: NIC 1 stays with Linux's e1000 driver as
// 198.18.0.1/24, NIC 0 goes to vfio-pci and gopkt runs on it as
// 198.18.0.2/24 (default mode adaptive: interrupts through VFIO when
// idle). Linux pings us (also with 8000 bytes: Linux fragments,
// we reassemble, our reply is fragmented and Linux reassembles), uses our
// UDP echo service through its own sockets, and learns our MAC by ARP;
// gopkt pings Linux. Linux's tcpdump watches its NIC throughout and must
// decode our frames without complaint; gopkt must exit 0 with the pool
// full.
const vmScript = `
IF=$(ls /sys/bus/pci/devices/$NIC1_ADDR/net)
must ip link set $IF up
must ip addr add 198.18.0.1/24 dev $IF
must vfio-bind bind --force $NIC0_ADDR
echo "STEP gopkt on a NIC Linux still owns"
mustfail gopkt -d e1000 pci=$NIC1_ADDR -p ipv4 >/tmp/unbound.txt 2>&1
cat /tmp/unbound.txt
expect "$(cat /tmp/unbound.txt)" "vfio-bind bind $NIC1_ADDR"
tcpdump -l -n -vv -e -i $IF >/tmp/tcpdump.txt 2>&1 &
tdpid=$!
gopkt -d e1000 pci=$NIC0_ADDR -p ipv4 -p udp --ifconfig em0=198.18.0.2/24 --udp-echo 7 \
	--ping 198.18.0.1,count=5,interval=500ms,timeout=2s --dump em0=/tmp/em0.pcap >/tmp/gopkt.txt 2>/tmp/gopkt.err &
gpid=$!
wait_for 120 grep -q "gopkt: running" /tmp/gopkt.txt
echo "STEP linux pings gopkt"
expect "$(/bin/ping -V 2>&1)" iputils
ping_all /tmp/ping.txt 20 198.18.0.2 -i 0.2
echo "STEP linux pings gopkt with 8000 bytes"
ping_all /tmp/ping8k.txt 5 198.18.0.2 -i 0.5 -s 8000
expect "$(cat /tmp/ping8k.txt)" "8008 bytes from 198.18.0.2"
echo "STEP UDP echo through Linux sockets"
must udpcheck --sizes 1,100,1472,3000,8000 --rounds 3 198.18.0.2:7
echo "STEP Linux neighbour table"
ip neigh show dev $IF >/tmp/neigh.txt
cat /tmp/neigh.txt
expect "$(cat /tmp/neigh.txt)" "198.18.0.2 lladdr $NIC0_MAC"
echo "STEP gopkt pings linux"
wait_for 60 grep -q "ping statistics" /tmp/gopkt.txt
kill -USR1 $gpid
wait_for 10 grep -q "udp-echo port 7" /tmp/gopkt.txt
echo "STEP stop gopkt"
kill -INT $gpid
status=0; wait $gpid || status=$?
cat /tmp/gopkt.txt /tmp/gopkt.err
[ $status -eq 0 ] || fail "gopkt exit status $status"
expect "$(cat /tmp/gopkt.txt)" "5 packets transmitted, 5 received, 0% packet loss"
expect "$(cat /tmp/gopkt.txt)" "udp-echo port 7: 15 datagrams echoed, 0 failures"
expect "$(cat /tmp/gopkt.txt)" "pool: 4096/4096 buffers free"
expect "$(cat /tmp/gopkt.txt)" "gopkt: stopped cleanly"
echo "STEP tcpdump on the Linux side"
sleep 1
kill $tdpid; wait $tdpid || true
cat /tmp/tcpdump.txt
reject "$(cat /tmp/tcpdump.txt)" "malformed"
reject "$(cat /tmp/tcpdump.txt)" "bad cksum"
reject "$(cat /tmp/tcpdump.txt)" "[|"
expect "$(cat /tmp/tcpdump.txt)" "198.18.0.2 > 198.18.0.1: ICMP echo reply"
expect "$(cat /tmp/tcpdump.txt)" "198.18.0.2.7 > 198.18.0.1."
expect "$(cat /tmp/tcpdump.txt)" "198.18.0.2 > 198.18.0.1: ICMP echo request"
echo "STEP gopkt's own capture"
tcpdump -n -r /tmp/em0.pcap >/tmp/em0.txt 2>&1 || { cat /tmp/em0.txt; fail "tcpdump -r em0.pcap"; }
echo "EM0-PCAP-LINES $(wc -l </tmp/em0.txt)"
reject "$(cat /tmp/em0.txt)" "[|"
expect "$(cat /tmp/em0.txt)" "198.18.0.1 > 198.18.0.2: ICMP echo request"
`

// TestVMDaemonE1000 runs the daemon over our e1000 driver through real
// VFIO in the QEMU guest, with the guest's Linux on a second e1000 on the
// same hub as the peer (issue 4's VM criterion).
func TestVMDaemonE1000(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		NICs:     []vmtest.NIC{{Model: vmtest.E1000, Dump: true}, {Model: vmtest.E1000}},
		Commands: []string{"./tools/vfio-bind", "./tools/gopkt", "./tools/gopkt/internal/udpcheck"},
		// iputils ping: busybox's raw socket (7280 bytes, no ICMP filter)
		// also queues gopkt's own echo requests and can overflow.
		Debs:      []string{"tcpdump", "iputils-ping"},
		HugePages: 64,
		Timeout:   8 * time.Minute,
		Script:    vmScript,
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
	for _, l := range res.Grep("round-trip min/avg/max") {
		t.Log(l)
	}
	if len(res.PCAP) == 0 || res.PCAP[0] == "" {
		t.Fatal("no host-side capture of our NIC")
	}
	checkWire(t, res.PCAP[0])
}

// checkWire reads QEMU's capture of our NIC's hub port: every frame we
// sent (source MAC 52:54:00:12:34:10) decodes with gopacket, IPv4 and UDP
// checksums verify, and fragmented echo replies are among them.
func checkWire(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	ours, frags, replies := 0, 0, 0
	for {
		data, _, err := rd.ReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pkt := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		eth, ok := pkt.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		if !ok || !strings.EqualFold(eth.SrcMAC.String(), "52:54:00:12:34:10") {
			continue
		}
		ours++
		if el := pkt.ErrorLayer(); el != nil {
			t.Errorf("our frame %d does not decode: %v", ours, el.Error())
		}
		ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok {
			continue
		}
		if sum := ipv4HeaderSum(ip.Contents); sum != 0xffff {
			t.Errorf("our frame %d: IPv4 header checksum does not verify (sum %#x)", ours, sum)
		}
		if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
			frags++
		}
		if icmp, ok := pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4); ok && icmp.TypeCode.Type() == layers.ICMPv4TypeEchoReply {
			replies++
		}
	}
	t.Logf("host capture: %d frames from our NIC, %d fragments, %d unfragmented echo replies", ours, frags, replies)
	if ours < 50 || frags < 10 || replies < 20 {
		t.Errorf("host capture: %d of our frames, %d fragments, %d echo replies; want ≥50, ≥10, ≥20", ours, frags, replies)
	}
}

// ipv4HeaderSum is the one's complement sum of the header (RFC 1071); a
// header with a correct checksum sums to 0xffff.
func ipv4HeaderSum(h []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(h); i += 2 {
		s += uint32(h[i])<<8 | uint32(h[i+1])
	}
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}
