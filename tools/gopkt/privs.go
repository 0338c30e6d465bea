package main

import (
	"fmt"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Dropping privileges once set up (--drop-caps). By then the devices are
// open through VFIO, the pool's DMA memory is mapped, the TAP devices
// exist and the sockets listen, so the process keeps only what runtime
// changes need:
//
//   - CAP_NET_ADMIN: creating a TAP device (TUNSETIFF) and setting its
//     MTU and address, for "gopktctl mount -d tap";
//   - CAP_IPC_LOCK: VFIO_IOMMU_MAP_DMA pins the descriptor rings of an
//     e1000 mounted later, charged to RLIMIT_MEMLOCK, which this lets the
//     process exceed.
//
// Everything else goes from the effective, permitted, inheritable and
// bounding sets of every thread (capabilities are per thread on Linux,
// hence AllThreadsSyscall: gopkt is built without cgo), and no_new_privs
// is set, so no exec can regain them. The uid stays 0: /dev/vfio/N and
// the devices' sysfs files are root's, and the control socket serves the
// same callers as before. (capabilities(7), prctl(2) PR_CAPBSET_DROP.)

// keptCaps are the capabilities --drop-caps keeps, with why.
var keptCaps = []struct {
	capability uint
	name, why  string
}{
	{unix.CAP_NET_ADMIN, "CAP_NET_ADMIN", "tap mounts"},
	{unix.CAP_IPC_LOCK, "CAP_IPC_LOCK", "DMA mapping for e1000 mounts"},
}

// dropCaps reduces every thread's capabilities to keptCaps and returns a
// description for the log.
func dropCaps() (string, error) {
	var keep uint64
	var names []string
	for _, k := range keptCaps {
		keep |= 1 << k.capability
		names = append(names, k.name+" ("+k.why+")")
	}
	for c := uintptr(0); c <= unix.CAP_LAST_CAP; c++ {
		if keep&(1<<c) != 0 {
			continue
		}
		_, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_CAPBSET_DROP, c, 0)
		if e == unix.ENOTSUP {
			return "", fmt.Errorf("%w: this gopkt was built with cgo, whose threads Go cannot change: build it with CGO_ENABLED=0", e)
		}
		if e != 0 && e != unix.EINVAL {
			return "", fmt.Errorf("prctl(PR_CAPBSET_DROP, %d): %w (needs CAP_SETPCAP: run as root)", c, e)
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	data[0].Effective, data[0].Permitted = uint32(keep), uint32(keep)
	data[1].Effective, data[1].Permitted = uint32(keep>>32), uint32(keep>>32)
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
		return "", fmt.Errorf("capset: %w", e)
	}
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e != 0 {
		return "", fmt.Errorf("prctl(PR_SET_NO_NEW_PRIVS): %w", e)
	}
	return strings.Join(names, ", "), nil
}
