package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// vmTCPScript: gopkt on NIC 0 through VFIO (198.18.0.2) serves HTTP and
// TCP echo; the guest's Linux on NIC 1 (198.18.0.1) is the TCP peer. Each
// phase downloads a file from gopkt's HTTP server (busybox wget, sha256sum
// against the file gopkt serves) and sends a stream through gopkt's echo
// service (tcpcheck: Linux to gopkt and back, SHA-256 compared); the
// second phase adds netem on Linux's NIC: 1% loss and 20 ms delay on
// everything Linux sends (its upload data and its ACKs of our download).
// After each phase gopkt prints its counters (SIGUSR1) and the script the
// kernel's TCP RetransSegs.
const vmTCPScript = `
IF=$(ls /sys/bus/pci/devices/$NIC1_ADDR/net)
must ip link set $IF up
must ip addr add 198.18.0.1/24 dev $IF
must vfio-bind bind --force $NIC0_ADDR
mkdir -p /srv
dd if=/dev/urandom of=/srv/blob bs=1M count=$BULK_MB 2>/dev/null
want=$(sha256sum /srv/blob | cut -d' ' -f1)
gopkt -d e1000 pci=$NIC0_ADDR -p ipv4 -p tcp --ifconfig em0=198.18.0.2/24 --tcp-echo 7 --http /srv >/tmp/gopkt.txt 2>/tmp/gopkt.err &
gpid=$!
wait_for 120 grep -q "gopkt: running" /tmp/gopkt.txt
retrans() { awk '/^Tcp: [0-9]/ {print $13}' /proc/net/snmp; }
now() { cut -d' ' -f1 /proc/uptime; }
more_status() { [ "$(grep -c '^tcp: in' /tmp/gopkt.txt)" -gt "$1" ]; }
phase() {
	echo "STEP $1"
	r0=$(retrans)
	t0=$(now)
	rm -f /tmp/got
	wget -q -O /tmp/got http://198.18.0.2/blob || { cat /tmp/gopkt.err; fail "$1: wget"; }
	t1=$(now)
	got=$(sha256sum /tmp/got | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "$1: download sha256 $got, want $want"
	echo "BULK $1 download $BULK_MB MB sha256 equal in $(awk "BEGIN {print $t1-$t0}") s: $(awk "BEGIN {printf \"%.2f\", $BULK_MB*1048576/($t1-$t0)/1e6}") MB/s"
	r1=$(retrans)
	tcpcheck --bytes $((BULK_MB*1048576)) 198.18.0.2:7 >/tmp/tcpcheck.txt 2>&1 || { cat /tmp/tcpcheck.txt /tmp/gopkt.err; fail "$1: tcpcheck"; }
	cat /tmp/tcpcheck.txt
	r2=$(retrans)
	echo "BULK $1 linux-retrans download $((r1-r0)) echo $((r2-r1))"
	n=$(grep -c "^tcp: in" /tmp/gopkt.txt || true)
	kill -USR1 $gpid
	wait_for 10 more_status $n
}
phase clean
must tc-iproute2 qdisc add dev $IF root netem loss 1% delay 20ms
tc-iproute2 -s qdisc show dev $IF
phase netem
tc-iproute2 -s qdisc show dev $IF
echo "STEP stop gopkt"
kill -INT $gpid
status=0; wait $gpid || status=$?
cat /tmp/gopkt.txt /tmp/gopkt.err
[ $status -eq 0 ] || fail "gopkt exit status $status"
expect "$(cat /tmp/gopkt.txt)" "pool: 4096/4096 buffers free"
expect "$(cat /tmp/gopkt.txt)" "gopkt: stopped cleanly"
`

// TestVMDaemonTCP is issue 10's VM lane: TCP bulk transfer both ways
// between gopkt on the e1000 through real VFIO and the guest's Linux on a
// second e1000, clean and under netem (1% loss, 20 ms delay; the guest
// kernel has sch_netem as a module, this host's kernel has none).
func TestVMDaemonTCP(t *testing.T) {
	const mb = 8
	res := vmtest.Run(t, vmtest.Config{
		NICs:     []vmtest.NIC{{Model: vmtest.E1000}, {Model: vmtest.E1000}},
		Modules:  append(vmtest.DefaultModules(), "sch_netem"),
		Commands: []string{"./tools/vfio-bind", "./tools/gopkt", "./tools/gopkt/internal/tcpcheck"},
		// The host's iproute2 tc under its own name: busybox's tc applet
		// (first on the guest's PATH) knows no netem.
		Files:     []vmtest.File{{Guest: "/bin/tc-iproute2", Host: "/sbin/tc"}},
		HugePages: 64,
		Timeout:   12 * time.Minute,
		Env:       map[string]string{"BULK_MB": fmt.Sprint(mb)},
		Script:    vmTCPScript,
	})
	if !res.Passed {
		return // vmtest reported the failure
	}
	for _, l := range res.Grep("BULK ") {
		t.Log(strings.TrimSpace(l))
	}
	for _, l := range res.Grep("tcpcheck: ") {
		t.Log(strings.TrimSpace(l))
	}
	// gopkt's counters after each phase (cumulative).
	for _, pat := range []string{"tcp: in ", "fast-retransmits "} {
		for _, l := range res.Grep(pat) {
			t.Log(strings.TrimSpace(l))
		}
	}
	if n := len(res.Grep("tcpcheck: echo intact")); n != 2 {
		t.Errorf("intact echoes: %d, want 2", n)
	}
	if n := len(res.Grep("sha256 equal")); n != 2 {
		t.Errorf("downloads with equal digests: %d, want 2", n)
	}
}
