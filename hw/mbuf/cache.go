package mbuf

import "unsafe"

// Cache is a per-queue stack of free buffers in front of a Pool, for one
// goroutine (an RX/TX queue's poller), like DPDK's per-lcore mempool cache.
// It trades with the pool in batches, so the pool lock is taken once per many
// packets, and Alloc is one copy of pointers. Not safe for concurrent use.
//
// Flush it (on its goroutine) before the pool is closed: Pool.Close refuses
// while a cache holds buffers. After Close a cache is empty and its Alloc
// returns 0 (Pool.Err says why); the fast paths carry no closed test,
// because no buffer of a closed pool can be legitimately freed.
type Cache struct {
	p     *Pool
	stack []*Buf
	size  int
}

// NewCache returns a cache holding up to 2*size buffers.
func (p *Pool) NewCache(size int) *Cache {
	if size < 1 {
		size = 1
	}
	return &Cache{p: p, stack: make([]*Buf, 0, 2*size+256), size: size}
}

// Pool is the pool behind the cache.
func (c *Cache) Pool() *Pool { return c.p }

// Len is the number of buffers held by the cache.
func (c *Cache) Len() int { return len(c.stack) }

// Alloc fills dst with fresh buffers and returns how many it got.
func (c *Cache) Alloc(dst []*Buf) int {
	if len(c.stack) < len(dst) {
		c.refill(len(dst) - len(c.stack) + c.size)
	}
	top := len(c.stack)
	n := copy(dst, c.stack[max(0, top-len(dst)):top])
	c.stack = c.stack[:top-n]
	c.p.inUse.Add(int64(n))
	return n
}

func (c *Cache) refill(want int) {
	p := c.p
	p.mu.Lock()
	want = min(want, len(p.free), cap(c.stack)-len(c.stack))
	top := len(p.free)
	for _, i := range p.free[top-want:] {
		c.stack = append(c.stack, &p.hdrs[i])
	}
	p.free = p.free[:top-want]
	p.mu.Unlock()
}

// Free returns every chain in bufs and clears the slice entries. Plain
// single-owner buffers of this pool go onto the cache's stack without a lock;
// clones, shared buffers and chains take the pool path. The stack is filled
// through a local view of its whole capacity (one length write-back, no
// append per buffer): drivers free every transmitted packet through here.
func (c *Cache) Free(bufs []*Buf) {
	p := c.p
	room := c.stack[:cap(c.stack)]
	top := len(c.stack)
	start := top
	slow := false
	for i, b := range bufs {
		if b == nil {
			continue
		}
		if top < len(room) && b.pool == p && uintptr(unsafe.Pointer(b.direct))|uintptr(unsafe.Pointer(b.next)) == 0 {
			if b.refs.Load() == 1 { // not a clone, not a chain, one owner
				bufs[i] = nil
				b.off, b.n = Headroom, 0
				b.Meta = Meta{}
				room[top] = b
				top++
				continue
			}
		}
		slow = true // left in bufs for the pool pass below
	}
	c.stack = room[:top]
	if released := top - start; released != 0 {
		p.inUse.Add(-int64(released))
	}
	if slow {
		p.Free(bufs)
	}
	if top > 2*c.size {
		c.spill(top - c.size)
	}
}

func (c *Cache) spill(n int) {
	p := c.p
	p.mu.Lock()
	top := len(c.stack)
	if p.closed.Load() {
		// Only double frees reach a closed pool's cache (the stack was
		// empty at Close): drop them, and undo Free's InUse decrement.
		p.mu.Unlock()
		clear(c.stack[top-n:])
		c.stack = c.stack[:top-n]
		p.late.Add(uint64(n))
		p.inUse.Add(int64(n))
		return
	}
	for i, b := range c.stack[top-n:] {
		p.free = append(p.free, b.idx)
		c.stack[top-n+i] = nil
	}
	p.mu.Unlock()
	c.stack = c.stack[:top-n]
}

// Flush returns every cached buffer to the pool.
func (c *Cache) Flush() { c.spill(len(c.stack)) }
