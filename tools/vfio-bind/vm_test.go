package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopkt/gopkt/internal/vmtest"
)

// allModels puts one NIC of each emulated model in the guest.
var allModels = []vmtest.NIC{{Model: vmtest.E1000}, {Model: vmtest.E1000E}, {Model: vmtest.E1000_82545}, {Model: vmtest.E1000_82544}}

// TestVMList runs vfio-bind list in a guest and checks each NIC's row
// against what the guest kernel says in sysfs.
func TestVMList(t *testing.T) {
	res := vmtest.Run(t, vmtest.Config{
		NICs:     allModels,
		Commands: []string{"./tools/vfio-bind"},
		Timeout:  4 * time.Minute,
		Script: `
must vfio-bind list
for i in 0 1 2 3; do
	eval a=\$NIC${i}_ADDR
	echo "SYSFS $a $(basename $(readlink /sys/bus/pci/devices/$a/driver)) $(basename $(readlink /sys/bus/pci/devices/$a/iommu_group)) $(ls /sys/bus/pci/devices/$a/net)"
done
must vfio-bind list --json >/tmp/list.json
expect "$(cat /tmp/list.json)" '"driver": "e1000e"'
`,
	})
	// Each SYSFS line is the ground truth for one table row.
	want := map[string][]string{ // addr -> ID, driver
		vmtest.PCIAddr(0): {"8086:100e", "e1000"},
		vmtest.PCIAddr(1): {"8086:10d3", "e1000e"},
		vmtest.PCIAddr(2): {"8086:100f", "e1000"},
		vmtest.PCIAddr(3): {"8086:100c", "e1000"},
	}
	for addr, w := range want {
		sys := res.Grep("SYSFS " + addr + " ")
		if len(sys) != 1 {
			t.Fatalf("no sysfs line for %s", addr)
		}
		f := strings.Fields(sys[0][strings.Index(sys[0], "SYSFS"):])
		if len(f) != 5 || f[2] != w[1] {
			t.Fatalf("guest sysfs for %s: %q, want driver %s and an interface", addr, sys[0], w[1])
		}
		group, ifname := f[3], f[4]
		// ADDRESS ID NAME... CLASS DRIVER IOMMU INTERFACE STATE; no pci.ids in the guest, so NAME is "-"
		// and the class is u-root's "NetworkEthernet".
		re := regexp.MustCompile(`^` + regexp.QuoteMeta(addr) + `\s+` + w[0] + `\s+-\s+NetworkEthernet\s+` + w[1] + `\s+` + group + `\s+-\s+` + ifname + `\s+down$`)
		rows := 0
		for _, l := range res.Console {
			if re.MatchString(l) {
				rows++
			}
		}
		if rows != 1 {
			t.Errorf("list has %d rows matching %s:\n%s", rows, re, res.Tail(40))
		}
	}
}

// TestVMBindRefusedForcedUnbound is the acceptance scenario of issue 2: a NIC
// driven by the guest's Linux e1000 driver and given an address is refused
// by bind with the reason, taken with --force, unbind is refused while a
// process holds the VFIO group open, and then gives it back to e1000 with
// its interface reappearing. vfio-pci is not loaded at boot, so
// bind also loads it.
func TestVMBindRefusedForcedUnbound(t *testing.T) {
	vmtest.Run(t, vmtest.Config{
		NICs:      []vmtest.NIC{{Model: vmtest.E1000}},
		Commands:  []string{"./tools/vfio-bind"},
		Modules:   []string{"e1000"},
		Available: vmtest.VFIOModules(),
		Timeout:   4 * time.Minute,
		Script: `
drv() { basename "$(readlink /sys/bus/pci/devices/$NIC0_ADDR/driver)"; }
[ "$(drv)" = e1000 ] || fail "NIC starts on $(drv)"
[ ! -d /sys/module/vfio_pci ] || fail "vfio-pci loaded before bind"
must ip addr add 198.18.0.1/24 dev eth0
must ip link set eth0 up
if out=$(vfio-bind bind $NIC0_ADDR 2>&1); then fail "bind took eth0 while it was up with an address: $out"; fi
echo "$out"
expect "$out" "eth0 is up with address 198.18.0.1/24 and route 198.18.0.0/24"
expect "$out" "ip addr flush dev eth0; ip link set eth0 down) or pass --force"
[ "$(drv)" = e1000 ] || fail "refused bind moved the NIC to $(drv)"
[ -e /sys/class/net/eth0 ] || fail "refused bind removed eth0"
out=$(vfio-bind bind --force $NIC0_ADDR 2>&1) || fail "bind --force: $out"
echo "$out"
[ "$(drv)" = vfio-pci ] || fail "bind --force left the NIC on $(drv)"
[ -d /sys/module/vfio_pci ] || fail "bind did not load vfio-pci"
group=$(basename "$(readlink /sys/bus/pci/devices/$NIC0_ADDR/iommu_group)")
expect "$out" "$NIC0_ADDR: e1000 -> vfio-pci (IOMMU group $group, /dev/vfio/$group)"
[ -c /dev/vfio/$group ] || fail "/dev/vfio/$group missing after bind"
[ ! -e /sys/class/net/eth0 ] || fail "eth0 still exists on vfio-pci"
must cat /var/lib/gopkt/bind.json
# A program holding the group open: unbind refuses, naming it, instead of
# hanging in the kernel until the program exits.
sleep 60 9<>/dev/vfio/$group &
holder=$!
sleep 1
if out=$(vfio-bind unbind $NIC0_ADDR 2>&1); then fail "unbind went ahead while /dev/vfio/$group was open: $out"; fi
echo "$out"
expect "$out" "/dev/vfio/$group is held open by $holder (sleep)"
[ "$(drv)" = vfio-pci ] || fail "refused unbind moved the NIC to $(drv)"
kill $holder
wait $holder 2>/dev/null || true
out=$(vfio-bind unbind $NIC0_ADDR 2>&1) || fail "unbind: $out"
echo "$out"
[ "$(drv)" = e1000 ] || fail "unbind left the NIC on $(drv)"
expect "$out" "$NIC0_ADDR: vfio-pci -> e1000 (interface eth0)"
[ -e /sys/class/net/eth0 ] || fail "eth0 did not reappear"
[ "$(cat /sys/bus/pci/devices/$NIC0_ADDR/driver_override)" = "(null)" ] || fail "driver_override left set"
`,
	})
}

// TestVMBindBothModels binds an e1000 and an e1000e to vfio-pci, checks the
// VFIO group files, then gives both back to their Linux drivers.
func TestVMBindBothModels(t *testing.T) {
	vmtest.Run(t, vmtest.Config{
		NICs:     []vmtest.NIC{{Model: vmtest.E1000}, {Model: vmtest.E1000E}},
		Commands: []string{"./tools/vfio-bind"},
		Timeout:  4 * time.Minute,
		Script: `
must vfio-bind bind $NIC0_ADDR $NIC1_ADDR
for a in $NIC0_ADDR $NIC1_ADDR; do
	d=$(basename "$(readlink /sys/bus/pci/devices/$a/driver)")
	g=$(basename "$(readlink /sys/bus/pci/devices/$a/iommu_group)")
	echo "$a driver=$d group=$g"
	[ "$d" = vfio-pci ] || fail "$a on $d after bind"
	[ -c /dev/vfio/$g ] || fail "no /dev/vfio/$g for $a"
done
must vfio-bind list
must vfio-bind unbind $NIC0_ADDR $NIC1_ADDR
[ "$(basename "$(readlink /sys/bus/pci/devices/$NIC0_ADDR/driver)")" = e1000 ] || fail "e1000 not restored"
[ "$(basename "$(readlink /sys/bus/pci/devices/$NIC1_ADDR/driver)")" = e1000e ] || fail "e1000e not restored"
`,
	})
}
