package vmtest

import (
	"strings"
	"testing"
	"time"
)

func TestQEMUArgs(t *testing.T) {
	c := Config{NICs: []NIC{{Model: E1000, Dump: true, DumpLen: 128}, {Model: E1000E, Hub: 1, MAC: "52:54:00:aa:bb:cc"}}, Append: "loglevel=7", Script: "true"}
	c.defaults()
	got := strings.Join(qemuArgs(&c, "/k/vmlinuz", "/w/initramfs.cpio", "/s/qmp.sock", []string{"/w/nic0.pcap", ""}), " ")
	want := "-accel tcg -cpu max -m 1024 -smp 2 -M q35,kernel-irqchip=split -device intel-iommu,intremap=on,caching-mode=on " +
		"-nodefaults -no-user-config -display none " +
		"-netdev hubport,hubid=0,id=p0 -device e1000,netdev=p0,id=nic0,mac=52:54:00:12:34:10,bus=pcie.0,addr=0x2 " +
		"-object filter-dump,id=f0,netdev=p0,file=/w/nic0.pcap,maxlen=128 " +
		"-netdev hubport,hubid=1,id=p1 -device e1000e,netdev=p1,id=nic1,mac=52:54:00:aa:bb:cc,bus=pcie.0,addr=0x3 " +
		"-kernel /k/vmlinuz -initrd /w/initramfs.cpio -append console=ttyS0 intel_iommu=on quiet panic=-1 no_timer_check cryptomgr.notests loglevel=7 " +
		"-serial stdio -qmp unix:/s/qmp.sock,server=on,wait=off -no-reboot"
	if got != want {
		t.Errorf("args\n got %s\nwant %s", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		c    Config
		want string
	}{
		{Config{Script: "true", NICs: []NIC{{Model: "rtl8139"}}}, `vmtest: NIC 0 has model "rtl8139"; use one of e1000, e1000-82545em, e1000-82544gc, e1000e, igb`},
		{Config{}, "vmtest: Config.Script is empty; give the scenario to run in the guest"},
		{Config{Script: "true", HugePages: 512}, "vmtest: 512 hugepages (2 MiB) do not fit in 1024 MiB of guest memory"},
		{Config{Script: "true", NICs: manyNICs(30)}, "vmtest: 30 NICs do not fit on the root bus (at most 29)"},
		{Config{Script: "true", NICs: []NIC{{Model: E1000, Hub: -1}}}, "vmtest: NIC 0 has negative hub -1"},
		{Config{Script: "true", NICs: []NIC{{Model: E1000_82544}}}, ""},
	}
	for _, tt := range tests {
		tt.c.defaults()
		err := tt.c.validate()
		if (err == nil) != (tt.want == "") || err != nil && err.Error() != tt.want {
			t.Errorf("validate = %v, want %q", err, tt.want)
		}
	}
}

func TestPCIAddr(t *testing.T) {
	if PCIAddr(0) != "0000:00:02.0" || PCIAddr(13) != "0000:00:0f.0" || PCIAddr(14) != "0000:00:10.0" {
		t.Errorf("PCIAddr: %s %s %s", PCIAddr(0), PCIAddr(13), PCIAddr(14))
	}
}

func TestConsoleWait(t *testing.T) {
	c := newConsole()
	go func() {
		c.add("booting")
		time.Sleep(10 * time.Millisecond)
		c.add("x GOPKT-READY: one")
		c.add("GOPKT-READY: two")
	}()
	h := &Host{con: c}
	if err := h.WaitReady("two", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// The cursor moved past "two": "one" is behind it now.
	if _, err := h.WaitConsole("one", 20*time.Millisecond); err == nil || !strings.Contains(err.Error(), "within") {
		t.Errorf("wait behind the cursor: %v", err)
	}
	c.close()
	if _, err := h.WaitConsole("never", time.Minute); err == nil || !strings.Contains(err.Error(), "stopped before") {
		t.Errorf("wait after close: %v", err)
	}
}

func manyNICs(n int) []NIC {
	nics := make([]NIC, n)
	for i := range nics {
		nics[i].Model = E1000
	}
	return nics
}
