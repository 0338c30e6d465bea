package mbuf

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/dma"
)

// Errors callers branch on with errors.Is.
var (
	// ErrExhausted means the pool had no free buffer (or clone header).
	ErrExhausted = errors.New("mbuf: pool exhausted")
	// ErrClosed means the pool was closed: its DMA memory is gone, and it
	// hands out nothing more.
	ErrClosed = errors.New("mbuf: pool closed")
	// ErrBusy means Close found buffers not back in the pool: held by an
	// owner (a leak, or a device not yet quiesced) or parked in a Cache
	// that was not flushed.
	ErrBusy = errors.New("mbuf: pool has buffers out")
)

// OpError is the error the package's API edges return: which operation on
// which pool failed, why, and what to do about it.
type OpError struct {
	Op   string // "close", ...
	Pool string // the pool's name
	Err  error  // a sentinel above, possibly wrapped with details
	Fix  string // what to do; may be empty
}

// Error reads "mbuf: Op Pool: Err; Fix", leaving out the empty parts and the
// "mbuf: " that Err's text may start with: the one OpError format of every
// gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "mbuf: " + e.Op
	if e.Pool != "" {
		s += " " + e.Pool
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "mbuf: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap lets errors.Is match the sentinel.
func (e *OpError) Unwrap() error { return e.Err }

// Pool is a fixed set of buffers in DMA memory. It is safe for concurrent use;
// per-queue Caches make the common path lock-free.
//
// Lifecycle: Close succeeds only when every buffer is back on the pool's
// own free stack (none held, none parked in a Cache); otherwise it returns
// an ErrBusy OpError that says how many are held and how many are parked,
// and changes nothing. Once closed the free stacks are empty, so Alloc and
// Cache.Alloc return 0 with no extra test on their paths; Err and Get say
// ErrClosed. A Free that reaches a closed pool (only a double free can: no
// buffer is out when Close succeeds) is dropped and counted (LateFrees).
type Pool struct {
	name   string
	alloc  dma.Allocator
	mem    dma.Region
	hdrs   []Buf // n direct headers, then clone headers
	clones int

	mu     sync.Mutex
	free   []uint32 // stack of free direct indices
	cfree  []uint32 // stack of free clone-header indices
	n      int
	inUse  atomic.Int64
	closed atomic.Bool // written under mu; read without it by Err and Get
	late   atomic.Uint64
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
		name:   opts.Name,
		alloc:  a,
		mem:    mem,
		hdrs:   make([]Buf, opts.Buffers+opts.Clones),
		clones: opts.Clones,
		free:   make([]uint32, opts.Buffers),
		cfree:  make([]uint32, opts.Clones),
		n:      opts.Buffers,
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

// Allocator is the DMA allocator the pool's memory came from.
func (p *Pool) Allocator() dma.Allocator { return p.alloc }

// From reports whether the pool's memory came from a, so that a device
// whose DMA allocator is a (pci.Function.DMA) can reach every buffer. It
// compares identities: a pool from another allocator is foreign even if it
// maps into the same IOMMU domain. Drivers call it once per pool, not per
// packet.
func (p *Pool) From(a dma.Allocator) bool {
	if a == nil || p.alloc == nil {
		return false
	}
	ta, tp := reflect.TypeOf(a), reflect.TypeOf(p.alloc)
	// Interface == panics on incomparable dynamic types: compare only
	// values of one comparable type.
	return ta == tp && ta.Comparable() && a == p.alloc
}

// Err is ErrClosed once Close succeeded, nil before. A 0 from Alloc or
// Cache.Alloc means an empty pool while Err is nil.
func (p *Pool) Err() error {
	if p.closed.Load() {
		return ErrClosed
	}
	return nil
}

// LateFrees counts buffers freed into the pool after it was closed (double
// frees: they were dropped, not reused).
func (p *Pool) LateFrees() uint64 { return p.late.Load() }

// Outstanding reports the buffers that are not on the pool's free stack:
// held by owners (direct headers: buffers allocated and not freed) and
// parked in Caches. clones is the number of clone headers held. Exact
// when no Cache is in use concurrently.
func (p *Pool) Outstanding() (held, cached, clones int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.outstandingLocked()
}

func (p *Pool) outstandingLocked() (held, cached, clones int) {
	if p.closed.Load() {
		return 0, 0, 0
	}
	clones = p.clones - len(p.cfree)
	out := p.n - len(p.free) // slots off the free stack
	held = min(out, max(0, p.InUse()-clones))
	// Slots kept alive only by clones count as cached here; with no
	// clone out the split is exact.
	return held, out - held, clones
}

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

// Get returns one fresh buffer, or ErrExhausted, or ErrClosed.
func (p *Pool) Get() (*Buf, error) {
	var one [1]*Buf
	if p.Alloc(one[:]) == 0 {
		if p.closed.Load() {
			return nil, ErrClosed
		}
		return nil, ErrExhausted
	}
	return one[0], nil
}

// Free returns every chain in bufs to the pool and clears the slice entries.
// Segments of other pools (a chain mixing pools, or a caller freeing
// another pool's buffer here) go to their own pool after this pool's lock is
// released: no two pool locks are ever held together.
func (p *Pool) Free(bufs []*Buf) {
	if len(bufs) == 0 {
		return
	}
	var foreign *Buf
	p.mu.Lock()
	if p.closed.Load() {
		p.mu.Unlock()
		p.freeLate(bufs)
		return
	}
	for i, b := range bufs {
		if b == nil {
			continue
		}
		foreign = p.freeLocked(b, foreign)
		bufs[i] = nil
	}
	p.mu.Unlock()
	freeForeign(foreign)
}

// freeLate drops buffers freed into a closed pool (double frees) and counts
// them; their slots are not reused.
func (p *Pool) freeLate(bufs []*Buf) {
	for i, b := range bufs {
		if b != nil {
			p.late.Add(uint64(b.Segs()))
			bufs[i] = nil
		}
	}
}

func (p *Pool) freeChain(b *Buf) {
	p.mu.Lock()
	if p.closed.Load() {
		p.mu.Unlock()
		p.late.Add(uint64(b.Segs()))
		return
	}
	foreign := p.freeLocked(b, nil)
	p.mu.Unlock()
	freeForeign(foreign)
}

// freeForeign frees, one by one and with no lock held, the segments
// freeLocked set aside because they belong to other pools.
func freeForeign(list *Buf) {
	for list != nil {
		next := list.next
		list.next = nil
		list.pool.freeChain(list)
		list = next
	}
}

// freeLocked releases each segment of the chain headed by b. Segments of
// other pools are not freed here (that would take their pool's lock under
// ours, and two goroutines doing so in opposite orders deadlock): they are
// linked onto foreign, through their own next field, for freeForeign to
// free after the lock is released. It returns the new foreign list.
func (p *Pool) freeLocked(b *Buf, foreign *Buf) *Buf {
	for b != nil {
		next := b.next
		b.next = nil
		if b.pool != p {
			b.next = foreign
			foreign = b
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
	return foreign
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
		if p.closed.Load() {
			return nil, ErrClosed
		}
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

// Close returns the DMA memory. It refuses, with an ErrBusy OpError naming
// how many buffers are held and how many are parked in caches, while any
// buffer or clone header is not back on the pool's free stacks: a device
// might still write to a held buffer, and a Cache is one goroutine's and
// cannot be emptied from here (Flush it on its goroutine, then Close).
// Nothing changes when it refuses. Once it succeeds the pool hands out
// nothing (Alloc returns 0, Get ErrClosed); closing again returns nil.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed.Load() {
		p.mu.Unlock()
		return nil
	}
	if len(p.free) != p.n || len(p.cfree) != p.clones {
		held, cached, clones := p.outstandingLocked()
		p.mu.Unlock()
		return &OpError{Op: "close", Pool: p.name,
			Err: fmt.Errorf("%w: %d of %d buffers out: %d held by owners (%d clone headers), %d parked in caches",
				ErrBusy, held+cached, p.n, held, clones, cached),
			Fix: "free held buffers and quiesce devices (a leak otherwise); Flush every Cache on its own goroutine"}
	}
	p.closed.Store(true)
	// Empty free stacks make every later Alloc and cache refill return 0
	// without a test on their paths.
	p.free, p.cfree = nil, nil
	p.mu.Unlock()
	return p.alloc.Free(p.mem)
}
