// Package vmtest is the VM test lane: it boots a QEMU guest (TCG, q35, Intel
// vIOMMU, DESIGN.md §5) with emulated e1000/e1000e NICs, runs a scenario
// script inside it and turns the guest's verdict into a Go test result.
//
// # Where to start
//
// A test calls Run with a Config:
//
//	res := vmtest.Run(t, vmtest.Config{
//		NICs:     []vmtest.NIC{{Model: vmtest.E1000, Dump: true}, {Model: vmtest.E1000E}},
//		Commands: []string{"./tools/vfio-bind"},     // built CGO_ENABLED=0 into /bin
//		Tests:    []string{"./vfio"},                // go test -c into /bin/vfio.test
//		Debs:     []string{"tcpdump"},               // unpacked with their shared libs
//		HugePages: 64,
//		Script: `
//	must vfio-bind bind $NIC0_ADDR
//	must vfio.test -test.run TestGuestProbe -test.v
//	`,
//		Host: func(h *vmtest.Host) error {       // optional, runs beside the guest
//			if err := h.WaitReady("traffic", time.Minute); err != nil {
//				return err
//			}
//			return h.Monitor.SetLink(h.NIC(0), false)
//		},
//	})
//	// res.PCAP[0] is the host-side capture of NIC 0; res.Console the output.
//
// # Lanes
//
// Config.Lane picks the QEMU. LaneStable (the default) is the system's
// qemu-system-x86_64, Debian bookworm's QEMU 7.2 ($GOPKT_QEMU overrides;
// GOPKT_VM_LANE=backports runs the stable lane's scenarios on QEMU 10).
// LaneBackports is QEMU 10 from bookworm-backports, the only one with the
// igb (82576) and igbvf models (NIC model IGB). Installing it with apt would
// replace the 7.2 every other scenario uses, so scripts/setup.sh downloads
// its packages and unpacks them into CacheDir()/qemu/VERSION; Boot runs that
// binary with -L at its own firmware and QEMU_MODULE_DIR at its own modules
// (lane.go; $GOPKT_QEMU_BACKPORTS names another such binary). Its shared
// libraries all come from bookworm. Config.Kernel picks the guest kernel's
// suite independently: bookworm's 6.1 by default, or KernelBackports (6.12,
// cached under its own name; its VFIO modules are BackportsVFIOModules).
// Debian builds that 6.12 without iommufd, so neither kernel offers
// /dev/iommu or VFIO character devices; KernelBackportsIOMMUFD is the same
// 6.12 with iommufd.ko and cdev-enabled VFIO modules that scripts/setup.sh
// builds from the matching linux-source against the kernel's headers
// package (CACHE/iommufd/RELEASE; iommufd.go overlays them on the
// package's modules; load IOMMUFDVFIOModules).
//
// Run skips the test (with the reason) when QEMU, busybox or the kernel
// package are unavailable (not installed, or apt cannot fetch), or under
// -short, or with GOPKT_VM=0; with
// GOPKT_VM_REQUIRE=1 (CI) those become failures. Boot is the same without a
// testing.TB, for programs.
//
// # The guest
//
// The kernel is Debian's linux-image-*-amd64 (resolved through
// apt-cache depends linux-image-amd64, GOPKT_VM_KERNEL_PKG overrides),
// downloaded with apt-get into the cache (CacheDir: $GOPKT_VM_CACHE or
// $XDG_CACHE_HOME/gopkt/vm), unpacked with dpkg-deb and indexed by depmod,
// once. The initramfs is written directly as a newc cpio archive: busybox
// (Debian busybox-static) with a link per applet, the modules of
// Config.Modules plus their modules.dep dependencies (default: the VFIO
// stack and e1000/e1000e, so the Linux drivers own the NICs at start), the Go
// binaries, Debian packages, extra files, and /init.
//
// Init mounts proc, sys, devtmpfs, devpts; prints "GOPKT-BOOT: <uptime>";
// loads the modules with insmod in dependency order (modprobe also works,
// against a modules.dep restricted to the included modules); reserves
// HugePages and mounts hugetlbfs on /dev/hugepages; brings lo up; and runs
// the scenario with "sh -e" (sh -ex with Config.Trace) in /root. Exit status 0 prints
// "GOPKT-RESULT: PASS", anything else "GOPKT-RESULT: FAIL ..."; then the
// guest powers off. The first verdict line wins, so a scenario's own "fail
// reason" is the one reported. One failure is not the test's: when QEMU
// aborts on a known emulator bug before the guest printed GOPKT-BOOT
// (emulatorAborts in vmtest.go: QEMU 10.0.2's TCG iotlb_to_section
// assertion, about 1 boot in 45), Run says so in the log, keeps that console
// as console-aborted.log and boots once more. A guest still running 60 s
// after its verdict (a hung shutdown) is stopped, said in the log, and
// its verdict stands (Result.PoweroffHung).
//
// Config.Available ships modules (and a modules.dep for the guest's
// modprobe) without loading them, for scenarios that test loading. Test
// binaries from Config.Tests run in /root: give them their testdata with
// Config.Files (e.g. Guest "/root/testdata/x"). Commands are named after the
// last element of their package path, so two with one name collide.
//
// The scenario's environment: NICS (count); NICi_ADDR (PCI address,
// 0000:00:0X.0 with X = 2+i), NICi_MODEL, NICi_MAC; GOPKT_KERNEL (release);
// GOPKT_HUGEPAGES; and Config.Env. Helpers from /etc/gopkt/lib.sh: fail,
// must, mustfail, expect TEXT GLOB, reject TEXT GLOB, wait_for SECS CMD,
// ready NAME (Host.WaitReady) and wait_host LINE (Host.Send). NIC i is on
// QEMU hub NIC.Hub (all on hub 0 by default, so they see each other's
// frames); its QMP name for SetLink is "nicI" (Host.NIC). Interface names
// under the Linux drivers are given in probe order (eth0, eth1, ...; an
// e1000e probes after the e1000s). /etc/passwd has root, tcpdump (Debian's
// tcpdump drops privileges to it) and nobody.
//
// # A guest that hangs
//
// A guest with no verdict shortly before Config.Timeout (a fifth of it, at
// most 20 s) is examined before QEMU is killed (postmortem.go): the log
// gets each QEMU thread's state, kernel wait channel and CPU time over two
// seconds, and each vCPU's instruction pointer twice; the guest's kernel is
// asked through the emulated keyboard for SysRq 8, t and l, so the console
// shows every task's state and stack (the scenario's shell and the command
// it waits for among them) and each CPU's backtrace. Scenarios should still
// bound each wait themselves and print a line as each phase starts.
//
// # What it does not do
//
// No KVM (guests hang on this host), no persistent disk, no network to the
// outside: hubs connect guest NICs only to each other. Debian packages come
// from the host's apt sources; their shared libraries are resolved from the
// unpacked packages first, then the host's library directories, so a
// package whose libraries are not installed on the host must list its
// library packages in Debs too. Libraries a program dlopens (DPDK's -d
// drivers) must be named in Config.Libs.
//
// # Ownership
//
// Run owns QEMU: it kills it when Timeout passes, when the test's deadline
// nears, or when Config.Host returns an error. Host callbacks must return
// when the guest stops (their waits fail then). Artifacts (console.log, the
// pcaps, initramfs.cpio) live in Result.Dir: ArtifactsDir, else
// $GOPKT_VM_ARTIFACTS/TESTNAME (kept after the test, for CI to collect), else
// a temporary directory that a passing test removes and a failing one
// keeps (its path is in the failure message).
package vmtest
