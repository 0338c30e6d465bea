package main

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// vmNetemLinuxScript is vmNetemScript with the guest's Linux on both
// ends: the first e1000 (the one QEMU captures, gopkt's in the real
// matrix) stays with Linux's driver in a network namespace of its own as
// 198.18.0.2, serving the blob with busybox httpd on port 80 and
// fetching it with curl from 198.18.0.1:8080. Offloads, netem, timestamps
// and RTO sampling are the same on the side that has them in the real
// matrix (netemHopScript, netemCasesScript), and the same on the new side
// (GRO/GSO/TSO off, one segment per GSO skb), so each case's two
// transfers are the matrix's with Linux in gopkt's place.
const vmNetemLinuxScript = netemHopScript + `
IF0=$(ls /sys/bus/pci/devices/$NIC0_ADDR/net)
unshare -n sleep 3600 &
ns=$!
own_netns() { [ "$(readlink /proc/$ns/ns/net)" != "$(readlink /proc/self/ns/net)" ]; }
wait_for 10 own_netns
must ip link set $IF0 netns $ns
peer() { nsenter -t $ns -n "$@"; }
must peer ip link set lo up
must peer ip link set $IF0 up
must peer ip addr add 198.18.0.2/24 dev $IF0
must peer ethtool -K $IF0 gro off gso off tso off
must peer ip-iproute2 link set dev $IF0 gso_max_segs 1
must peer sh -c 'echo 2 >/proc/sys/net/ipv4/tcp_timestamps'
peer httpd -f -p 198.18.0.2:80 -h /srv &
ppid=$!
wait_for 30 grep -qx 1 /sys/class/net/$IF/carrier
wait_for 60 ping -c 1 -W 1 198.18.0.2
# Both senders' RTOs: ss in each namespace (LSS lines, parsed by peer).
sample() {
	ss-iproute2 -tinH '( sport = :8080 )' | sed 's/^/LSS /'
	peer ss-iproute2 -tinH '( sport = :80 )' | sed 's/^/LSS /'
}
download() {
	got=$(curl -sS --fail -w '%{stderr}CURLPORT %{local_port}\n' http://198.18.0.2/blob 2>/tmp/curl.err | sha256sum | cut -d' ' -f1) || { cat /tmp/curl.err; fail "$name: curl download"; }
	[ "$got" = "$want" ] || fail "$name: download sha256 $got, want $want"
	cport=$(awk '/^CURLPORT/ {print $2}' /tmp/curl.err)
}
upload() {
	got=$(peer curl -sS --fail -w '%{stderr}CURLPORT %{local_port}\n' http://198.18.0.1:8080/blob 2>/tmp/curl2.err | sha256sum | cut -d' ' -f1) || { cat /tmp/curl2.err; fail "$name: curl upload"; }
	[ "$got" = "$want" ] || fail "$name: upload sha256 $got, want $want"
	gport=$(awk '/^CURLPORT/ {print $2}' /tmp/curl2.err)
}
hops() { :; }
` + netemCasesScript + `
kill $hpid $ppid $cwpid $ns
echo "STEP done"
`

// TestVMLinuxTCPNetem is the reference for TestVMDaemonTCPNetem's stall
// bound: the same matrix, placement of netem, capture point, guest and
// load, with the guest's Linux in gopkt's place on the captured e1000
// (in a namespace of its own, so the two interfaces talk across QEMU's
// hub). Its failures are Linux's against the bound, both directions
// Linux to Linux: what an RFC 6298 sender does when a tail's
// retransmission, or the ACK for it, is lost again (RTO, then 2·RTO).
// Run it by hand with GOPKT_NETEM=1 next to the real matrix.
func TestVMLinuxTCPNetem(t *testing.T) {
	if os.Getenv("GOPKT_NETEM") != "1" {
		t.Skip("the Linux-to-Linux reference of the netem matrix: run with GOPKT_NETEM=1")
	}
	mb, timeout := netemSize(t)
	var cases []string
	for _, c := range netemCases {
		cases = append(cases, c.name+":"+c.netem)
	}
	var sched qemuSched
	res := vmtest.Run(t, vmtest.Config{
		Host:     sched.sample,
		NICs:     []vmtest.NIC{{Model: vmtest.E1000, Dump: true, DumpLen: 96}, {Model: vmtest.E1000}},
		Modules:  append(vmtest.DefaultModules(), "sch_netem", "ifb", "sch_ingress", "cls_matchall", "act_mirred", "inet_diag", "tcp_diag"),
		Commands: []string{"./tools/gopkt/internal/cpuwatch"},
		Debs:     []string{"curl", "ethtool"},
		Files: []vmtest.File{{Guest: "/bin/tc-iproute2", Host: "/sbin/tc"}, {Guest: "/bin/ss-iproute2", Host: "/bin/ss"},
			{Guest: "/bin/ip-iproute2", Host: "/bin/ip"}},
		Timeout: timeout,
		Env:     map[string]string{"BULK_MB": fmt.Sprint(mb), "CASES": strings.Join(cases, ";")},
		Script:  vmNetemLinuxScript,
	})
	if !res.Passed {
		return
	}
	for _, l := range res.Grep("CASE ") {
		t.Log(strings.TrimSpace(l))
	}
	if len(res.PCAP) == 0 || res.PCAP[0] == "" {
		t.Fatal("no host-side capture of the first NIC")
	}
	if res.Dir != "" {
		if err := sched.dump(filepath.Join(res.Dir, "sched.csv")); err != nil {
			t.Log(err)
		}
	}
	checkNetemStalls(t, res, &sched, linuxNetemFlows)
}

// linuxNetemFlows are a case's two transfers in TestVMLinuxTCPNetem.
func linuxNetemFlows(_ string, cport, gport uint16, _ map[flowKey][]rtoSample, rtos map[netip.AddrPort][]rtoSample) []netemFlow {
	a, b := netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.1")
	return []netemFlow{
		{"download (Linux in the namespace sends)", flowKey{netip.AddrPortFrom(a, 80), netip.AddrPortFrom(b, cport)}, rtos[netip.AddrPortFrom(b, cport)]},
		{"upload (Linux sends)", flowKey{netip.AddrPortFrom(b, 8080), netip.AddrPortFrom(a, gport)}, rtos[netip.AddrPortFrom(a, gport)]},
	}
}
