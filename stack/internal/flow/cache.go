package flow

import "sync/atomic"

// Cache is one network layer's routed fast-forwarding state, the part
// IPv4 and IPv6 share: the on/off switch, the layer's own generation (the
// route table adds its own to it), the table (made by the first install),
// the admission control and the counters. The layers keep only what
// differs: their key, their header checks and their rewrite.
type Cache struct {
	on    atomic.Bool
	gen   atomic.Uint64
	flows int // entries; 0 is DefaultFlows
	kw    int // key words
	tab   atomic.Pointer[Table]
	adm   Admission

	hits, misses, stale, installs atomic.Uint64
}

// DefaultFlows is a cache's size when its owner gives 0 (NetBSD's
// net.inet.ip.maxflows is 256; a slot costs 64 bytes here, so 256 KiB,
// allocated by the first forwarded flow).
const DefaultFlows = 4096

// Init sets the cache up: on or off, flows entries (0: DefaultFlows), keys
// of kw words. Call it once, before the data path runs.
func (c *Cache) Init(on bool, flows, kw int) {
	c.on.Store(on)
	c.flows, c.kw = flows, kw
}

// Gen is the layer's generation counter: add one to it (Invalidate) on
// any change that makes cached flows wrong. Its address may be handed to
// whatever changes (a neighbour table) so it can invalidate by itself.
func (c *Cache) Gen() *atomic.Uint64 { return &c.gen }

// Invalidate makes every cached flow stale.
func (c *Cache) Invalidate() { c.gen.Add(1) }

// SetOn turns the cache on or off; every cached flow is dropped.
func (c *Cache) SetOn(on bool) {
	c.on.Store(on)
	c.Invalidate()
}

// On reports whether the cache is on.
func (c *Cache) On() bool { return c.on.Load() }

// Usable reports whether a lookup can hit now: on, a table made, not
// paused for thrashing. The data path asks first.
func (c *Cache) Usable() bool {
	return c.tab.Load() != nil && c.on.Load() && !c.adm.Paused()
}

// Lookup returns the hop of key k cached under generation gen; ok false
// on a miss or a stale entry (counted).
func (c *Cache) Lookup(k *Key, gen uint64) (h Hop, ok bool) {
	t := c.tab.Load()
	if t == nil {
		return h, false
	}
	h, r := t.Lookup(k, gen)
	if r == Stale {
		c.stale.Add(1)
	}
	return h, r == Hit
}

// Forwarded counts n datagrams the fast path sent.
func (c *Cache) Forwarded(n int) { c.hits.Add(uint64(n)) }

// Missed counts a datagram the full path forwarded while the cache is on
// and reports whether its flow may be installed (admission control).
func (c *Cache) Missed() bool {
	c.misses.Add(1)
	return c.adm.Miss(c.hits.Load())
}

// Install enters k → h under generation gen, making the table on first use.
func (c *Cache) Install(k *Key, gen uint64, h Hop) {
	t := c.tab.Load()
	if t == nil {
		n := c.flows
		if n == 0 {
			n = DefaultFlows
		}
		t = New(n, c.kw)
		if !c.tab.CompareAndSwap(nil, t) {
			t = c.tab.Load()
		}
	}
	if t.Install(k, gen, h) {
		c.installs.Add(1)
	}
}

// CacheStats are a cache's counters.
type CacheStats struct {
	Hits, Misses, Stale, Installs, Invalidations, Pauses uint64
}

// Stats returns the counters.
func (c *Cache) Stats() CacheStats {
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Stale: c.stale.Load(),
		Installs: c.installs.Load(), Invalidations: c.gen.Load(), Pauses: c.adm.Pauses()}
}
