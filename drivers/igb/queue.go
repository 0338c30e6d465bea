package igb

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/port"
)

// Queue is one RX/TX queue pair with its own rings, its own mbuf cache (so
// queues on different goroutines never meet at the pool's lock) and its own
// counters. RxBurst and TxBurst may run on two goroutines; each must not be
// called concurrently with itself.
type Queue struct {
	idx  int
	regs pci.Regs
	blk  queueRegs // where the pair's registers sit (a PF queue, or a VF's)

	// Receive ring: every slot holds a buffer; the device owns slots
	// [next, RDT) (mod n) and the slot at RDT, the one read last, waits
	// outside so a full ring does not look empty. tail is where RDT goes
	// at the next write: the rxHeld slots before it are refilled but not
	// yet the device's.
	rx      []rxDesc
	rxBufs  []*mbuf.Buf
	rxNext  uint32
	rxTail  uint32
	rxMask  uint32
	rxHeld  uint32 // slots refilled since the last RDT write
	rxFree  uint32 // RDT is written once rxHeld reaches this
	rxCache *mbuf.Cache
	rxFresh [rxChunk]*mbuf.Buf // RxBurst's refills, nil outside it

	// Transmit ring: [clean, next) are in flight.
	tx      []txDesc
	txBufs  []*mbuf.Buf
	txNext  uint32
	txClean uint32
	txMask  uint32
	txCache *mbuf.Cache

	// The queue's own caches, and the pool and DMA memory it accepts
	// buffers from; rxCache and txCache are these or a caller's
	// (SetRxCache, SetTxCache).
	ownRx, ownTx *mbuf.Cache
	pool         *mbuf.Pool
	dma          dma.Allocator
	pools        []*mbuf.Pool // other pools found reachable on transmit

	irq    pci.IRQ // MSI-X vector of the pair (Config.Interrupts)
	irqBit uint32  // the vector's bit in EIMS, EIMC and EICR (a PF's queue i: bit i; a VF's: bit 0)
	stats  QueueStats
}

// QueueStats are one queue's counters (all 64-bit, since attach). Dropped
// frames are counted by reason.
type QueueStats struct {
	RxPackets, RxBytes atomic.Uint64
	TxPackets, TxBytes atomic.Uint64
	RxNoMbuf           atomic.Uint64 // refill found the pool empty: frame left in the ring
	RxBadLength        atomic.Uint64 // device wrote length 0 or beyond the buffer
	RxChained          atomic.Uint64 // device wrote no EOP (frames never span buffers here)
	RxErrors           atomic.Uint64 // device flagged RXE/IPE/L4E
	TxTooLong          atomic.Uint64 // frame over one buffer or chained: dropped
	TxFull             atomic.Uint64 // TxBurst found the ring full
	TxForeign          atomic.Uint64 // buffer of a pool outside the device's DMA memory: dropped
	Interrupts         atomic.Uint64 // MSI-X interrupts Wait saw
	WaitTimeouts       atomic.Uint64 // Waits that ended by their timeout
	IRQLate            atomic.Uint64 // of those, how many found a received frame waiting: its interrupt was lost or late
}

// Stats returns the queue's counters.
func (q *Queue) Stats() *QueueStats { return &q.stats }

// Index is the queue's number.
func (q *Queue) Index() int { return q.idx }

// ringSpec is what setupQueue needs to build one queue pair: where its
// registers are, ring sizes, and the pool and DMA memory it lives in.
type ringSpec struct {
	regs   pci.Regs
	dma    dma.Allocator
	pool   *mbuf.Pool
	idx    int
	blk    queueRegs
	rx, tx int
	opErr  func(op string, err error, fix string) error
}

// newQueue sets up the device's queue pair i (its registers at 0xC000 and
// 0xE000 + 0x40i) and keeps its ring memory for Close.
func (d *Device) newQueue(i int) (*Queue, error) {
	q, rg, err := setupQueue(ringSpec{regs: d.regs, dma: d.f.DMA(), pool: d.cfg.Pool, idx: i, blk: pfQueueRegs(i),
		rx: d.cfg.RxRing, tx: d.cfg.TxRing, opErr: d.opErr})
	if rg.Mem != nil {
		d.rings = append(d.rings, rg)
	}
	return q, err
}

// setupQueue sets up one RX/TX queue pair (§4.5.9 receive, §4.5.10
// transmit initialization): rings in DMA memory, base/length/head/tail,
// SRRCTL for 2 KiB advanced one-buffer descriptors with drop-when-empty,
// the ring filled from the pool, then RXDCTL/TXDCTL.ENABLE polled until
// set. The register block is the PF's queue i or a VF's queue (the VF
// register map repeats the same block at another offset: vfregs.go). The returned region
// is the rings' memory (freed by the owner after stop), also on error.
func setupQueue(sp ringSpec) (*Queue, dma.Region, error) {
	r := sp.regs
	i := sp.idx
	nrx, ntx := sp.rx, sp.tx
	rg, err := sp.dma.Alloc((nrx+ntx)*descSize, 128)
	if err != nil {
		return nil, dma.Region{}, sp.opErr("queue", err, "the DMA memory is too small for the rings")
	}
	clear(rg.Mem)
	q := &Queue{
		idx: i, regs: r, blk: sp.blk,
		rx: rxRing(rg.Mem, nrx), rxBufs: make([]*mbuf.Buf, nrx), rxMask: uint32(nrx - 1), rxFree: uint32(nrx / 4),
		tx: txRing(rg.Mem[nrx*descSize:], ntx), txBufs: make([]*mbuf.Buf, ntx), txMask: uint32(ntx - 1),
		ownRx: sp.pool.NewCache(queueCache),
		ownTx: sp.pool.NewCache(queueCache),
		pool:  sp.pool, dma: sp.dma,
	}
	q.rxCache, q.txCache = q.ownRx, q.ownTx
	rxBase, txBase := rg.IOVA, rg.IOVA+uint64(nrx*descSize)
	b := sp.blk

	r.Write32(b.rxReg(regRXDCTL), 0)
	r.Write32(b.rxReg(regRDBAL), uint32(rxBase))
	r.Write32(b.rxReg(regRDBAH), uint32(rxBase>>32))
	r.Write32(b.rxReg(regRDLEN), uint32(nrx*descSize))
	r.Write32(b.rxReg(regSRRCTL), (mbuf.DataRoom/1024)*srrctlBSIZE1K|srrctlAdvOneBuf|srrctlDropEn)
	r.Write32(b.rxReg(regRDH), 0)
	r.Write32(b.rxReg(regRDT), 0)
	// Every slot holds a buffer; the device owns [RDH, RDT) and the slot
	// at RDT, the last one the driver handed back, waits outside.
	// The ring is filled from the pool in one batch (a ring can be larger
	// than a cache holds); refills come from the cache.
	if got := sp.pool.Alloc(q.rxBufs); got < nrx {
		sp.pool.Free(q.rxBufs[:got])
		clear(q.rxBufs)
		return q, rg, sp.opErr("queue", ErrConfig, fmt.Sprintf("the pool has %d free buffers, queue %d needs %d for its receive ring", got, i, nrx))
	}
	for s, b := range q.rxBufs {
		q.rx[s].give(b.RoomIOVA())
	}
	q.rxTail = uint32(nrx - 1)
	r.Write32(b.rxReg(regRXDCTL), xdctlEnable)
	if err := waitEnable(r, b.rxReg(regRXDCTL), sp.opErr); err != nil {
		return q, rg, err
	}
	r.Write32(b.rxReg(regRDT), q.rxTail)

	r.Write32(b.txReg(regTXDCTL), 0)
	r.Write32(b.txReg(regTDBAL), uint32(txBase))
	r.Write32(b.txReg(regTDBAH), uint32(txBase>>32))
	r.Write32(b.txReg(regTDLEN), uint32(ntx*descSize))
	r.Write32(b.txReg(regTDH), 0)
	r.Write32(b.txReg(regTDT), 0)
	r.Write32(b.txReg(regTXDCTL), xdctlEnable)
	if err := waitEnable(r, b.txReg(regTXDCTL), sp.opErr); err != nil {
		return q, rg, err
	}
	return q, rg, nil
}

func waitEnable(r pci.Regs, reg uint32, opErr func(string, error, string) error) error {
	deadline := time.Now().Add(time.Second)
	for r.Read32(reg)&xdctlEnable == 0 {
		if time.Now().After(deadline) {
			return opErr("queue", ErrQueueEnable, "")
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}

// RxBurst fills bufs with received frames and returns how many; the caller
// owns them. Each frame's Meta.Hash and Meta.HashType carry the device's RSS
// hash and type. A slot is handed back to the device only when a fresh
// buffer replaces it; with the pool empty the frame waits in the ring
// (RxNoMbuf). Malformed write-backs are counted and their buffers reused.
//
// Refilled slots go back to the device in batches of a quarter of the ring,
// one RDT write each (as DPDK's rx_free_thresh and the em path's RxRefill
// do): a register write is the costly part of a small burst (a trap into
// the hypervisor under emulation, a posted PCIe write on hardware), and the
// device keeps the other three quarters meanwhile.
func (q *Queue) RxBurst(bufs []*mbuf.Buf) int {
	// An empty ring costs one load: polling loops call this far more
	// often than frames come.
	if len(bufs) == 0 || !q.rx[q.rxNext].ready() {
		return 0
	}
	n := 0
	var bytes uint64
	fresh := &q.rxFresh // entries are nil between bursts
	for n < len(bufs) {
		// Count the write-backs ready (up to a chunk), then take that
		// many fresh buffers from the cache in one call.
		want := min(len(bufs)-n, rxChunk)
		k := 0
		for k < want && q.rx[(q.rxNext+uint32(k))&q.rxMask].ready() {
			k++
		}
		if k == 0 {
			break
		}
		got := q.rxCache.Alloc(fresh[:k])
		used := 0
		for range k {
			s := q.rxNext
			wb := q.rx[s].load()
			v, ln, ht := wb.check(mbuf.DataRoom)
			b := q.rxBufs[s]
			if v != rxOK {
				switch v {
				case rxBadLength:
					q.stats.RxBadLength.Add(1)
				case rxChained:
					q.stats.RxChained.Add(1)
				default:
					q.stats.RxErrors.Add(1)
				}
				q.rx[s].give(b.RoomIOVA()) // same buffer back to the device
			} else {
				if used == got {
					q.stats.RxNoMbuf.Add(1)
					break
				}
				f := fresh[used]
				fresh[used] = nil
				used++
				b.Reset()
				b.SetLen(ln) // ln <= DataRoom was checked
				b.Meta.Hash = wb.hash
				b.Meta.HashType = uint8(ht)
				if wb.staterr&rxStatVP != 0 {
					b.Meta.Flags |= mbuf.FlagVLAN
					b.Meta.VLAN = uint16(wb.lenVLAN >> 16)
				}
				bufs[n] = b
				n++
				bytes += uint64(ln)
				q.rxBufs[s] = f
				q.rx[s].give(f.RoomIOVA())
			}
			// Slot s holds a fresh buffer: it becomes the new tail (RDT),
			// and the slot it held back before goes to the device.
			q.rxTail = s
			q.rxNext = (s + 1) & q.rxMask
			q.rxHeld++
		}
		if used < got {
			q.rxCache.Free(fresh[used:got]) // bad write-backs kept their buffers
		}
		if used == got && got < k {
			break // the pool ran dry
		}
	}
	if q.rxHeld >= q.rxFree {
		q.regs.Write32(q.blk.rxReg(regRDT), q.rxTail)
		q.rxHeld = 0
	}
	if n > 0 {
		q.stats.RxPackets.Add(uint64(n))
		q.stats.RxBytes.Add(bytes)
	}
	return n
}

// TxBurst queues bufs for transmission and returns how many it took (the
// queue owns those now); the rest stay the caller's. Completed buffers go
// back to the queue's cache first. Frames over one buffer are taken and
// dropped (TxTooLong).
func (q *Queue) TxBurst(bufs []*mbuf.Buf) int {
	q.clean()
	t := q.txNext
	taken := 0
	var bytes uint64
	for _, b := range bufs {
		if (t+1)&q.txMask == q.txClean {
			q.stats.TxFull.Add(1)
			break
		}
		taken++
		if p := b.Pool(); p != q.pool && !q.reachable(p) {
			q.stats.TxForeign.Add(1)
			b.Free()
			continue
		}
		if b.Next() != nil || b.Len() == 0 || b.Len() > mbuf.DataRoom {
			q.stats.TxTooLong.Add(1)
			b.Free()
			continue
		}
		q.tx[t].set(b.IOVA(), b.Len())
		q.txBufs[t] = b
		bytes += uint64(b.Len())
		t = (t + 1) & q.txMask
	}
	if t != q.txNext {
		q.stats.TxPackets.Add(uint64((t - q.txNext) & q.txMask))
		q.stats.TxBytes.Add(bytes)
		q.txNext = t
		q.regs.Write32(q.blk.txReg(regTDT), t) // the store orders the descriptor writes before it
	}
	return taken
}

// reachable reports whether the device can reach p's buffers (hw/port
// "Memory a device can reach"): p's memory came from the device's DMA
// allocator. The answer is remembered per pool, so it costs a scan of a
// short slice after the first time.
func (q *Queue) reachable(p *mbuf.Pool) bool {
	for _, x := range q.pools {
		if x == p {
			return true
		}
	}
	if p == nil || !p.From(q.dma) {
		return false
	}
	q.pools = append(q.pools, p)
	return true
}

// SetRxCache implements port.CacheUser: receive refills allocate from c
// (nil: the queue's own cache). Call it from the goroutine that calls
// RxBurst, or before it starts. A cache of another pool than the
// Config.Pool is refused with port.ErrForeignCache.
func (q *Queue) SetRxCache(c *mbuf.Cache) error {
	if c == nil {
		q.rxCache = q.ownRx
		return nil
	}
	if c.Pool() != q.pool {
		return &OpError{Op: "set rx cache", Err: port.ErrForeignCache, Fix: "pass a cache made with NewCache on the pool given in Config.Pool"}
	}
	q.rxCache = c
	return nil
}

// SetTxCache implements port.CacheUser: completed transmit buffers are
// freed into c (nil: the queue's own cache). Call it from the goroutine
// that calls TxBurst, or before it starts.
func (q *Queue) SetTxCache(c *mbuf.Cache) error {
	if c == nil {
		q.txCache = q.ownTx
		return nil
	}
	if c.Pool() != q.pool {
		return &OpError{Op: "set tx cache", Err: port.ErrForeignCache, Fix: "pass a cache made with NewCache on the pool given in Config.Pool"}
	}
	q.txCache = c
	return nil
}

// clean frees the buffers of descriptors the device reports done, in
// order, stopping at the first not done. The done run is freed straight out
// of the ring's buffer slice (at most two pieces when it wraps): the cache
// clears the entries it takes.
func (q *Queue) clean() {
	c, end := q.txClean, q.txClean
	for end != q.txNext && q.tx[end].done() {
		end = (end + 1) & q.txMask
	}
	if end == c {
		return
	}
	if end < c {
		q.txCache.Free(q.txBufs[c:])
		c = 0
	}
	q.txCache.Free(q.txBufs[c:end])
	q.txClean = end
}

// InFlight is the number of frames the TX ring holds.
func (q *Queue) InFlight() int {
	q.clean()
	return int((q.txNext - q.txClean) & q.txMask)
}

// stop disables the queue's RX and TX and waits briefly for it.
func (q *Queue) stop() {
	q.regs.Write32(q.blk.rxReg(regRXDCTL), 0)
	q.regs.Write32(q.blk.txReg(regTXDCTL), 0)
}

// release returns every buffer the rings hold and the caches to the pool.
func (q *Queue) release() {
	for i, b := range q.rxBufs {
		if b != nil {
			b.Free()
			q.rxBufs[i] = nil
		}
	}
	for i, b := range q.txBufs {
		if b != nil {
			b.Free()
			q.txBufs[i] = nil
		}
	}
	// Only the queue's own caches: a caller's cache is the caller's to
	// flush, on its own goroutine.
	q.ownRx.Flush()
	q.ownTx.Flush()
	q.rxCache, q.txCache = q.ownRx, q.ownTx
}

// rxChunk is how many fresh buffers RxBurst takes from the cache at a time.
const rxChunk = 32

// queueCache is the size of each queue's own mbuf caches: receive refill
// takes a batch of it from the pool at a time, completions spill above
// twice it.
const queueCache = 64
