package vfio

import (
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// TestVMIOMMUFD runs the legacy path's checks over iommufd, in the
// backports lane (QEMU 10) on the 6.12 kernel with the iommufd and VFIO
// cdev modules scripts/setup.sh builds (vmtest.KernelBackportsIOMMUFD):
// vfio-bind list offers both interfaces for the bound NICs; vfio-probe
// picks iommufd by itself and proves registers, EEPROM, DMA through the
// IOAS (a frame found on the host-side capture) and interrupts (INTx on
// the e1000, MSI-X on the e1000e) for both NICs in one container (one IOAS,
// so one shared pool); the group API still works beside it (--vfio group);
// e1000-test selftest and a 20 000-frame loop run over --vfio iommufd with
// the pool full at the end; two 82576s (drivers/igb) bound the same way
// move 20 000 frames of 64 flows over 2 queue pairs each (e1000-test loop
// --queues 2 --vfio iommufd: DMA through the IOAS on both, RSS spreading
// the flows, none lost, the pool full); and the daemon (--vfio iommufd)
// answers pings and UDP echoes from the guest's Linux on a third NIC.
//
// Known lane failure (QEMU 10.0.2 under TCG, not this path): 1 run of 20
// stalled with guest CPU 1 never waking (RCU stall, "timer wakeup didn't
// happen", vfio-probe blocked) right after QEMU printed "vtd_mem_write:
// MMIO over range: addr=0x380", a write dispatched to the vIOMMU's
// registers that Linux does not make; a stress run that switched the
// e1000e between iommufd and the group path 45 times under two CPU hogs
// ended in QEMU's "iotlb_to_section: Assertion section_index <
// d->map.sections_nb" abort, the TCG bug vmtest retries at boot. Both
// follow the vIOMMU switching a device's address space (each VFIO
// attach and detach), which the group path does as often.
func TestVMIOMMUFD(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		Lane:   vmtest.LaneBackports,
		Kernel: vmtest.KernelBackportsIOMMUFD,
		NICs: []vmtest.NIC{
			{Model: vmtest.E1000, Dump: true},
			{Model: vmtest.E1000E},
			{Model: vmtest.E1000_82545},
			// Two igbs two slots apart (an igb's SR-IOV functions take
			// the two slots 16 on), an e1000 left to Linux between
			// them, on a hub of their own.
			{Model: vmtest.IGB, Hub: 1},
			{Model: vmtest.E1000, Hub: 1},
			{Model: vmtest.IGB, Hub: 1},
		},
		Modules:   append(vmtest.IOMMUFDVFIOModules(), "e1000", "e1000e"),
		Commands:  []string{"./tools/vfio-bind", "./tools/vfio-probe", "./tools/e1000-test", "./tools/gopkt", "./tools/gopkt/internal/udpcheck"},
		HugePages: 64,
		Timeout:   6 * time.Minute,
		Append:    "no_timer_check",
		Script: `
[ -c /dev/iommu ] || fail "no /dev/iommu"
must vfio-bind bind --force $NIC0_ADDR $NIC1_ADDR
out=$(vfio-bind list)
echo "$out"
expect "$out" "vfio-pci  1      iommufd,group"
expect "$(vfio-bind list --json | tr -d ' \n')" '"vfio":\["iommufd","group"\]'
echo "=== probe"
must vfio-probe --require-hugepages $NIC0_ADDR $NIC1_ADDR
echo "=== end probe"
out=$(vfio-probe --vfio group --irq none --no-tx $NIC1_ADDR) || fail "group path beside iommufd: $out"
expect "$out" "iommu_type: type1v2"
echo "STEP selftest"
e1000-test selftest --vfio iommufd $NIC0_ADDR $NIC1_ADDR >/tmp/st.txt 2>&1 || { cat /tmp/st.txt; fail selftest; }
cat /tmp/st.txt
expect "$(cat /tmp/st.txt)" "selftest: PASS"
expect "$(cat /tmp/st.txt)" "pool: 8192/8192 buffers free"
echo "STEP loop"
must e1000-test loop --vfio iommufd --count 20000 $NIC0_ADDR $NIC1_ADDR
echo "STEP igb loop"
must vfio-bind bind --force $NIC3_ADDR $NIC5_ADDR
e1000-test loop --vfio iommufd --queues 2 --count 20000 --flows 64 $NIC3_ADDR $NIC5_ADDR >/tmp/igb.txt 2>&1 || { cat /tmp/igb.txt; fail "igb loop over iommufd"; }
cat /tmp/igb.txt
expect "$(cat /tmp/igb.txt)" "loop: PASS"
expect "$(cat /tmp/igb.txt)" "pool: 8192/8192 buffers free"
echo "STEP daemon"
IF=$(ls /sys/bus/pci/devices/$NIC2_ADDR/net)
must ip link set $IF up
must ip addr add 198.18.0.1/24 dev $IF
gopkt --vfio iommufd -d e1000 pci=$NIC0_ADDR -p ipv4 -p udp --ifconfig em0=198.18.0.2/24 --udp-echo 7 >/tmp/gopkt.txt 2>/tmp/gopkt.err &
gpid=$!
wait_for 120 grep -q "gopkt: running" /tmp/gopkt.txt
expect "$(cat /tmp/gopkt.err)" "vfio=iommufd iommu=iommufd"
/bin/ping -c 10 -i 0.2 -w 60 198.18.0.2 >/tmp/ping.txt 2>&1 || true
cat /tmp/ping.txt
expect "$(cat /tmp/ping.txt)" "10 packets received"
udpcheck --flows 64 --sizes 64,1000 --rounds 1 198.18.0.2:7 >/tmp/udp.txt 2>&1 || { tail -5 /tmp/udp.txt; cat /tmp/gopkt.err; fail "udpcheck over 64 flows"; }
tail -1 /tmp/udp.txt
kill -USR1 $gpid
wait_for 10 grep -q "udp-echo port 7" /tmp/gopkt.txt
kill -INT $gpid
status=0; wait $gpid || status=$?
cat /tmp/gopkt.txt /tmp/gopkt.err
[ $status -eq 0 ] || fail "gopkt exit status $status"
expect "$(cat /tmp/gopkt.txt)" "udp-echo port 7: 128 datagrams echoed, 0 failures"
expect "$(cat /tmp/gopkt.txt)" "pool: 4096/4096 buffers free"
expect "$(cat /tmp/gopkt.txt)" "gopkt: stopped cleanly"
echo "iommufd scenario ok"
`,
	})
	if len(res.Grep("iommufd scenario ok")) != 1 {
		t.Fatalf("the scenario did not finish:\n%s", res.Tail(40))
	}
	probes := parseProbe(res.Console)
	if len(probes) != 2 {
		t.Fatalf("found %d probe reports in the console, want 2:\n%s", len(probes), res.Tail(80))
	}
	kinds := []string{"INTx", "MSI-X"}
	for i, p := range probes {
		mac := macOf(i)
		checks := map[string]string{
			"addr": vmtest.PCIAddr(i), "result": "ok", "mac_eeprom": mac, "mac_ral": mac, "link_up": "true",
			"iommu_type": "iommufd", "irq_kind": kinds[i], "tdh_before": "0", "tdh_after": "1", "tx_dd": "true",
			"dma_hugepages": "true",
		}
		for k, v := range checks {
			if p[k] != v {
				t.Errorf("NIC %d %s = %q, want %q", i, k, p[k], v)
			}
		}
		for _, k := range []string{"irq_ics_count", "tx_irq_count", "iova_ranges", "ring_iova"} {
			if p[k] == "" || p[k] == "0" {
				t.Errorf("NIC %d: %s = %q", i, k, p[k])
			}
		}
	}
	// The probe frame of NIC 0 went out of DMA memory mapped through the
	// IOAS: it must be on the wire, byte for byte.
	n, err := countFrame(res.PCAP[0], expectedFrame(t, macOf(0), vmtest.PCIAddr(0)))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("the probe frame appears %d times in %s, want 1", n, res.PCAP[0])
	}
	if len(res.Grep("loop: PASS")) != 2 {
		t.Errorf("%d loop PASS lines, want 2 (e1000s, igbs)", len(res.Grep("loop: PASS")))
	}
	if len(res.Grep("loop: 2 queues, 64 flows: sent 20000 received 20000 lost 0 corrupt 0 duplicated 0 reordered 0 wrong-queue 0 foreign 0")) != 1 {
		t.Errorf("the igb loop over iommufd did not move 20 000 frames intact")
	}
	if len(res.Grep("udpcheck: 128 of 128 echoes intact")) != 1 {
		t.Errorf("no intact UDP echoes")
	}
	for _, l := range res.Grep("loop: sent") {
		t.Log(l)
	}
}
