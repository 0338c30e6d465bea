package route

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// arena hands out group chunks of a big table from 2 MiB-aligned blocks
// mapped outside the Go heap with MADV_HUGEPAGE, so a lookup's random
// group access in a full table takes a huge-page TLB entry instead of a
// 4 KiB page walk (a nested one in a VM). Groups hold no Go pointers. The
// blocks are unmapped by a cleanup once the plane that owns them is
// unreachable: a reader keeps the plane reachable until its lookup ends.
// Small tables (the first hugeAfter chunks) stay on the Go heap.
type arena struct {
	maps [][]byte
	cur  []byte
}

const (
	hugeBlock = 2 << 20
	hugeAfter = 32 // chunks (2 MiB of groups) before the arena is used
)

func newArena(p *plane) *arena {
	a := &arena{}
	runtime.AddCleanup(p, func(a *arena) { a.free() }, a)
	return a
}

// chunk returns a zeroed chunk, or nil when mapping fails (the caller then
// uses the Go heap).
func (a *arena) chunk() *groupChunk {
	const size = int(unsafe.Sizeof(groupChunk{}))
	if raceEnabled {
		return nil
	}
	if len(a.cur) < size {
		m, err := unix.Mmap(-1, 0, 2*hugeBlock, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
		if err != nil {
			return nil
		}
		off := (hugeBlock - int(uintptr(unsafe.Pointer(&m[0]))%hugeBlock)) % hugeBlock
		blk := m[off : off+hugeBlock]
		_ = unix.Madvise(blk, unix.MADV_HUGEPAGE)
		a.maps = append(a.maps, m)
		a.cur = blk
	}
	c := (*groupChunk)(unsafe.Pointer(&a.cur[0]))
	a.cur = a.cur[size:]
	return c
}

// table returns a zeroed table of n entries in its own huge-page mapping,
// or on the Go heap when mapping fails (it holds no pointers, so the
// collector does not scan it either way).
func (a *arena) table(n int) []uint32 {
	size := n * 4
	if raceEnabled {
		return make([]uint32, n)
	}
	m, err := unix.Mmap(-1, 0, size+hugeBlock, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return make([]uint32, n)
	}
	off := (hugeBlock - int(uintptr(unsafe.Pointer(&m[0]))%hugeBlock)) % hugeBlock
	blk := m[off : off+size]
	_ = unix.Madvise(blk, unix.MADV_HUGEPAGE)
	a.maps = append(a.maps, m)
	return unsafe.Slice((*uint32)(unsafe.Pointer(&blk[0])), n)
}

func (a *arena) free() {
	for _, m := range a.maps {
		_ = unix.Munmap(m)
	}
	a.maps, a.cur = nil, nil
}
