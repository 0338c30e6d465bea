package main

import (
	"bytes"
	"encoding/hex"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/hw/pci"
)

func TestProbeFrame(t *testing.T) {
	dst, _ := net.ParseMAC("02:00:00:00:00:01")
	got := probeFrame(dst, [6]byte{0x52, 0x54, 0x00, 0x12, 0x34, 0x10}, "0000:00:02.0")
	want := "020000000001" + "525400123410" + "88b5" +
		hex.EncodeToString([]byte("gopkt vfio-probe 0000:00:02.0")) + strings.Repeat("00", 60-14-29)
	if hex.EncodeToString(got) != want {
		t.Fatalf("frame\n%x\nwant\n%s", got, want)
	}
}

func TestModelOf(t *testing.T) {
	tests := []struct {
		id     pci.ID
		name   string
		done   uint32
		shift  uint
		i82574 bool
		ok     bool
	}{
		{pci.ID{Vendor: 0x8086, Device: 0x100e}, "82540EM", 1 << 4, 8, false, true},
		{pci.ID{Vendor: 0x8086, Device: 0x100f}, "82545EM", 1 << 4, 8, false, true},
		{pci.ID{Vendor: 0x8086, Device: 0x10d3}, "82574L", 1 << 1, 2, true, true},
		{pci.ID{Vendor: 0x8086, Device: 0x1004}, "", 0, 0, false, false},
		{pci.ID{Vendor: 0x10ec, Device: 0x8139}, "", 0, 0, false, false},
	}
	for _, tt := range tests {
		m, ok := modelOf(tt.id)
		if ok != tt.ok || m.name != tt.name || m.eerd.done != tt.done || m.eerd.addrShift != tt.shift || m.i82574 != tt.i82574 {
			t.Errorf("%s: got %+v %v", tt.id, m, ok)
		}
	}
}

func TestRunUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: vfio-probe"},
		{[]string{"--dst", "nope", "0000:00:02.0"}, 2, "is not an Ethernet address"},
		{[]string{"--irq", "msy", "0000:00:02.0"}, 2, "want auto, intx, msi, msix or none"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if code := run(tt.args, &out, &errb); code != tt.code || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q", tt.args, code, errb.String())
		}
	}
}

// A device that does not exist fails with the fix-it in both output forms.
func TestRunMissingDevice(t *testing.T) {
	root := t.TempDir()
	var out, errb bytes.Buffer
	code := run([]string{"--sysfs", filepath.Join(root, "sys"), "--dev", filepath.Join(root, "dev"), "0000:00:09.0"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	want := "addr: 0000:00:09.0\nresult: fail\nerror: vfio: open 0000:00:09.0: no such PCI device: "
	if !strings.HasPrefix(out.String(), want) {
		t.Errorf("output:\n%s\nwant prefix:\n%s", out.String(), want)
	}
	out.Reset()
	run([]string{"--json", "--sysfs", filepath.Join(root, "sys"), "0000:00:09.0"}, &out, &errb)
	if !strings.Contains(out.String(), `"result": "fail"`) || !strings.Contains(out.String(), `"devices": [`) {
		t.Errorf("json output:\n%s", out.String())
	}
}
