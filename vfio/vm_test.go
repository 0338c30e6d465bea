package vfio

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"
	"github.com/gopkt/gopkt/internal/vmtest"
)

// bindScript binds NICs to vfio-pci in the guest: with our tools/vfio-bind
// when the tree has it, else by hand through sysfs (driver_override, unbind,
// drivers_probe) so this lane does not wait for the tool.
const bindScript = `
mkdir -p /tmp
if command -v vfio-bind >/dev/null 2>&1; then
	bind() { vfio-bind bind "$@"; }
else
	echo "vfio-bind not in this build: binding through sysfs"
	bind() {
		for a; do
			echo vfio-pci > /sys/bus/pci/devices/$a/driver_override
			[ -e /sys/bus/pci/devices/$a/driver ] && echo $a > /sys/bus/pci/devices/$a/driver/unbind
			echo $a > /sys/bus/pci/drivers_probe
		done
	}
fi
`

// haveBindTool reports whether tools/vfio-bind has Go sources yet.
func haveBindTool() bool {
	m, _ := filepath.Glob("../tools/vfio-bind/*.go")
	return len(m) > 0
}

// TestVMProbe is the VM lane for this package: in a guest with an e1000, an
// e1000e (both recorded to pcaps on the host) and a second e1000 left to the
// Linux driver, it provokes the not-bound and no-hugepages errors for real,
// binds the NICs, runs tools/vfio-probe on both through one container, runs
// the TestGuest* tests, and then checks on the host that each probe frame
// appears byte for byte on its NIC's wire.
func TestVMProbe(t *testing.T) {
	cmds := []string{"./tools/vfio-probe"}
	if haveBindTool() {
		cmds = append(cmds, "./tools/vfio-bind")
	}
	res := vmtest.Run(t, vmtest.Config{
		NICs: []vmtest.NIC{
			{Model: vmtest.E1000, Dump: true},
			{Model: vmtest.E1000E, Dump: true},
			{Model: vmtest.E1000},
		},
		Commands: cmds,
		Tests:    []string{"./vfio"},
		Env:      map[string]string{"GOPKT_VFIO_GUEST": "1"},
		Timeout:  4 * time.Minute,
		// The IO-APIC timer check fails under TCG on a loaded host and
		// panics the kernel ("timer doesn't work through Interrupt-remapped
		// IO-APIC"); skipping it is safe in a guest.
		Append: "no_timer_check",
		Script: bindScript + `
out=$(vfio-probe $NIC0_ADDR 2>&1) && fail "probe of a NIC still on e1000 succeeded"
expect "$out" "device not bound to vfio-pci: it is bound to e1000 (interface eth"
expect "$out" "; run 'vfio-bind bind $NIC0_ADDR'"
must bind $NIC0_ADDR $NIC1_ADDR

# Debian's 6.1 has neither iommufd nor VFIO device cdevs: asked for, the
# iommufd path is refused with what to do; auto takes the group path (the
# probes below report type1v2).
out=$(vfio-probe --vfio iommufd --irq none --no-tx $NIC0_ADDR 2>&1) && fail "iommufd on $(uname -r) succeeded"
printf 'iommufd asked for on %s: %s\n' "$(uname -r)" "$(echo "$out" | grep '^error:')"
expect "$out" "iommufd not available: the kernel is $(uname -r); VFIO devices bind to iommufd through their character device, which Linux has since 6.6"
expect "$out" "or use the group path (--vfio group)"

echo 0 > /proc/sys/vm/nr_hugepages
out=$(vfio-probe --require-hugepages $NIC0_ADDR 2>&1) && fail "probe without hugepages succeeded"
expect "$out" "no free 2 MiB hugepages: 0 free 2 MiB hugepages, 1 needed"
expect "$out" "echo 64 > /proc/sys/vm/nr_hugepages"
echo 64 > /proc/sys/vm/nr_hugepages

echo "=== probe"
must vfio-probe --require-hugepages $NIC0_ADDR $NIC1_ADDR
echo "=== end probe"
for k in msi intx; do
	out=$(vfio-probe --irq $k $NIC1_ADDR) || fail "e1000e probe with --irq $k: $out"
	expect "$out" "tx_irq_count: 1"
	expect "$out" "result: ok"
	echo "e1000e --irq $k: ok"
done
out=$(vfio-probe --reset --irq none --no-tx $NIC1_ADDR) || fail "e1000e probe after reset: $out"
expect "$out" "reset: ok"
expect "$out" "mac_eeprom: $NIC1_MAC"
out=$(vfio-probe --json --no-tx --irq none $NIC1_ADDR) || fail "json probe: $out"
expect "$out" '"model": "82574L"'
expect "$out" '"result": "ok"'

must vfio.test -test.run 'TestGuest|TestOpen' -test.v -test.count=1
`,
	})

	probes := parseProbe(res.Console)
	if len(probes) != 2 {
		t.Fatalf("found %d probe reports in the console, want 2:\n%s", len(probes), res.Tail(80))
	}
	// sends: the e1000e is probed three times (MSI-X, then --irq msi and
	// --irq intx), each sending the same frame.
	// icr and txICR are cause bits the ICR must show after the ICS.LSC
	// interrupt and after the TX write-back (8254x SDM §13.4.17; the 82574L
	// reports LSC as Other, bit 24, and TX as TxQ0, bit 22, in MSI-X mode).
	want := []struct {
		id, kind, icsVector string
		sends               int
		icr, txICR          uint64
	}{
		{"8086:100e", "INTx", "0", 1, 1 << 2, 1 << 0},
		{"8086:10d3", "MSI-X", "1", 3, 1<<2 | 1<<24, 1 << 22},
	}
	for i, p := range probes {
		mac := macOf(i)
		checks := map[string]string{
			"addr": vmtest.PCIAddr(i), "id": want[i].id, "result": "ok",
			"mac_eeprom": mac, "mac_ral": mac, "link_up": "true",
			"iommu_type": "type1v2", "irq_kind": want[i].kind, "irq_ics_vector": want[i].icsVector,
			"tdh_before": "0", "tdh_after": "1", "tx_dd": "true", "dma_hugepages": "true",
		}
		for k, v := range checks {
			if p[k] != v {
				t.Errorf("NIC %d %s = %q, want %q", i, k, p[k], v)
			}
		}
		for _, k := range []string{"irq_ics_count", "tx_irq_count", "iova_ranges", "ring_iova", "ring_va"} {
			if p[k] == "" || p[k] == "0" {
				t.Errorf("NIC %d: %s = %q", i, k, p[k])
			}
		}
		for k, bits := range map[string]uint64{"irq_icr": want[i].icr, "tx_icr": want[i].txICR} {
			v, err := strconv.ParseUint(p[k], 0, 32)
			if err != nil || v&bits != bits {
				t.Errorf("NIC %d: %s = %q, want bits %#x set", i, k, p[k], bits)
			}
		}
		if p["ring_iova"] == p["ring_va"] {
			t.Errorf("NIC %d: ring IOVA equals its virtual address %s", i, p["ring_va"])
		}
		frame := expectedFrame(t, mac, vmtest.PCIAddr(i))
		if p["tx_frame"] != hex.EncodeToString(frame) {
			t.Errorf("NIC %d printed frame %s\nwant %x", i, p["tx_frame"], frame)
		}
		n, err := countFrame(res.PCAP[i], frame)
		if err != nil {
			t.Fatal(err)
		}
		if n != want[i].sends {
			t.Errorf("NIC %d: the probe frame appears %d times in %s, want %d", i, n, res.PCAP[i], want[i].sends)
		} else {
			t.Logf("NIC %d (%s): the probe's 60-byte frame is on the wire %d times, once per probe (%s)", i, p["model"], n, res.PCAP[i])
		}
	}
}

// macOf is the harness's default MAC for NIC i.
func macOf(i int) string {
	return net.HardwareAddr{0x52, 0x54, 0x00, 0x12, 0x34, byte(0x10 + i)}.String()
}

// expectedFrame builds, independently of the probe, the frame it must send:
// dst 02:00:00:00:00:01, src the NIC's MAC, EtherType 0x88B5, the text, zeros.
func expectedFrame(t *testing.T, mac, addr string) []byte {
	src, err := net.ParseMAC(mac)
	if err != nil {
		t.Fatal(err)
	}
	f := append([]byte{0x02, 0, 0, 0, 0, 0x01}, src...)
	f = append(f, 0x88, 0xB5)
	f = append(f, "gopkt vfio-probe "+addr...)
	return append(f, make([]byte, 60-len(f))...)
}

// parseProbe collects the key: value blocks the probe printed between the
// scenario's markers, one map per device.
func parseProbe(console []string) []map[string]string {
	var out []map[string]string
	in := false
	for _, l := range console {
		l = strings.TrimRight(l, "\r")
		switch {
		case l == "=== probe":
			in = true
			continue
		case l == "=== end probe":
			in = false
		}
		if !in {
			continue
		}
		k, v, ok := strings.Cut(l, ": ")
		if !ok {
			continue
		}
		if k == "addr" {
			out = append(out, map[string]string{})
		}
		if len(out) > 0 {
			out[len(out)-1][k] = v
		}
	}
	return out
}

// countFrame counts the records of the pcap at path equal to frame.
func countFrame(path string, frame []byte) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		data, _, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if bytes.Equal(data, frame) {
			n++
		}
	}
}

// TestVMNoIOMMU boots the guest with the vIOMMU turned off on the kernel
// command line (intel_iommu=off comes after the harness's intel_iommu=on and
// wins): the probe must fail with the boot-parameter fix-it.
func TestVMNoIOMMU(t *testing.T) {
	vmtest.Run(t, vmtest.Config{
		NICs:     []vmtest.NIC{{Model: vmtest.E1000}},
		Commands: []string{"./tools/vfio-probe"},
		Timeout:  3 * time.Minute,
		Append:   "no_timer_check intel_iommu=off",
		Script: `
[ -z "$(ls /sys/kernel/iommu_groups)" ] || fail "IOMMU groups exist with intel_iommu=off"
out=$(vfio-probe $NIC0_ADDR 2>&1) && fail "probe without an IOMMU succeeded"
printf '%s\n' "$out"
expect "$out" "no IOMMU: the kernel runs without an IOMMU"
expect "$out" "boot with intel_iommu=on (or amd_iommu=on)"
`,
	})
}

// TestHostNoIOMMU uses this machine itself when it runs without an IOMMU:
// opening any of its PCI devices must fail with ErrNoIOMMU.
func TestHostNoIOMMU(t *testing.T) {
	if g, _ := os.ReadDir("/sys/kernel/iommu_groups"); len(g) > 0 {
		t.Skip("this host has IOMMU groups; TestVMNoIOMMU covers the condition")
	}
	devs, _ := os.ReadDir("/sys/bus/pci/devices")
	if len(devs) == 0 {
		t.Skip("no PCI devices in /sys/bus/pci/devices")
	}
	_, err := Open(devs[0].Name(), Options{})
	if !errors.Is(err, ErrNoIOMMU) || !strings.Contains(err.Error(), "intel_iommu=on") {
		t.Fatalf("err = %v, want ErrNoIOMMU with the boot-parameter fix", err)
	}
	t.Log(err)
}

// qemuShim is a wrapper for GOPKT_QEMU (the harness's QEMU override) that
// moves NIC 1 from slot 3 to function 1 of NIC 0's slot 2, multifunction:
// Linux puts the functions of a multifunction device without ACS into one
// IOMMU group, which is what makes a group non-viable in real life.
const qemuShim = `#!/bin/sh
n=$#
while [ $n -gt 0 ]; do
	a=$1; shift; n=$((n - 1))
	case "$a" in
	*,bus=pcie.0,addr=0x2) a="$a.0,multifunction=on" ;;
	*,bus=pcie.0,addr=0x3) a="${a%,addr=0x3},addr=0x2.1" ;;
	esac
	set -- "$@" "$a"
done
exec QEMU "$@"
`

// TestVMNotViable provokes a non-viable IOMMU group for real: two e1000
// functions of one multifunction slot share a group; with only function 0
// bound to vfio-pci the probe must list function 1 and its driver, the
// kernel's VFIO_GROUP_GET_STATUS must agree, and binding function 1 as the
// message says must fix it.
func TestVMNotViable(t *testing.T) {
	qemu, err := vmtest.QEMUPath()
	if err != nil {
		t.Skipf("vmtest: %v", err)
	}
	shim := filepath.Join(t.TempDir(), "qemu-multifunction")
	if err := os.WriteFile(shim, []byte(strings.Replace(qemuShim, "QEMU", qemu, 1)), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOPKT_QEMU", shim)
	vmtest.Run(t, vmtest.Config{
		NICs:     []vmtest.NIC{{Model: vmtest.E1000}, {Model: vmtest.E1000}},
		Commands: []string{"./tools/vfio-probe"},
		Tests:    []string{"./vfio"},
		Env:      map[string]string{"GOPKT_VFIO_GUEST": "1"},
		Timeout:  3 * time.Minute,
		Append:   "no_timer_check",
		Script: `
sysbind() {
	echo vfio-pci > /sys/bus/pci/devices/$1/driver_override
	echo $1 > /sys/bus/pci/devices/$1/driver/unbind
	echo $1 > /sys/bus/pci/drivers_probe
}
A=0000:00:02.0; B=0000:00:02.1
g=$(basename $(readlink /sys/bus/pci/devices/$A/iommu_group))
expect "$(ls /sys/kernel/iommu_groups/$g/devices)" "$B"
sysbind $A
out=$(vfio-probe $A 2>&1) && fail "probe of a non-viable group succeeded"
printf '%s\n' "$out"
expect "$out" "IOMMU group not viable: group $g holds 0000:00:02.0 (vfio-pci), 0000:00:02.1 (e1000, interface eth"
expect "$out" "bind them too with 'vfio-bind bind 0000:00:02.1'"
must env GOPKT_VFIO_GROUP=$g GOPKT_VFIO_VIABLE=0 vfio.test -test.run TestGuestGroupStatus -test.v
sysbind $B
must env GOPKT_VFIO_GROUP=$g GOPKT_VFIO_VIABLE=1 vfio.test -test.run TestGuestGroupStatus -test.v
out=$(vfio-probe --no-tx $A $B) || fail "probe after binding the whole group: $out"
printf '%s\n' "$out"
expect "$out" "result: ok"
reject "$out" "result: fail"
`,
	})
}

// TestVMProbeMSIXCycles opens the 82574L through VFIO, proves MSI-X (a cause
// on each of two vectors, a frame sent with its write-back interrupt) and
// releases it, 50 times in one guest. QEMU 7.2's e1000e arms a 128 µs
// throttling timer after every MSI-X message (EITR is clamped to at least
// 500 × 256 ns) and aborts the whole guest when that timer fires after MSI-X
// was disabled; a release that does not retire the timers first loses the
// race whenever QEMU's main loop runs late, as on a loaded host.
func TestVMProbeMSIXCycles(t *testing.T) {
	vmtest.Run(t, vmtest.Config{
		NICs:     []vmtest.NIC{{Model: vmtest.E1000E}},
		Commands: []string{"./tools/vfio-probe", "./tools/vfio-bind"},
		Timeout:  6 * time.Minute,
		Append:   "no_timer_check",
		Script: `
must vfio-bind bind $NIC0_ADDR
i=0
while [ $i -lt 50 ]; do
	out=$(vfio-probe --irq msix $NIC0_ADDR 2>&1) || fail "probe $i: $out"
	expect "$out" "irq_kind: MSI-X"
	i=$((i + 1))
done
echo "RESULT 50 MSI-X open/probe/release cycles"
must vfio-bind unbind $NIC0_ADDR
`,
	})
}
