package e1000

import (
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
)

// Transmit path (SDM §3.3 "Packet Transmission", §3.3.3 legacy descriptors,
// §3.3.5-3.3.7 context and data descriptors for checksum offload and TCP
// segmentation).
//
// Ring ownership: descriptors [clean, tail) belong to the device. A packet
// takes one descriptor per mbuf segment plus a context descriptor when its
// offload parameters differ from the last context written (the device keeps
// the last context, SDM §3.3.6). Report Status (RS) is set on the last
// descriptor of each burst and at least every txRSInterval descriptors; a
// FIFO remembers where, and cleaning frees everything up to an RS descriptor
// whose DD came back. TDT is written once per burst; TDH is never read.

const (
	txRSInterval = 32 // descriptors between RS bits
	txCleanBelow = 64 // clean when fewer free descriptors than this
	maxTxSegs    = 32 // segments of one packet (a 64 KiB TSO chain)
	maxTxLen     = 65535
	maxTxFrame   = MaxMTU + ethOverhead
	txCacheSize  = 64 // the TX queue's mbuf cache (see init.go)
)

// txSlowFlags are the metadata flags that take a packet off the one-
// descriptor fast path.
const txSlowFlags = mbuf.FlagTxIPCsum | mbuf.FlagTxL4Csum | mbuf.FlagTxTSO | mbuf.FlagVLAN

// txCtx is the offload context last written to the device.
type txCtx struct {
	valid          bool
	tso, udp, ipv4 bool
	ipcs, l4cs     bool
	l2, l3, l4     uint8
	mss            uint16
	paylen         uint32
}

type txQueue struct {
	regs    pci.Regs
	ring    []txDesc
	bufs    []*mbuf.Buf // packet head at its EOP slot
	mask    uint32
	tail    uint32
	clean   uint32
	rs      []uint32 // FIFO of slots carrying RS
	rsHd    int
	rsN     int
	sinceRS int
	cache   *mbuf.Cache // where completed buffers go: own, or the caller's (SetTxCache)
	own     *mbuf.Cache
	// pool is Config.Pool and alt the last other pool found reachable:
	// the fast path accepts a buffer after one pointer compare (two for
	// alt); any other pool goes to txSlow, which asks reaches.
	pool, alt *mbuf.Pool
	dma       dma.Allocator // the device's (pci.Function.DMA)
	trash     []*mbuf.Buf
	ctx       txCtx
	vlan      bool

	resetReq atomic.Bool   // set by Service on a hang, honoured by TxBurst
	progress atomic.Uint64 // descriptors cleaned, for hang detection
	busy     atomic.Bool   // the device holds descriptors
	oldest   atomic.Uint32 // oldest RS slot (for Service's DD check)

	packets, octets atomic.Uint64
	dropped         atomic.Uint64 // malformed requests and ring resets
	foreign         atomic.Uint64 // buffers from memory the device cannot reach
	resets          atomic.Uint64
}

func (q *txQueue) init(regs pci.Regs, mem []byte, n int, cache *mbuf.Cache, a dma.Allocator) {
	q.regs = regs
	q.ring = txRing(mem, n)
	clear(mem[:n*descSize])
	q.bufs = make([]*mbuf.Buf, n)
	q.mask = uint32(n - 1)
	q.tail, q.clean = 0, 0
	q.rs = make([]uint32, n)
	q.rsHd, q.rsN, q.sinceRS = 0, 0, 0
	q.cache, q.own = cache, cache
	q.pool, q.alt, q.dma = cache.Pool(), nil, a
	q.trash = make([]*mbuf.Buf, n)
	q.ctx = txCtx{}
}

func (q *txQueue) free() uint32 { return (q.clean - q.tail - 1) & q.mask }

// reap frees packets whose descriptors the device has finished, oldest
// first, one RS group at a time, until at least want descriptors came back
// or no finished group is left (want 0: all of them). Only RS descriptors
// are read (the device writes DD nowhere else), and the freed range goes to
// the cache in one Free per contiguous run of the ring: Free skips the nil
// slots of context descriptors and non-final segments and clears the
// others, which leaves q.bufs nil outside [clean, tail).
//
// Reaping only what the next burst needs keeps the cache balanced: a sender
// allocating 32 buffers per burst gets about 32 back per burst, as DPDK's
// drivers free a slot's old mbuf when they reuse it. Reaping the whole ring
// at once would overflow the cache into the pool every time (an emulated
// device finishes every descriptor as soon as the tail moves).
func (q *txQueue) reap(want uint32) {
	end := q.clean
	for q.rsN > 0 {
		slot := q.rs[q.rsHd]
		if q.ring[slot].loadHi()&txStatDD == 0 {
			break
		}
		end = (slot + 1) & q.mask
		q.rsHd = (q.rsHd + 1) & int(q.mask)
		q.rsN--
		if want != 0 && (end-q.clean)&q.mask >= want {
			break
		}
	}
	if c := q.clean; end != c {
		q.progress.Add(uint64((end - c) & q.mask))
		if end > c {
			q.cache.Free(q.bufs[c:end])
		} else {
			q.cache.Free(q.bufs[c:])
			if end > 0 {
				q.cache.Free(q.bufs[:end])
			}
		}
		q.clean = end
	}
	if q.rsN > 0 {
		q.oldest.Store(q.rs[q.rsHd])
	}
	q.busy.Store(q.clean != q.tail)
}

func (q *txQueue) markRS(slot uint32) {
	q.ring[slot].lo |= txCmdRS << 24
	q.rs[(q.rsHd+q.rsN)&int(q.mask)] = slot
	q.rsN++
	q.sinceRS = 0
}

// ctxFor derives the context a packet needs; ok is false when it needs none.
func ctxFor(b *mbuf.Buf) (c txCtx, need bool) {
	m := &b.Meta
	f := m.Flags
	if f&(mbuf.FlagTxIPCsum|mbuf.FlagTxL4Csum|mbuf.FlagTxTSO) == 0 {
		return c, false
	}
	c = txCtx{
		valid: true,
		tso:   f&mbuf.FlagTxTSO != 0,
		udp:   f&mbuf.FlagTxUDP != 0,
		ipcs:  f&mbuf.FlagTxIPCsum != 0,
		l4cs:  f&(mbuf.FlagTxL4Csum|mbuf.FlagTxTSO) != 0,
		ipv4:  f&mbuf.FlagTxIPCsum != 0 || etherType(b, m.L2Len) == 0x0800,
		l2:    m.L2Len,
		l3:    m.L3Len,
		l4:    m.L4Len,
	}
	if c.tso {
		c.mss = m.MSS
		c.paylen = uint32(b.PktLen() - int(m.L2Len) - int(m.L3Len) - int(m.L4Len))
	}
	return c, true
}

// etherType reads the EtherType that ends the L2 header (0 when short).
func etherType(b *mbuf.Buf, l2 uint8) uint16 {
	p := b.Bytes()
	if l2 < 14 || int(l2) > len(p) {
		return 0
	}
	return uint16(p[l2-2])<<8 | uint16(p[l2-1])
}

// validCtx rejects offload requests the device would mis-handle.
func validCtx(c txCtx, pktLen int) bool {
	if c.l2 < 14 || c.l3 < 20 {
		return false
	}
	hdr := int(c.l2) + int(c.l3) + int(c.l4)
	if c.tso {
		return !c.udp && c.l4 >= 20 && c.mss >= 8 && hdr < pktLen && hdr+int(c.mss) <= maxTxFrame && c.paylen > 0
	}
	if c.l4cs {
		return (c.udp && c.l4 >= 8 || !c.udp && c.l4 >= 20) && hdr <= pktLen
	}
	return int(c.l2)+int(c.l3) <= pktLen
}

// writeCtx fills a TCP/IP context descriptor (SDM §3.3.6 table 3-11).
func (q *txQueue) writeCtx(slot uint32, c txCtx) {
	ipcss := uint64(c.l2)
	ipcso := ipcss + 10 // IPv4 header checksum field
	ipcse := ipcss + uint64(c.l3) - 1
	tucss := ipcss + uint64(c.l3)
	tucso := tucss + 16 // TCP checksum field
	if c.udp {
		tucso = tucss + 6
	}
	if !c.ipv4 {
		ipcse, ipcso = 0, 0
	}
	d := &q.ring[slot]
	d.addr = ipcss | ipcso<<8 | ipcse<<16 | tucss<<32 | tucso<<40 // TUCSE 0: to the end
	tucmd := uint32(tucmdDEXT)
	if !c.udp {
		tucmd |= tucmdTCP
	}
	if c.ipv4 {
		tucmd |= tucmdIP
	}
	hdr := uint32(0)
	if c.tso {
		tucmd |= tucmdTSE
		hdr = uint32(c.l2) + uint32(c.l3) + uint32(c.l4)
	}
	d.lo = c.paylen&0xfffff | dtypContext | tucmd<<24
	d.hi = hdr<<8 | uint32(c.mss)<<16
	q.bufs[slot] = nil
}

// reaches reports whether the device can DMA from p's memory: Config.Pool,
// or a pool whose memory came from the device's DMA allocator
// (mbuf.Pool.From; remembered in alt, so a second pool in use costs the
// fast path one more compare, not a trip here).
func (q *txQueue) reaches(p *mbuf.Pool) bool {
	if p == q.pool || p == q.alt {
		return true
	}
	if p != nil && p.From(q.dma) {
		q.alt = p
		return true
	}
	return false
}

// TxBurst implements port.Port: it queues bufs[:n] and returns n; the device
// owns those buffers until their descriptors come back, after which they
// return to their pool. A packet the device cannot send as asked (too many
// segments, too long, inconsistent offload lengths) is accepted, freed and
// counted in TxDropped. A packet with a segment from a pool the device
// cannot reach (memory not from its DMA allocator: its IOVAs would fault in
// the IOMMU, or hit another domain's memory) never reaches a descriptor: it
// is accepted, freed and counted in TxForeign. One TDT write per call.
func (d *Device) TxBurst(bufs []*mbuf.Buf) int {
	q := &d.tx
	if q.resetReq.Load() {
		d.resetTx()
	}
	free := q.free()
	if free < txCleanBelow {
		q.reap(uint32(len(bufs))) // an empty burst reaps everything
		free = q.free()
	}
	// The fast path keeps the ring state in locals and addresses the
	// descriptor and buffer rings by pointer arithmetic: tail is always
	// masked by q.mask == len(q.ring)-1 == len(q.bufs)-1 (init), so every
	// slot is in bounds without a per-packet check. Each run writes at most
	// free descriptors and stops at the first packet that is not one plain
	// in-range segment; txSlow takes that one (it also drops bad lengths),
	// working on q's fields, so the locals are written back around it.
	ring := unsafe.Pointer(unsafe.SliceData(q.ring))
	sw := unsafe.Pointer(unsafe.SliceData(q.bufs))
	mask, tail, since := q.mask, q.tail, q.sinceRS
	pool, alt := q.pool, q.alt
	var octets, dropped, foreign uint64
	wrote := false
	i := 0
	for i < len(bufs) {
		if free == 0 {
			q.tail, q.sinceRS = tail, since
			q.reap(uint32(len(bufs) - i))
			if free = q.free(); free == 0 {
				break
			}
		}
		run := bufs[i:min(len(bufs), i+int(free))]
		k := 0
		for _, b := range run {
			// The common case: one segment, no offload, no tag, a
			// valid length, a pool the device reaches: one legacy
			// descriptor (SDM §3.3.3).
			plen := uint32(b.Len())
			if b.Next() != nil || b.Meta.Flags&txSlowFlags != 0 || plen-1 >= maxTxFrame || b.Pool() != pool && b.Pool() != alt {
				break
			}
			desc := (*txDesc)(unsafe.Add(ring, uintptr(tail)*descSize))
			desc.addr = b.IOVA()
			// lo and hi in one store: length, IFCS|EOP, status 0.
			*(*uint64)(unsafe.Pointer(&desc.lo)) = uint64((txCmdIFCS|txCmdEOP)<<24 | plen)
			*(**mbuf.Buf)(unsafe.Add(sw, uintptr(tail)*unsafe.Sizeof(b))) = b
			tail = (tail + 1) & mask
			octets += uint64(plen)
			k++
		}
		if k > 0 {
			i += k
			free -= uint32(k)
			wrote = true
			// RS on every txRSInterval-th descriptor of the run.
			slot := (tail - uint32(k)) & mask
			for since+k >= txRSInterval {
				step := txRSInterval - since
				q.markRS((slot + uint32(step) - 1) & mask)
				slot = (slot + uint32(step)) & mask
				k -= step
				since = 0
			}
			since += k
		}
		if i < len(bufs) && k < len(run) {
			q.tail, q.sinceRS = tail, since
			n, res := q.txSlow(bufs[i])
			if res == txFull {
				break
			}
			i++
			switch res {
			case txDropped:
				dropped++
			case txForeign:
				foreign++
			default:
				octets += n
				wrote = true
			}
			tail, since, free = q.tail, q.sinceRS, q.free()
			alt = q.alt
		}
	}
	q.tail, q.sinceRS = tail, since
	if wrote {
		if since > 0 {
			q.markRS((tail - 1) & mask)
		}
		q.oldest.Store(q.rs[q.rsHd])
		q.busy.Store(true)
		q.regs.Write32(regTDT, tail)
		q.packets.Add(uint64(i) - dropped - foreign)
		q.octets.Add(octets)
	}
	if dropped > 0 {
		q.dropped.Add(dropped)
	}
	if foreign > 0 {
		q.foreign.Add(foreign)
	}
	return i
}

// SetTxCache implements port.CacheUser: completed TX buffers are freed into
// c (nil: the queue's own cache). Call it from the goroutine that calls
// TxBurst, which must be the only user of c.
func (d *Device) SetTxCache(c *mbuf.Cache) error {
	return d.useCache("set tx cache", &d.tx.cache, d.tx.own, c)
}

// txSlow verdicts.
const (
	txQueued  = iota // written to the ring
	txDropped        // malformed: freed, to be counted in TxDropped
	txForeign        // a segment the device cannot reach: freed, counted in TxForeign
	txFull           // no room: the packet stays the caller's
)

// txSlow queues a packet that needs more than one legacy descriptor: a
// chain, an offload context (SDM §3.3.6-3.3.7) or a VLAN tag. It reports
// the packet's bytes and whether it was queued, dropped or did not fit.
func (q *txQueue) txSlow(b *mbuf.Buf) (uint64, int) {
	for s := b; s != nil; s = s.Next() {
		if !q.reaches(s.Pool()) {
			b.Free()
			return 0, txForeign
		}
	}
	segs := b.Segs()
	plen := b.PktLen()
	c, needCtx := ctxFor(b)
	bad := segs > maxTxSegs || plen == 0 || plen > maxTxLen ||
		(needCtx && !validCtx(c, plen)) || (!c.tso && plen > maxTxFrame)
	if bad {
		b.Free()
		return 0, txDropped
	}
	need := uint32(segs)
	writeCtx := needCtx && c != q.ctx
	if writeCtx {
		need++
	}
	if need > q.free() {
		q.reap(need)
		if need > q.free() {
			return 0, txFull
		}
	}
	slot := q.tail
	if writeCtx {
		q.writeCtx(slot, c)
		q.ctx = c
		slot = (slot + 1) & q.mask
		q.sinceRS++
	}
	vlan := q.vlan && b.Meta.Flags&mbuf.FlagVLAN != 0
	var cmd, hi, last uint32
	if needCtx {
		cmd = txCmdDEXT | txCmdIFCS
		lo := uint32(dtypData)
		if c.tso {
			cmd |= txCmdTSE
		}
		popts := uint32(0)
		if c.ipcs || c.tso && c.ipv4 {
			popts |= poptsIXSM
		}
		if c.l4cs {
			popts |= poptsTXSM
		}
		hi = popts << 8
		cmd = cmd<<24 | lo
	} else {
		cmd = txCmdIFCS << 24
	}
	if vlan {
		cmd |= txCmdVLE << 24
		hi |= uint32(b.Meta.VLAN) << 16
	}
	for s := b; s != nil; s = s.Next() {
		desc := &q.ring[slot]
		desc.addr = s.IOVA()
		lo := cmd | uint32(s.Len())
		if s.Next() == nil {
			lo |= txCmdEOP << 24
		}
		desc.lo = lo
		desc.hi = hi
		q.bufs[slot] = nil
		last = slot
		slot = (slot + 1) & q.mask
		q.sinceRS++
	}
	q.bufs[last] = b
	q.tail = slot
	if q.sinceRS >= txRSInterval {
		q.markRS(last)
	}
	return uint64(plen), txQueued
}

// release frees every buffer the ring holds (the device must be quiesced)
// through the queue's own cache, never a caller's: Close may run on another
// goroutine than the one that owns a shared cache.
func (q *txQueue) release() {
	if q.own == nil {
		return
	}
	nt := 0
	for i, b := range q.bufs {
		if b != nil {
			q.trash[nt] = b
			nt++
			q.bufs[i] = nil
		}
	}
	q.dropped.Add(uint64(nt))
	q.own.Free(q.trash[:nt])
	q.own.Flush()
	q.tail, q.clean, q.rsHd, q.rsN, q.sinceRS = 0, 0, 0, 0, 0
	q.ctx = txCtx{}
	q.busy.Store(false)
}

// Drain waits up to timeout for the device to finish every queued packet,
// returning their buffers to the pool, and reports whether it did. It is for
// the TX goroutine (before a clean stop, or to measure completion).
func (d *Device) Drain(timeout time.Duration) bool {
	q := &d.tx
	deadline := time.Now().Add(timeout)
	for {
		q.reap(0)
		if q.clean == q.tail {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Microsecond)
	}
}
