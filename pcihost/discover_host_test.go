package pcihost

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/internal/hosttest"
)

// lspciRecords runs lspci -Dvmm (with extra flags) and returns one map per
// device of its "Key:\tvalue" lines.
func lspciRecords(t *testing.T, flags string) map[string]map[string]string {
	t.Helper()
	out, err := exec.Command("lspci", "-Dvmm"+flags).Output()
	if err != nil {
		t.Fatalf("lspci -Dvmm%s: %v", flags, err)
	}
	recs := map[string]map[string]string{}
	var cur map[string]string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":\t")
		if !ok {
			continue
		}
		if k == "Slot" {
			cur = map[string]string{}
			recs[v] = cur
		}
		cur[k] = v
	}
	return recs
}

// TestDiscoverMatchesLspci compares discovery on this machine's sysfs with
// pciutils' lspci (the peer): IDs, class, subsystem, driver, IOMMU group and,
// where lspci knows them from the same pci.ids, the names.
func TestDiscoverMatchesLspci(t *testing.T) {
	hosttest.Require(t, hosttest.Lspci)
	if _, err := os.Stat("/sys/bus/pci/devices"); err != nil {
		hosttest.Unavailable(t, "no PCI bus in sysfs on this machine")
	}
	devs, err := (&Discovery{}).Devices()
	if err != nil {
		t.Fatal(err)
	}
	ids := lspciRecords(t, "nk")
	names := lspciRecords(t, "")
	if len(devs) != len(ids) {
		t.Errorf("discovered %d functions, lspci lists %d", len(devs), len(ids))
	}
	for _, d := range devs {
		r, ok := ids[d.Addr]
		if !ok {
			t.Errorf("%s: not listed by lspci", d.Addr)
			continue
		}
		check := func(what, got, want string) {
			if got != want {
				t.Errorf("%s %s: got %q, lspci %q", d.Addr, what, got, want)
			}
		}
		check("vendor", d.Vendor, r["Vendor"])
		check("device", d.Product, r["Device"])
		if c, err := strconv.ParseUint(r["Class"], 16, 16); err != nil || uint32(c) != d.Class>>8 {
			t.Errorf("%s class: got %04x, lspci %q", d.Addr, d.Class>>8, r["Class"])
		}
		if r["SVendor"] != "" {
			check("subsystem", d.Subsystem.String(), r["SVendor"]+":"+r["SDevice"])
		}
		check("driver", d.Driver, r["Driver"])
		if g := r["IOMMUGroup"]; g != "" {
			check("IOMMU group", strconv.Itoa(d.IOMMUGroup), g)
		}
		n := names[d.Addr]
		if v := n["Vendor"]; d.VendorName != "" && !strings.HasPrefix(v, "Vendor ") {
			check("vendor name", d.VendorName, v)
		}
		if v := n["Device"]; d.DeviceName != "" && !strings.HasPrefix(v, "Device ") {
			check("device name", d.DeviceName, v)
		}
		if v := n["Class"]; !strings.Contains(v, "[") {
			check("class name", d.ClassName, v)
		}
	}
}
