package vmtest

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket/pcapgo"
)

// TestVMBoot boots a guest with one NIC of each model family, checks that
// the VFIO stack and the Linux drivers loaded, that every NIC sits at the
// PCI address the harness promises, bound to the expected driver, that
// hugepages are reserved, and runs a Go test binary with an extra file.
func TestVMBoot(t *testing.T) {
	res := Run(t, Config{
		NICs:      []NIC{{Model: E1000}, {Model: E1000E}},
		Tests:     []string{"./pcihost"},
		Files:     []File{{Guest: "/root/testdata/pci.ids", Host: "../../pcihost/testdata/pci.ids", Mode: 0o644}},
		HugePages: 16,
		Timeout:   4 * time.Minute,
		Script: `
expect "$(grep HugePages_Total /proc/meminfo)" "16"
grep -q " /dev/hugepages hugetlbfs " /proc/mounts || fail "hugetlbfs not mounted"
must pcihost.test -test.run 'TestDiscoverFakeSysfs|TestBindUnbindRoundTrip' -test.v
for m in vfio vfio_pci vfio_iommu_type1 e1000 e1000e; do
	[ -d /sys/module/$m ] || fail "module $m not loaded"
done
[ -c /dev/vfio/vfio ] || fail "no /dev/vfio/vfio"
ls /sys/kernel/iommu_groups | grep -q . || fail "no IOMMU groups: is the vIOMMU on?"
d0=$(basename $(readlink /sys/bus/pci/devices/$NIC0_ADDR/driver))
d1=$(basename $(readlink /sys/bus/pci/devices/$NIC1_ADDR/driver))
echo "nic0 $NIC0_MODEL $(cat /sys/bus/pci/devices/$NIC0_ADDR/device) driver=$d0"
echo "nic1 $NIC1_MODEL $(cat /sys/bus/pci/devices/$NIC1_ADDR/device) driver=$d1"
[ "$d0" = e1000 ] || fail "nic0 driver $d0"
[ "$d1" = e1000e ] || fail "nic1 driver $d1"
expect "$(cat /sys/bus/pci/devices/$NIC0_ADDR/device)" 0x100e
expect "$(cat /sys/bus/pci/devices/$NIC1_ADDR/device)" 0x10d3
expect "$(cat /sys/class/net/*/address)" "$NIC1_MAC"
`,
	})
	if len(res.Grep("nic0 e1000 0x100e driver=e1000")) != 1 {
		t.Errorf("console lacks the nic0 line:\n%s", res.Tail(30))
	}
}

// TestVMHubDumpLinkAndDebs exercises the rest of the harness in one guest:
// a Debian package with shared libraries (tcpdump) runs in the guest, two
// NICs on one hub see each other's frames, filter-dump records them on the
// host, and the host flips a link through QMP while the guest waits.
func TestVMHubDumpLinkAndDebs(t *testing.T) {
	var info string
	res := Run(t, Config{
		NICs:    []NIC{{Model: E1000, Dump: true}, {Model: E1000, Dump: true}},
		Debs:    []string{"tcpdump"},
		Timeout: 4 * time.Minute,
		Script: `
must ip link set eth0 up
must ip link set eth1 up
must ip addr add 198.18.0.1/24 dev eth0
wait_for 30 grep -qx 1 /sys/class/net/eth0/carrier
wait_for 30 grep -qx 1 /sys/class/net/eth1/carrier
timeout 60 tcpdump -n -i eth1 -c 2 -w /tmp/eth1.pcap arp 2>/tmp/tcpdump.err &
td=$!
wait_for 30 grep -q "listening on" /tmp/tcpdump.err
sleep 1.5 # QEMU's e1000 holds RX for about a second after an RCTL write
arping -c 4 -I eth0 198.18.0.2 || true
wait $td || fail "tcpdump exited with status $?: $(cat /tmp/tcpdump.err)"
out=$(tcpdump -n -r /tmp/eth1.pcap 2>&1)
echo "$out"
expect "$out" "Request who-has 198.18.0.2 (ff:ff:ff:ff:ff:ff) tell 198.18.0.1"
ready linkdown
wait_host go
wait_for 30 grep -qx 0 /sys/class/net/eth0/carrier
echo "eth0 carrier down"
`,
		Host: func(h *Host) error {
			if err := h.WaitReady("linkdown", 3*time.Minute); err != nil {
				return err
			}
			if err := h.Monitor.SetLink(h.NIC(0), false); err != nil {
				return err
			}
			var err error
			if info, err = h.Monitor.HMP("info network"); err != nil {
				return err
			}
			return h.Send("go")
		},
	})
	if len(res.Grep("eth0 carrier down")) != 1 {
		t.Errorf("the guest did not see the link go down")
	}
	if !strings.Contains(info, "nic0") {
		t.Errorf("info network lacks nic0:\n%s", info)
	}
	// Both hub ports carried eth0's ARP requests: Ethernet broadcast from
	// NIC 0's MAC, ARP request (RFC 826) 198.18.0.1 asking for 198.18.0.2.
	want := []byte{
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x10, 0x08, 0x06, // Ethernet
		0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01, // htype, ptype, hlen, plen, op request
		0x52, 0x54, 0x00, 0x12, 0x34, 0x10, 198, 18, 0, 1, // sender
	}
	for i, p := range res.PCAP {
		n := 0
		for _, f := range readPcap(t, p) {
			if len(f) >= 42 && bytes.Equal(f[:len(want)], want) && bytes.Equal(f[38:42], []byte{198, 18, 0, 2}) {
				n++
			}
		}
		if n < 2 {
			t.Errorf("NIC %d capture %s holds %d ARP requests from eth0, want at least 2", i, p, n)
		}
	}
}

// readPcap returns the frames of a pcap file.
func readPcap(t *testing.T, path string) [][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var frames [][]byte
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			return frames
		}
		frames = append(frames, data)
	}
}
