package pci

import (
	"fmt"
	"unsafe"
)

// RegHook intercepts register accesses. Device models (package pcitest and the
// in-process device models built on it) install one so that a store to, say, a
// tail register can run the model. Package vfio uses one for BARs (or parts of
// BARs) the kernel will not let us mmap, turning accesses into pread/pwrite on
// the device fd; an mmap'ed BAR has no hook and costs one plain access.
type RegHook interface {
	// Read32 returns the value a load at off sees.
	Read32(off uint32) uint32
	// Write32 performs a store of v at off.
	Write32(off uint32, v uint32)
}

// Regs is a memory-mapped register window (a BAR, or a part of one).
//
// All accesses are 32 bits wide, naturally aligned and little-endian. They
// are never elided, merged or reordered by the compiler, and a store is
// ordered after earlier stores to DMA memory (the doorbell rule): on amd64
// each is one plain MOV in an assembly function (mmio_amd64.go says why not
// an atomic), elsewhere a sync/atomic access. The e1000 family and QEMU's
// models accept only 32-bit accesses, so no other width is offered.
//
// gopkt supports little-endian hosts only (see the build constraint in
// endian.go), so a load is already in device byte order.
//
// A zero Regs has no window; every access to it panics with an index error, as a
// nil slice would. Offsets out of range panic too: register offsets are
// constants in driver code, never input.
type Regs struct {
	base unsafe.Pointer
	size uint32
	hook RegHook
}

// NewRegs returns a register window over mem, which must stay mapped (and, if
// it is Go memory, alive) for as long as the Regs is used. mem must be 4-byte
// aligned.
func NewRegs(mem []byte) (Regs, error) {
	if len(mem) == 0 {
		return Regs{}, fmt.Errorf("pci: empty register window")
	}
	if uintptr(unsafe.Pointer(&mem[0]))%4 != 0 {
		return Regs{}, fmt.Errorf("pci: register window at %p is not 4-byte aligned", &mem[0])
	}
	if uint64(len(mem)) > 1<<32-1 {
		return Regs{}, fmt.Errorf("pci: register window of %d bytes is larger than 4 GiB", len(mem))
	}
	return Regs{base: unsafe.Pointer(&mem[0]), size: uint32(len(mem))}, nil
}

// NewHookedRegs returns a register window whose accesses all go to h. size is
// the window length used for bounds checks.
func NewHookedRegs(size uint32, h RegHook) Regs {
	return Regs{size: size, hook: h}
}

// Size is the window length in bytes.
func (r Regs) Size() uint32 { return r.size }

func (r Regs) check(off uint32) {
	if off%4 != 0 || off > r.size-4 || r.size < 4 {
		panic(fmt.Sprintf("pci: register offset %#x outside a %#x-byte window or unaligned", off, r.size))
	}
}

// Read32 loads the 32-bit register at byte offset off.
func (r Regs) Read32(off uint32) uint32 {
	r.check(off)
	if r.hook != nil {
		return r.hook.Read32(off)
	}
	return mmioLoad32(unsafe.Add(r.base, off))
}

// Write32 stores v to the 32-bit register at byte offset off.
func (r Regs) Write32(off uint32, v uint32) {
	r.check(off)
	if r.hook != nil {
		r.hook.Write32(off, v)
		return
	}
	mmioStore32(unsafe.Add(r.base, off), v)
}

// Set32 sets the bits of mask in the register at off (read, or, write).
func (r Regs) Set32(off, mask uint32) { r.Write32(off, r.Read32(off)|mask) }

// Clear32 clears the bits of mask in the register at off.
func (r Regs) Clear32(off, mask uint32) { r.Write32(off, r.Read32(off)&^mask) }
