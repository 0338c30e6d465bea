package vfio

import (
	"fmt"

	"github.com/gopkt/gopkt/hw/dma"
	"golang.org/x/sys/unix"
)

// capIPCLock is CAP_IPC_LOCK (linux/capability.h): with it, VFIO's type1
// backend does not count pinned pages against RLIMIT_MEMLOCK
// (vfio_iommu_type1.c, vfio_lock_acct).
const capIPCLock = 14

// hasIPCLock reports whether the calling thread has CAP_IPC_LOCK in its
// effective set.
func hasIPCLock() bool {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return false
	}
	return data[capIPCLock/32].Effective&(1<<(capIPCLock%32)) != 0
}

// memlockLimit is the soft RLIMIT_MEMLOCK in bytes (unix.RLIM_INFINITY for
// none).
func memlockLimit() (uint64, error) {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_MEMLOCK, &r); err != nil {
		return 0, err
	}
	return r.Cur, nil
}

// dmaFootprint is how much memory dma.Memory pins for want bytes of DMA
// memory: whole 2 MiB chunks.
func dmaFootprint(want uint64) uint64 {
	return (want + dma.HugePageSize - 1) &^ (dma.HugePageSize - 1)
}

// checkMemlock fails with ErrMemlock when want bytes of DMA memory cannot be
// pinned under the current RLIMIT_MEMLOCK. VFIO pins every page it maps and
// fails VFIO_IOMMU_MAP_DMA with ENOMEM past the limit; saying so up front,
// with the number, beats a mysterious ENOMEM at the first allocation.
func checkMemlock(addr string, want uint64) error {
	if want == 0 || hasIPCLock() {
		return nil
	}
	limit, err := memlockLimit()
	if err != nil {
		return &OpError{Op: "open", Addr: addr, Err: ErrMemlock, Cause: err, Detail: "cannot read RLIMIT_MEMLOCK"}
	}
	need := dmaFootprint(want)
	if limit == unix.RLIM_INFINITY || limit >= need {
		return nil
	}
	return memlockError("open", addr, limit, need, 0)
}

// memlockError is the fix-it error for a memlock shortfall: need bytes wanted
// on top of pinned, under a limit of limit bytes.
func memlockError(op, addr string, limit, need, pinned uint64) error {
	kib := (need + pinned + 1023) / 1024
	detail := fmt.Sprintf("RLIMIT_MEMLOCK is %s but %s of DMA memory must be pinned", size(limit), size(need+pinned))
	if pinned > 0 {
		detail += fmt.Sprintf(" (%s already mapped)", size(pinned))
	}
	return &OpError{Op: op, Addr: addr, Err: ErrMemlock, Detail: detail,
		Fix: fmt.Sprintf("raise it to at least %d KiB: 'ulimit -l %d' in the shell that starts the program, "+
			"LimitMEMLOCK=%d in its systemd unit, '<user> - memlock %d' in /etc/security/limits.conf, "+
			"or run it as root (CAP_IPC_LOCK)", kib, kib, (need+pinned+4095)&^4095, kib)}
}

// checkHugepages fails with dma.ErrNoHugepages when hugepages are required and
// the 2 MiB pool has fewer free pages than want bytes need.
func checkHugepages(s sysfs, addr string, want uint64) error {
	if want == 0 {
		return nil
	}
	need := int(dmaFootprint(want) / dma.HugePageSize)
	free := s.freeHugepages()
	if free >= need {
		return nil
	}
	detail := fmt.Sprintf("%d free 2 MiB hugepages, %d needed for %s of DMA memory", max(free, 0), need, size(want))
	if free < 0 {
		detail = "the kernel has no 2 MiB hugepage pool"
	}
	reserve := max(64, need)
	return &OpError{Op: "open", Addr: addr, Err: dma.ErrNoHugepages, Detail: detail,
		Fix: fmt.Sprintf("reserve them with 'echo %d > /proc/sys/vm/nr_hugepages' (or vm.nr_hugepages=%d in /etc/sysctl.conf, "+
			"or hugepages=%d on the kernel command line)", reserve, reserve, reserve)}
}

// size prints a byte count in the largest binary unit that divides it.
func size(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
