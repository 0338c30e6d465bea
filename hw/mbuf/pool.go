package mbuf

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/dma"
)

// ErrExhausted means the pool had no free buffer (or clone header).
var ErrExhausted = errors.New("mbuf: pool exhausted")

// Pool is a fixed set of buffers in DMA memory. It is safe for concurrent use;
// per-queue Caches make the common path lock-free.
type Pool struct {
	name  string
	alloc dma.Allocator
	mem   dma.Region
	hdrs  []Buf // n direct headers, then clone headers

	mu     sync.Mutex
	free   []uint32 // stack of free direct indices
	cfree  []uint32 // stack of free clone-header indices
	n      int
	inUse  atomic.Int64
	closed bool
}

// PoolOptions configure a Pool.
type PoolOptions struct {
	Name string
	// Buffers is the number of packet buffers (slots).
	Buffers int
	// Clones is the number of extra headers for Clone (default Buffers/4).
	Clones int
}

// NewPool takes Buffers*SlotSize bytes from a and lays out the slots. The
// memory is freed by Close.
func NewPool(a dma.Allocator, opts PoolOptions) (*Pool, error) {
	if opts.Buffers <= 0 || opts.Buffers > 1<<24 {
		return nil, fmt.Errorf("mbuf: pool of %d buffers: want 1 to 16M", opts.Buffers)
	}
	if opts.Clones == 0 {
		opts.Clones = opts.Buffers/4 + 16
	}
	mem, err := a.Alloc(opts.Buffers*SlotSize, dma.SmallPage)
	if err != nil {
		return nil, fmt.Errorf("mbuf: pool %q: DMA memory for %d buffers: %w", opts.Name, opts.Buffers, err)
	}
	p := &Pool{
		name:  opts.Name,
		alloc: a,
		mem:   mem,
		hdrs:  make([]Buf, opts.Buffers+opts.Clones),
		free:  make([]uint32, opts.Buffers),
		cfree: make([]uint32, opts.Clones),
		n:     opts.Buffers,
	}
	for i := range p.hdrs {
		h := &p.hdrs[i]
		h.idx = uint32(i)
		h.pool = p
		h.off = Headroom
		h.refs.Store(1) // free buffers keep refs == 1: alloc needs no atomic
		if i < opts.Buffers {
			off := i * SlotSize
			h.slot = mem.Mem[off : off+SlotSize : off+SlotSize]
			h.iova = mem.IOVA + uint64(off)
		}
	}
	// Free stacks pop from the end; hand out low indices first.
	for i := range p.free {
		p.free[i] = uint32(opts.Buffers - 1 - i)
	}
	for i := range p.cfree {
		p.cfree[i] = uint32(opts.Buffers + opts.Clones - 1 - i)
	}
	return p, nil
}

// Name is the pool's name.
func (p *Pool) Name() string { return p.name }

// Cap is the number of buffers.
func (p *Pool) Cap() int { return p.n }

// InUse is the number of buffer and clone headers held outside the pool and
// its caches. A test that ends with InUse() != 0 leaked.
func (p *Pool) InUse() int { return int(p.inUse.Load()) }

// Available is the number of buffers on the pool's own free stack (buffers in
// caches are not counted).
func (p *Pool) Available() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}

// reset readies a buffer for its next owner. Buffers are reset when they go
// back to the free storage, so Alloc is a plain copy of pointers.
func (b *Buf) reset() {
	b.off, b.n = Headroom, 0
	b.next = nil
	b.Meta = Meta{}
}

// Alloc fills dst with fresh buffers (empty, Headroom in front) and returns
// how many it got; fewer than len(dst) means the pool ran dry.
func (p *Pool) Alloc(dst []*Buf) int {
	p.mu.Lock()
	n := min(len(dst), len(p.free))
	top := len(p.free)
	for i := 0; i < n; i++ {
		dst[i] = &p.hdrs[p.free[top-1-i]]
	}
	p.free = p.free[:top-n]
	p.mu.Unlock()
	p.inUse.Add(int64(n))
	return n
}

// Get returns one fresh buffer or ErrExhausted.
func (p *Pool) Get() (*Buf, error) {
	var one [1]*Buf
	if p.Alloc(one[:]) == 0 {
		return nil, ErrExhausted
	}
	return one[0], nil
}

// Free returns every chain in bufs to the pool and clears the slice entries.
func (p *Pool) Free(bufs []*Buf) {
	if len(bufs) == 0 {
		return
	}
	p.mu.Lock()
	for i, b := range bufs {
		if b == nil {
			continue
		}
		p.freeLocked(b)
		bufs[i] = nil
	}
	p.mu.Unlock()
}

func (p *Pool) freeChain(b *Buf) {
	p.mu.Lock()
	p.freeLocked(b)
	p.mu.Unlock()
}

// freeLocked releases each segment of the chain headed by b.
func (p *Pool) freeLocked(b *Buf) {
	for b != nil {
		next := b.next
		b.next = nil
		if b.pool != p {
			// A chain mixing pools: hand the segment to its own pool.
			b.pool.freeChain(b)
		} else {
			p.inUse.Add(-1)
			b.reset()
			if d := b.direct; d != nil {
				b.direct, b.slot = nil, nil
				p.cfree = append(p.cfree, b.idx)
				p.releaseSlot(d)
			} else {
				p.releaseSlot(b)
			}
		}
		b = next
	}
}

// releaseSlot drops one reference on a direct buffer.
func (p *Pool) releaseSlot(d *Buf) {
	// Single owner: the count stays 1 while the slot is free, so the fast
	// path needs no atomic read-modify-write at either end.
	if d.refs.Load() == 1 {
		p.free = append(p.free, d.idx)
	} else if d.refs.Add(-1) == 0 {
		d.refs.Store(1)
		p.free = append(p.free, d.idx)
	}
}

// Clone returns a read-only header viewing the same bytes as b's first segment
// (offset, length and metadata copied; the chain is not cloned: clone each
// segment if you need it). The bytes stay allocated until every header is
// freed.
func (b *Buf) Clone() (*Buf, error) {
	p := b.pool
	d := b
	if b.direct != nil {
		d = b.direct
	}
	p.mu.Lock()
	if len(p.cfree) == 0 {
		p.mu.Unlock()
		return nil, ErrExhausted
	}
	c := &p.hdrs[p.cfree[len(p.cfree)-1]]
	p.cfree = p.cfree[:len(p.cfree)-1]
	p.mu.Unlock()
	d.refs.Add(1)
	c.slot, c.iova, c.direct = d.slot, d.iova, d
	c.off, c.n, c.next, c.Meta = b.off, b.n, nil, b.Meta
	c.refs.Store(1)
	p.inUse.Add(1)
	return c, nil
}

// Close returns the DMA memory. It fails (and keeps the memory) while buffers
// are in use: a device might still write to them.
func (p *Pool) Close() error {
	if n := p.InUse(); n != 0 {
		return fmt.Errorf("mbuf: pool %q closed with %d buffers still in use (a leak, or a device not yet quiesced)", p.name, n)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil
	}
	p.closed = true
	return p.alloc.Free(p.mem)
}
