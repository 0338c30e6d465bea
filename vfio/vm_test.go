package vfio

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
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
expect "$out" "fix: run 'vfio-bind bind $NIC0_ADDR'"
must bind $NIC0_ADDR $NIC1_ADDR

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
	want := []struct {
		id, kind, icsVector string
		sends               int
	}{
		{"8086:100e", "INTx", "0", 1},
		{"8086:10d3", "MSI-X", "1", 3},
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
		for _, k := range []string{"irq_ics_count", "tx_irq_count", "iova_ranges", "ring_iova"} {
			if p[k] == "" || p[k] == "0" {
				t.Errorf("NIC %d: %s = %q", i, k, p[k])
			}
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
