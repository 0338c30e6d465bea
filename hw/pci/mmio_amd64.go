package pci

import "unsafe"

// On amd64 a register access is one plain MOV in an assembly function, as
// Linux's readl/writel and DPDK's rte_read32/rte_write32 are:
//
//   - the call is opaque to the compiler, so it can neither elide, merge nor
//     reorder the access with the surrounding memory operations;
//   - x86 keeps stores in program order (Intel SDM vol. 3A §9.2.2, "writes
//     are not reordered with other writes"), so the descriptors a driver
//     wrote to DMA memory are visible before the tail-register store that
//     hands them to the device: the doorbell rule needs no fence.
//
// A sync/atomic store would be an XCHG, a locked instruction. On hardware
// that only costs a full barrier, but QEMU's TCG cannot perform an atomic
// operation on an emulated device register and executes it by stopping every
// vCPU (cpu_exec_step_atomic): one such stop per burst cost the e1000 TX
// path about a sixth of its packet rate under emulation.

//go:noescape
func mmioLoad32(p unsafe.Pointer) uint32

//go:noescape
func mmioStore32(p unsafe.Pointer, v uint32)
