package e1000

import (
	"sync/atomic"
	"unsafe"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
	"github.com/gopkt/gopkt/hw/port"
)

// Receive path (SDM §3.2 "Receive and Pre-Filtering", §3.2.6 "Receive
// Descriptor Queue Structure").
//
// Ring ownership: descriptors [next, tail) belong to the device; [tail, next)
// belong to the driver, one slot always kept empty so that RDH == RDT means
// "no descriptors" to the device. The driver writes RDT (= tail) once per
// refill batch and never reads RDH: it learns progress from the DD bits the
// device writes back.
//
// Distrust: the driver never uses the buffer address from a descriptor (it
// remembers its own mbuf per slot), clears the status of every descriptor it
// takes back so that a DD written later onto a slot the device does not own
// is seen at refill time, and checks each length against the 2048-byte buffer
// and each frame against the MTU. Bad descriptors are counted and dropped.

// rxRefillMin is the smallest default refill batch (Config.RxRefill).
const rxRefillMin = 32

// maxRxSegs bounds a chain: 9022 bytes in 2048-byte buffers.
const maxRxSegs = (MaxMTU + ethOverhead + mbuf.DataRoom - 1) / mbuf.DataRoom

type rxQueue struct {
	regs  pci.Regs
	ring  []rxDesc
	bufs  []*mbuf.Buf // the buffer of each slot; meaningful in [next, tail) only
	mask  uint32
	next  uint32      // oldest slot owned by the device
	tail  uint32      // first slot owned by the driver (the RDT value)
	cache *mbuf.Cache // refills come from here: own, or the caller's (SetRxCache)
	own   *mbuf.Cache
	trash []*mbuf.Buf // dropped buffers, freed once per burst
	ntr   int

	// Frame being assembled across descriptors (and across bursts).
	head, last *mbuf.Buf
	bytes      int
	segs       int
	discard    bool // dropping segments until EOP

	maxFrame atomic.Int32
	refillAt uint32 // free slots that trigger a refill
	vlan     bool
	csum     bool
	portIdx  uint16

	// Counters, added once per burst.
	packets, octets atomic.Uint64
	errors          atomic.Uint64 // frames with error bits (CE, SE, SEQ, CXE, RXE)
	badLen          atomic.Uint64 // descriptor length beyond the buffer or zero
	rogueDD         atomic.Uint64 // DD on a descriptor the device did not own
	tooLong         atomic.Uint64 // frame longer than the MTU allows
	badChain        atomic.Uint64 // short descriptor without EOP (lost EOP)
	runts           atomic.Uint64 // frame shorter than an Ethernet header
	noMbuf          atomic.Uint64 // refill found the pool empty
	overruns        atomic.Uint64 // ICR.RXO seen (interrupt modes)
}

func (q *rxQueue) init(regs pci.Regs, mem []byte, n int, cache *mbuf.Cache) {
	q.regs = regs
	q.ring = rxRing(mem, n)
	q.bufs = make([]*mbuf.Buf, n)
	q.mask = uint32(n - 1)
	q.next, q.tail = 0, 0
	q.cache, q.own = cache, cache
	q.trash = make([]*mbuf.Buf, 2*n)
}

// free is the number of driver-owned slots that may be refilled.
func (q *rxQueue) free() uint32 { return (q.next - q.tail - 1) & q.mask }

// refill gives the device fresh buffers for every free slot it can and writes
// RDT once (SDM §3.2.6: software adds descriptors by advancing the tail).
// The cache allocates straight into the ring's buffer slots (the free run
// [tail, tail+want) wraps at most once), so a refilled buffer costs one
// pointer copy and one descriptor write.
func (q *rxQueue) refill() {
	want := q.free()
	if want == 0 {
		return
	}
	t := q.tail
	first := min(want, uint32(len(q.bufs))-t)
	got := uint32(q.cache.Alloc(q.bufs[t : t+first]))
	if got == first && first < want {
		got += uint32(q.cache.Alloc(q.bufs[:want-first]))
	}
	if got < want {
		q.noMbuf.Add(uint64(want - got))
	}
	if got == 0 {
		return
	}
	ring := unsafe.Pointer(unsafe.SliceData(q.ring))
	sw := unsafe.Pointer(unsafe.SliceData(q.bufs))
	mask := q.mask
	rogue := 0
	for range got {
		// t stays masked by q.mask == len(q.ring)-1 == len(q.bufs)-1.
		d := (*rxDesc)(unsafe.Add(ring, uintptr(t)*descSize))
		if d.loadStat()&rxStatDD != 0 {
			rogue++
		}
		b := *(**mbuf.Buf)(unsafe.Add(sw, uintptr(t)*unsafe.Sizeof(sw)))
		d.give(b.RoomIOVA())
		t = (t + 1) & mask
	}
	if rogue != 0 {
		q.rogueDD.Add(uint64(rogue))
	}
	q.tail = t
	q.regs.Write32(regRDT, t)
}

// drop queues b (a segment or a chain) for freeing at the end of the burst.
func (q *rxQueue) drop(b *mbuf.Buf) {
	if q.ntr == len(q.trash) {
		q.cache.Free(q.trash[:q.ntr])
		q.ntr = 0
	}
	q.trash[q.ntr] = b
	q.ntr++
}

// dropFrame discards the frame in assembly.
func (q *rxQueue) dropFrame() {
	if q.head != nil {
		q.drop(q.head)
	}
	q.head, q.last, q.bytes, q.segs = nil, nil, 0, 0
}

// SetRxCache implements port.CacheUser: RX refills allocate from c (nil:
// the queue's own cache). Call it from the goroutine that calls RxBurst,
// which must be the only user of c.
func (d *Device) SetRxCache(c *mbuf.Cache) error {
	return d.useCache("set rx cache", &d.rx.cache, d.rx.own, c)
}

// useCache points *slot at c, or at own when c is nil, refusing a cache of
// another pool (its buffers may not be mapped for this device).
func (d *Device) useCache(op string, slot **mbuf.Cache, own, c *mbuf.Cache) error {
	if c == nil {
		c = own
	}
	if c.Pool() != own.Pool() {
		return d.opErr(op, port.ErrForeignCache, "pass a cache made with NewCache on the pool given in Config.Pool")
	}
	*slot = c
	return nil
}

// RxBurst implements port.Port: it fills bufs with received frames (chains
// for frames longer than one buffer) and returns how many. The caller owns
// them. It allocates nothing, touches one register at most (RDT, when a
// refill batch is due) and never reads packet bytes: under emulation the
// first touch of each buffer costs a software TLB fill, so the
// broadcast/multicast flags are left to the layer that parses the header.
func (d *Device) RxBurst(bufs []*mbuf.Buf) int {
	q := &d.rx
	maxFrame := int(q.maxFrame.Load())
	// A frame in one descriptor with EOP, no frame error and a length from
	// an Ethernet header to fastMax takes the fast path when no chain is in
	// assembly; everything else goes through rxSlow, which applies every
	// check in order.
	fastMax := uint32(min(maxFrame, mbuf.DataRoom))
	ring := unsafe.Pointer(unsafe.SliceData(q.ring))
	sw := unsafe.Pointer(unsafe.SliceData(q.bufs))
	mask, next, tail := q.mask, q.next, q.tail
	portIdx, meta := q.portIdx, q.vlan || q.csum
	n := 0
	var octets uint64
	var bad rxBad
	for n < len(bufs) && next != tail {
		// next stays masked by q.mask == len(q.ring)-1 == len(q.bufs)-1.
		desc := (*rxDesc)(unsafe.Add(ring, uintptr(next)*descSize))
		st := desc.loadStat()
		if st&rxStatDD == 0 {
			break
		}
		ln := uint32(uint16(desc.loadLen()))
		desc.take() // a later DD here is rogue
		// The slot's buffer; the slot is stale from now on.
		b := *(**mbuf.Buf)(unsafe.Add(sw, uintptr(next)*unsafe.Sizeof(sw)))
		next = (next + 1) & mask
		h := b
		if st&(rxStatEOP|rxErrFrame<<8) != rxStatEOP || ln < 14 || ln > fastMax || q.head != nil || q.discard {
			var total int
			if h, total = q.rxSlow(b, st, int(ln), maxFrame, &bad); h == nil {
				continue
			}
			ln = uint32(total)
		} else {
			_ = b.SetLen(int(ln)) // ln is within the data room
		}
		h.Meta.Port = portIdx
		if meta {
			q.rxMeta(&h.Meta, st)
		}
		bufs[n] = h
		n++
		octets += uint64(ln)
	}
	q.next = next
	if q.free() >= q.refillAt || (q.next == q.tail && q.free() > 0) {
		q.refill()
	}
	if q.ntr > 0 {
		q.cache.Free(q.trash[:q.ntr])
		q.ntr = 0
	}
	if n > 0 {
		q.packets.Add(uint64(n))
		q.octets.Add(octets)
	}
	if bad != (rxBad{}) {
		q.badChain.Add(bad.chain)
		q.errors.Add(bad.errs)
		q.badLen.Add(bad.len)
		q.tooLong.Add(bad.tooLong)
		q.runts.Add(bad.runts)
	}
	return n
}

// rxBad counts one burst's dropped descriptors by cause.
type rxBad struct {
	errs, len, chain, tooLong, runts uint64
}

// rxSlow takes a descriptor off the fast path: a segment of a chain, a
// frame being discarded, an error or a bad length. It returns the completed
// frame and its length, or nil when there is none yet (or it was dropped).
func (q *rxQueue) rxSlow(b *mbuf.Buf, st uint32, ln, maxFrame int, bad *rxBad) (*mbuf.Buf, int) {
	status, rxErr := uint8(st), uint8(st>>8)
	eop := status&rxStatEOP != 0
	if !eop && ln != mbuf.DataRoom {
		// The device fills a buffer before it moves to the next
		// descriptor (SDM §3.2.3); a short non-final segment means
		// the status is lying (a lost EOP).
		bad.chain++
		q.drop(b)
		q.dropFrame()
		q.discard = true
		return nil, 0
	}
	if ln == 0 || ln > mbuf.DataRoom {
		bad.len++
		q.drop(b)
		q.dropFrame()
		q.discard = !eop
		return nil, 0
	}
	_ = b.SetLen(ln) // ln is within the data room
	if q.discard {
		q.drop(b)
		q.discard = !eop
		return nil, 0
	}
	if rxErr&rxErrFrame != 0 {
		bad.errs++
		q.drop(b)
		q.dropFrame()
		q.discard = !eop
		return nil, 0
	}
	var h *mbuf.Buf
	var total int
	if q.head == nil && eop {
		// A frame in one descriptor, no chain state.
		if ln > maxFrame {
			bad.tooLong++
			q.drop(b)
			return nil, 0
		}
		h, total = b, ln
	} else {
		if q.head == nil {
			q.head, q.last, q.bytes, q.segs = b, b, ln, 1
		} else {
			q.last.SetNext(b)
			q.last = b
			q.bytes += ln
			q.segs++
		}
		if q.bytes > maxFrame || q.segs > maxRxSegs {
			bad.tooLong++
			q.dropFrame()
			q.discard = !eop
			return nil, 0
		}
		if !eop {
			return nil, 0
		}
		h, total = q.head, q.bytes
		q.head, q.last, q.bytes, q.segs = nil, nil, 0, 0
	}
	if total < 14 {
		bad.runts++
		q.drop(h)
		return nil, 0
	}
	return h, total
}

// rxMeta records the VLAN tag and the checksum verdicts of a descriptor's
// status (SDM §3.2.3.1-3.2.3.2) in the frame's metadata.
func (q *rxQueue) rxMeta(m *mbuf.Meta, st uint32) {
	status, rxErr, special := uint8(st), uint8(st>>8), uint16(st>>16)
	if q.vlan && status&rxStatVP != 0 {
		m.Flags |= mbuf.FlagVLAN
		m.VLAN = special
	}
	if q.csum && status&rxStatIXSM == 0 {
		if status&rxStatIPCS != 0 {
			if rxErr&rxErrIPE != 0 {
				m.Flags |= mbuf.FlagIPCsumBad
			} else {
				m.Flags |= mbuf.FlagIPCsumOK
			}
		}
		if status&rxStatTCPCS != 0 {
			if rxErr&rxErrTCPE != 0 {
				m.Flags |= mbuf.FlagL4CsumBad
			} else {
				m.Flags |= mbuf.FlagL4CsumOK
			}
		}
	}
}

// pending reports whether the next descriptor is done (for Wait). It reads
// DMA memory only.
func (q *rxQueue) pending() bool {
	i := q.next
	return i != q.tail && q.ring[i].loadStat()&rxStatDD != 0
}

// release returns every buffer the ring and the assembly hold to the pool.
// The device must be quiesced.
func (q *rxQueue) release() {
	if q.own == nil {
		return
	}
	q.cache = q.own // as in txQueue.release: never touch a caller's cache here
	q.dropFrame()
	for i := q.next; i != q.tail; i = (i + 1) & q.mask {
		q.drop(q.bufs[i])
	}
	clear(q.bufs)
	if q.ntr > 0 {
		q.cache.Free(q.trash[:q.ntr])
		q.ntr = 0
	}
	q.cache.Flush()
	q.next, q.tail = 0, 0
}
