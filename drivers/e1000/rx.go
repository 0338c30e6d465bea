package e1000

import (
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/pci"
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
	bufs  []*mbuf.Buf
	mask  uint32
	next  uint32 // oldest slot owned by the device
	tail  uint32 // first slot owned by the driver (the RDT value)
	cache *mbuf.Cache
	fresh []*mbuf.Buf // refill batch
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
	q.cache = cache
	q.fresh = make([]*mbuf.Buf, n)
	q.trash = make([]*mbuf.Buf, 2*n)
}

// free is the number of driver-owned slots that may be refilled.
func (q *rxQueue) free() uint32 { return (q.next - q.tail - 1) & q.mask }

// refill gives the device fresh buffers for every free slot it can and writes
// RDT once (SDM §3.2.6: software adds descriptors by advancing the tail).
func (q *rxQueue) refill() {
	want := int(q.free())
	if want == 0 {
		return
	}
	got := q.cache.Alloc(q.fresh[:want])
	if got < want {
		q.noMbuf.Add(uint64(want - got))
	}
	if got == 0 {
		return
	}
	t := q.tail
	rogue := 0
	for k := 0; k < got; k++ {
		d := &q.ring[t]
		if d.loadStat()&rxStatDD != 0 {
			rogue++
		}
		b := q.fresh[k]
		q.fresh[k] = nil
		q.bufs[t] = b
		d.give(b.RoomIOVA())
		t = (t + 1) & q.mask
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

// RxBurst implements port.Port: it fills bufs with received frames (chains
// for frames longer than one buffer) and returns how many. The caller owns
// them. It allocates nothing, touches one register at most (RDT, when a
// refill batch is due) and never reads packet bytes: under emulation the
// first touch of each buffer costs a software TLB fill, so the
// broadcast/multicast flags are left to the layer that parses the header.
func (d *Device) RxBurst(bufs []*mbuf.Buf) int {
	q := &d.rx
	maxFrame := int(q.maxFrame.Load())
	n := 0
	var octets uint64
	var errs, badLen, badChain, tooLong, runts uint64
	for n < len(bufs) {
		i := q.next
		if i == q.tail {
			break
		}
		desc := &q.ring[i]
		st := desc.loadStat()
		if st&rxStatDD == 0 {
			break
		}
		ln := int(uint16(desc.loadLen()))
		desc.take() // a later DD here is rogue
		b := q.bufs[i]
		q.bufs[i] = nil
		q.next = (i + 1) & q.mask
		status, rxErr, special := uint8(st), uint8(st>>8), uint16(st>>16)
		eop := status&rxStatEOP != 0

		if !eop && ln != mbuf.DataRoom {
			// The device fills a buffer before it moves to the next
			// descriptor (SDM §3.2.3); a short non-final segment means
			// the status is lying (a lost EOP).
			badChain++
			q.drop(b)
			q.dropFrame()
			q.discard = true
			continue
		}
		if ln == 0 || ln > mbuf.DataRoom {
			badLen++
			q.drop(b)
			q.dropFrame()
			q.discard = !eop
			continue
		}
		_ = b.SetLen(ln) // ln is within the data room
		if q.discard {
			q.drop(b)
			q.discard = !eop
			continue
		}
		if rxErr&rxErrFrame != 0 {
			errs++
			q.drop(b)
			q.dropFrame()
			q.discard = !eop
			continue
		}
		var h *mbuf.Buf
		var total int
		if q.head == nil && eop {
			// The common case: a frame in one descriptor, no chain state.
			if ln > maxFrame {
				tooLong++
				q.drop(b)
				continue
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
				tooLong++
				q.dropFrame()
				q.discard = !eop
				continue
			}
			if !eop {
				continue
			}
			h, total = q.head, q.bytes
			q.head, q.last, q.bytes, q.segs = nil, nil, 0, 0
		}
		if total < 14 {
			runts++
			q.drop(h)
			continue
		}
		m := &h.Meta
		m.Port = q.portIdx
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
		bufs[n] = h
		n++
		octets += uint64(total)
	}
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
	if errs|badLen|badChain|tooLong|runts != 0 {
		q.badChain.Add(badChain)
		q.errors.Add(errs)
		q.badLen.Add(badLen)
		q.tooLong.Add(tooLong)
		q.runts.Add(runts)
	}
	return n
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
	if q.cache == nil {
		return
	}
	q.dropFrame()
	for i, b := range q.bufs {
		if b != nil {
			q.drop(b)
			q.bufs[i] = nil
		}
	}
	if q.ntr > 0 {
		q.cache.Free(q.trash[:q.ntr])
		q.ntr = 0
	}
	q.cache.Flush()
	q.next, q.tail = 0, 0
}
