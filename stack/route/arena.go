package route

import (
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// arena holds a plane's memory outside the Go heap: the 64 MiB root of a
// DIR-24-8 plane, and every plane's groups and next-hop records, each in
// one address range reserved when the plane is made (PROT_NONE, so it
// costs address space, not memory or commit charge) and made writable in
// 2 MiB steps as the plane grows. Fixed addresses are what let NextHop4
// index groups and records from a base it reads once, with no slice of
// chunks to chase and nothing reloaded as the plane grows. Groups past the
// first 2 MiB are advised into transparent huge pages, so a lookup's
// random group access in a full table takes a huge-page TLB entry instead
// of a 4 KiB page walk (a nested one in a VM). None of it holds Go
// pointers. The mappings are unmapped by a cleanup once the plane that
// owns them is unreachable: a reader keeps the plane reachable until its
// lookup ends (NextHop4 ends with runtime.KeepAlive).
type arena struct {
	maps [][]byte
}

const (
	hugeBlock = 2 << 20
	hugeAfter = hugeBlock // bytes of groups on small pages before huge ones
)

func newArena(p *plane) *arena {
	a := &arena{}
	runtime.AddCleanup(p, func(a *arena) { a.free() }, a)
	return a
}

// reserve returns size bytes of address space (a multiple of hugeBlock),
// 2 MiB-aligned and inaccessible until commit, or nil when the mapping
// fails.
func (a *arena) reserve(size int) []byte {
	m, err := unix.Mmap(-1, 0, size+hugeBlock, unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	a.maps = append(a.maps, m)
	off := (hugeBlock - int(uintptr(unsafe.Pointer(&m[0]))%hugeBlock)) % hugeBlock
	return m[off : off+size]
}

// commit makes r[:n] writable (zero until written), rounding n up to
// hugeBlock; huge marks the part past hugeAfter for transparent huge
// pages. It reports false when the kernel refuses (out of memory).
func commit(r []byte, n int, huge bool) bool {
	n = min(len(r), (n+hugeBlock-1)/hugeBlock*hugeBlock)
	if unix.Mprotect(r[:n], unix.PROT_READ|unix.PROT_WRITE) != nil {
		return false
	}
	if huge && n > hugeAfter {
		_ = unix.Madvise(r[hugeAfter:n], unix.MADV_HUGEPAGE)
	}
	return true
}

// table returns a zeroed table of n entries in its own mapping (advised
// into huge pages: a 64 MiB root takes 32 TLB entries, not 16 384), or on
// the Go heap under the race detector (race.go) or when mapping fails (it
// holds no pointers, so the collector does not scan it either way).
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
	a.maps = nil
}
