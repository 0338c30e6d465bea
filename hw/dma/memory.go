package dma

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"golang.org/x/sys/unix"
)

// Page sizes.
const (
	HugePageSize = 2 << 20
	SmallPage    = 4 << 10
)

// ErrNoHugepages means no 2 MiB hugepage could be taken.
var ErrNoHugepages = errors.New("dma: no free 2 MiB hugepages")

// MemoryOptions configure a Memory.
type MemoryOptions struct {
	// Ranges are the usable IOVA ranges (from VFIO_IOMMU_GET_INFO). Empty means
	// [2 MiB, 2^39) which every x86 IOMMU in this project's lanes accepts.
	Ranges []Range
	// NoHugepages uses 4 KiB pages from the start (tests, fakes). Without it
	// Memory tries hugepages and falls back with a warning.
	NoHugepages bool
	// RequireHugepages turns the fallback into an error (ErrNoHugepages).
	RequireHugepages bool
	// Logger receives the fallback warning; nil means slog.Default().
	Logger *slog.Logger
}

// Memory is a DMA allocator: it takes pages from the kernel, maps them through
// a Mapper at IOVAs of its choosing, and carves small requests out of shared
// chunks. It is safe for concurrent use.
type Memory struct {
	mapper Mapper
	opts   MemoryOptions

	mu      sync.Mutex
	iovas   *IOVAs
	chunks  map[uint64]*chunk // by IOVA of the chunk
	cur     *chunk            // chunk small requests are carved from
	warned  bool
	huge    bool // hugepages still worth trying
	closing bool
}

type chunk struct {
	mem  []byte
	iova uint64
	used int // bump offset
	live int // regions handed out and not freed
}

// NewMemory returns an allocator that maps through m.
func NewMemory(m Mapper, opts MemoryOptions) *Memory {
	ranges := opts.Ranges
	if len(ranges) == 0 {
		ranges = []Range{{Start: 0, Last: 1<<39 - 1}}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &Memory{
		mapper: m,
		opts:   opts,
		iovas:  NewIOVAs(ranges),
		chunks: map[uint64]*chunk{},
		huge:   !opts.NoHugepages,
	}
}

// Alloc implements Allocator. Requests of a chunk size or more get chunks of
// their own; smaller ones share the current chunk.
func (m *Memory) Alloc(size, align int) (Region, error) {
	if size <= 0 {
		return Region{}, fmt.Errorf("dma: alloc of %d bytes", size)
	}
	if align == 0 {
		align = SmallPage
	}
	if align&(align-1) != 0 || align > HugePageSize {
		return Region{}, fmt.Errorf("dma: alignment %d is not a power of two up to 2 MiB", align)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closing {
		return Region{}, errors.New("dma: memory is closed")
	}
	if c := m.cur; c != nil {
		off := (c.used + align - 1) &^ (align - 1)
		if off+size <= len(c.mem) {
			c.used = off + size
			c.live++
			return Region{Mem: c.mem[off : off+size : off+size], IOVA: c.iova + uint64(off)}, nil
		}
	}
	c, err := m.newChunk(size)
	if err != nil {
		return Region{}, err
	}
	c.used = size
	c.live = 1
	if len(c.mem)-size >= SmallPage {
		m.cur = c // room left for small requests
	}
	return Region{Mem: c.mem[:size:size], IOVA: c.iova}, nil
}

func (m *Memory) newChunk(size int) (*chunk, error) {
	var mem []byte
	var err error
	page := SmallPage
	if m.huge {
		n := roundUp(size, HugePageSize)
		mem, err = unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE,
			unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_HUGETLB|unix.MAP_HUGE_2MB|unix.MAP_POPULATE)
		if err == nil {
			page = HugePageSize
		} else {
			if m.opts.RequireHugepages {
				return nil, fmt.Errorf("%w for %d bytes (%v): reserve some with 'echo 64 > /proc/sys/vm/nr_hugepages'", ErrNoHugepages, n, err)
			}
			if !m.warned {
				m.warned = true
				m.opts.Logger.Warn("dma: no 2 MiB hugepages, falling back to 4 KiB pages; IOTLB misses will cost throughput. "+
					"Reserve hugepages with 'echo 64 > /proc/sys/vm/nr_hugepages' (or vm.nr_hugepages in sysctl.conf)", "err", err)
			}
			m.huge = false
		}
	}
	if mem == nil {
		mem, err = unix.Mmap(-1, 0, roundUp(size, SmallPage), unix.PROT_READ|unix.PROT_WRITE,
			unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_POPULATE)
		if err != nil {
			return nil, fmt.Errorf("dma: mmap of %d bytes: %w", size, err)
		}
	}
	iova, err := m.iovas.Alloc(uint64(len(mem)), uint64(page))
	if err != nil {
		_ = unix.Munmap(mem)
		return nil, err
	}
	if err := m.mapper.Map(mem, iova); err != nil {
		m.iovas.Release(iova, uint64(len(mem)))
		_ = unix.Munmap(mem)
		return nil, err
	}
	c := &chunk{mem: mem, iova: iova}
	m.chunks[iova] = c
	return c, nil
}

// Free implements Allocator.
func (m *Memory) Free(r Region) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.chunks {
		if r.IOVA >= c.iova && r.IOVA < c.iova+uint64(len(c.mem)) {
			c.live--
			if c.live > 0 {
				return nil
			}
			if m.cur == c {
				m.cur = nil
			}
			return m.release(c)
		}
	}
	return fmt.Errorf("dma: free of IOVA %#x that this memory did not allocate", r.IOVA)
}

func (m *Memory) release(c *chunk) error {
	delete(m.chunks, c.iova)
	err := m.mapper.Unmap(c.iova, uint64(len(c.mem)))
	m.iovas.Release(c.iova, uint64(len(c.mem)))
	if uerr := unix.Munmap(c.mem); err == nil {
		err = uerr
	}
	return err
}

// ErrRanges means memory already mapped lies outside the IOVA ranges
// SetRanges was given.
var ErrRanges = errors.New("dma: mapped memory outside the usable IOVA ranges")

// SetRanges replaces the usable IOVA ranges: later chunks get IOVAs from
// ranges only. Chunks already mapped keep their IOVAs and must lie inside
// ranges, else SetRanges changes nothing and returns an error wrapping
// ErrRanges. A mapper whose address space becomes known only after memory
// was allocated (a VFIO container, whose IOMMU is set when the first
// device joins) calls it then.
func (m *Memory) SetRanges(ranges []Range) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a := NewIOVAs(ranges)
	for _, c := range m.chunks {
		if err := a.Reserve(c.iova, uint64(len(c.mem))); err != nil {
			return fmt.Errorf("%w: chunk at IOVA %#x+%#x, usable %#x", ErrRanges, c.iova, len(c.mem), ranges)
		}
	}
	m.iovas = a
	m.opts.Ranges = ranges
	return nil
}

// Close unmaps and frees every chunk, live regions included. Call it after the
// device has been quiesced.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closing = true
	var first error
	for _, c := range m.chunks {
		if err := m.release(c); err != nil && first == nil {
			first = err
		}
	}
	m.cur = nil
	return first
}

// Hugepages reports whether chunks are still taken from 2 MiB pages.
func (m *Memory) Hugepages() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.huge
}

func roundUp(n, to int) int { return (n + to - 1) &^ (to - 1) }
