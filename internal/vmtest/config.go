package vmtest

import (
	"fmt"
	"os"
	"time"
)

// NIC models QEMU emulates that gopkt drives: the 82540EM ("e1000"), 82545EM,
// 82544GC and the PCIe 82574L ("e1000e", the one with MSI-X).
const (
	E1000       = "e1000"
	E1000_82545 = "e1000-82545em"
	E1000_82544 = "e1000-82544gc"
	E1000E      = "e1000e"
	// IGB is the 82576 (multiple queues, RSS, MSI-X, SR-IOV): QEMU 10 only,
	// so a guest with one needs Lane: LaneBackports.
	IGB = "igb"
)

// NIC is one emulated network card. Card i sits at guest PCI address
// 0000:00:0X.0 with X = FirstSlot+i, on QEMU hub Hub, with the MAC
// 52:54:00:12:34:(0x10+i) unless MAC is set.
type NIC struct {
	Model string // E1000, E1000_82545, E1000_82544, E1000E or IGB
	Hub   int    // QEMU hub id; NICs on one hub see each other's frames
	MAC   string // optional, "52:54:00:..."
	// Dump records every frame the NIC's hub port carries into a pcap file
	// on the host (QEMU filter-dump); Result.PCAP[i] names it.
	Dump bool
	// DumpLen caps the bytes kept per frame (0: 65535).
	DumpLen int
}

// FirstSlot is the PCI slot of the first NIC on the root bus.
const FirstSlot = 2

// PCIAddr is the guest PCI address of NIC i.
func PCIAddr(i int) string { return fmt.Sprintf("0000:00:%02x.0", FirstSlot+i) }

// mac returns the NIC's MAC address.
func (n NIC) mac(i int) string {
	if n.MAC != "" {
		return n.MAC
	}
	return fmt.Sprintf("52:54:00:12:34:%02x", 0x10+i)
}

// File is an extra file for the guest: Data, or the contents of the host file
// Host, placed at Guest with Mode (0o755 when zero).
type File struct {
	Guest string
	Host  string
	Data  []byte
	Mode  uint32
}

// Config describes one guest run.
type Config struct {
	// Lane picks the QEMU: LaneStable (the default, the system's QEMU 7.2)
	// or LaneBackports (QEMU 10, for the igb model); see Lane.
	Lane Lane
	// Kernel is the Debian suite of the guest kernel: "" (bookworm, the
	// default) or KernelBackports (6.12, iommufd); see kernelsuite.go.
	Kernel string
	// NICs are the emulated network cards, in PCI slot order.
	NICs []NIC
	// Commands are Go main packages (import paths, or paths relative to the
	// module root such as "./tools/vfio-bind"), built with CGO_ENABLED=0 and
	// placed in /bin under the package's last path element.
	Commands []string
	// Tests are Go packages whose test binaries (go test -c) are placed at
	// /bin/NAME.test, e.g. to run "vfio.test -test.run TestVM" in the guest.
	Tests []string
	// Script is the scenario: a busybox sh script run as root by the guest's
	// init after modules are loaded. Exit 0 means PASS; see doc.go for the
	// environment and helpers it gets.
	Script string
	// Modules are the kernel modules init loads, dependencies resolved from
	// modules.dep. Nil means DefaultModules(). An entry may carry
	// parameters: "mac80211_hwsim radios=2".
	Modules []string
	// Available are modules shipped in the guest (with their dependencies
	// and a modules.dep for modprobe) but not loaded by init, for scenarios
	// that test loading them.
	Available []string
	// Debs are Debian packages unpacked into the guest with the shared
	// libraries their ELF files need (taken from the unpacked packages first,
	// then from the host).
	Debs []string
	// Libs are extra host shared objects (for dlopen, e.g. DPDK drivers
	// loaded with -d) copied to the same path, with their dependencies.
	Libs []string
	// Files are extra files.
	Files []File
	// Env is added to the scenario's environment.
	Env map[string]string
	// HugePages 2 MiB pages are reserved by init (vm.nr_hugepages).
	HugePages int
	// MemoryMB and CPUs size the guest (defaults 1024 and 2).
	MemoryMB int
	CPUs     int
	// Timeout bounds the whole run from QEMU start; QEMU is killed when it
	// passes (default 5 minutes: TCG on a shared machine is slow).
	Timeout time.Duration
	// Host, when set, runs on the host alongside the guest once QEMU's QMP
	// socket is up, e.g. to wait for a console line and flip a link. An error
	// fails the run and stops the guest. It runs again, from the start, when
	// Run boots a second time after QEMU aborted on a known emulator bug.
	Host func(h *Host) error
	// Trace runs the scenario under sh -x, echoing each command to the
	// console: the way to find which command a failing "sh -e" stopped at.
	Trace bool
	// QEMUArgs are extra QEMU arguments, after the machine's and the NICs'
	// (e.g. "-global", "q35-pcihost.pci-hole64-size=0").
	QEMUArgs []string
	// Append is extra kernel command line.
	Append string
	// Quiet stops streaming the console to the test log; it is still kept
	// in Result.Console and printed (the tail) on failure.
	Quiet bool
	// ArtifactsDir keeps console.log, the pcaps and the initramfs; default
	// is a fresh temporary directory, removed when the test passes and kept
	// (named in the failure message) when it fails.
	ArtifactsDir string
}

// DefaultModules is the module set init loads when Config.Modules is nil: the
// VFIO stack in the order of DESIGN.md §5 and the Linux e1000 and e1000e
// drivers, so the guest's own driver owns every NIC until a scenario binds it
// to vfio-pci.
func DefaultModules() []string {
	return append(VFIOModules(), "e1000", "e1000e")
}

// VFIOModules is the VFIO stack: irqbypass, vfio, vfio_virqfd,
// vfio_iommu_type1, vfio-pci-core, vfio-pci.
func VFIOModules() []string {
	return []string{"irqbypass", "vfio", "vfio_virqfd", "vfio_iommu_type1", "vfio-pci-core", "vfio-pci"}
}

// WiFiModules is the mac80211_hwsim set with the ciphers hostapd needs for
// CCMP group keys (ctr, ccm); dependencies such as cfg80211 and mac80211 come
// from modules.dep.
func WiFiModules(radios int) []string {
	return []string{"rfkill", "libarc4", "cfg80211", "ctr", "ccm", "mac80211",
		fmt.Sprintf("mac80211_hwsim radios=%d", radios)}
}

func (c *Config) defaults() {
	if c.Lane == LaneStable && os.Getenv(LaneEnv) == "backports" {
		c.Lane = LaneBackports
	}
	if c.Modules == nil {
		c.Modules = DefaultModules()
	}
	if c.MemoryMB == 0 {
		c.MemoryMB = 1024
	}
	if c.CPUs == 0 {
		c.CPUs = 2
	}
	if c.Timeout == 0 {
		c.Timeout = 5 * time.Minute
	}
}

func (c *Config) validate() error {
	for i, n := range c.NICs {
		switch n.Model {
		case E1000, E1000_82545, E1000_82544, E1000E:
		case IGB:
			if c.Lane != LaneBackports {
				return fmt.Errorf("vmtest: NIC %d is an igb, which QEMU 7.2 lacks; set Config.Lane to LaneBackports", i)
			}
		default:
			return fmt.Errorf("vmtest: NIC %d has model %q; use one of e1000, e1000-82545em, e1000-82544gc, e1000e, igb", i, n.Model)
		}
		if n.Hub < 0 {
			return fmt.Errorf("vmtest: NIC %d has negative hub %d", i, n.Hub)
		}
	}
	if FirstSlot+len(c.NICs) > 0x1f {
		return fmt.Errorf("vmtest: %d NICs do not fit on the root bus (at most %d)", len(c.NICs), 0x1f-FirstSlot)
	}
	if c.Script == "" {
		return fmt.Errorf("vmtest: Config.Script is empty; give the scenario to run in the guest")
	}
	if c.HugePages*2 >= c.MemoryMB {
		return fmt.Errorf("vmtest: %d hugepages (2 MiB) do not fit in %d MiB of guest memory", c.HugePages, c.MemoryMB)
	}
	return nil
}
