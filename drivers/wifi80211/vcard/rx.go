package vcard

import (
	"sync/atomic"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// RxInfo is what the card reported about a received frame (§4.1, §4.3).
type RxInfo struct {
	Rate   uint8  // 500 kb/s units
	Signal int8   // dBm
	Noise  int8   // dBm
	Freq   uint16 // MHz
	// Decrypted: the key cache removed CCMP and verified the MIC; Key is
	// the slot and PN the packet number. The frame's Protected bit is clear.
	Decrypted bool
	Key       int
	PN        uint64
	// NoKey: the frame is protected and no slot matched; software decrypts.
	NoKey bool
	// MICErr and Replay are only reported with PASSBAD.
	MICErr, Replay bool
}

type rxRing struct {
	mem   dma.Region
	n     int
	bufs  []*mbuf.Buf
	next  int // next descriptor to look at
	cache *mbuf.Cache
	one   [1]*mbuf.Buf

	allocFail atomic.Uint64
	badLen    atomic.Uint64 // completed descriptors with a length no frame can have
}

func (r *rxRing) desc(i int) reg.RxDesc {
	return reg.RxDesc(r.mem.Mem[i*reg.DescSize : (i+1)*reg.DescSize : (i+1)*reg.DescSize])
}

// setupRings allocates both rings, arms every RX descriptor with a buffer
// and programs the ring registers (§3.1, §4.1).
func (d *Device) setupRings() error {
	r := &d.rx
	var err error
	if r.mem, err = d.allocRing(d.cfg.RxDescs); err != nil {
		return err
	}
	r.n = d.cfg.RxDescs
	r.bufs = make([]*mbuf.Buf, r.n)
	r.cache = d.cfg.Pool.NewCache(64)
	if got := d.cfg.Pool.Alloc(r.bufs); got != r.n {
		d.cfg.Pool.Free(r.bufs[:got])
		clear(r.bufs)
		return d.opErr("attach", mbuf.ErrExhausted, "the pool cannot fill the RX ring; make it larger or the ring smaller")
	}
	for i, b := range r.bufs {
		r.desc(i).Arm(b.RoomIOVA(), mbuf.DataRoom)
	}
	t := &d.tx
	if t.mem, err = d.allocRing(d.cfg.TxDescs); err != nil {
		return err
	}
	t.n = d.cfg.TxDescs
	t.bufs = make([]*mbuf.Buf, t.n)
	t.done = make([]*mbuf.Buf, 0, t.n)
	t.cache = d.cfg.Pool.NewCache(64)
	t.pool, t.alt, t.dma = d.cfg.Pool, nil, d.f.DMA()

	g := d.regs
	g.Write32(reg.RDBAL, uint32(r.mem.IOVA))
	g.Write32(reg.RDBAH, uint32(r.mem.IOVA>>32))
	g.Write32(reg.RDLEN, uint32(r.n))
	g.Write32(reg.TDBAL, uint32(t.mem.IOVA))
	g.Write32(reg.TDBAH, uint32(t.mem.IOVA>>32))
	g.Write32(reg.TDLEN, uint32(t.n))
	// The card owns [RDH, RDT): all but the last descriptor, so that a full
	// ring and an empty one differ. RXEN (Attach) resets RDH and RDT, so
	// RDT is written after it, in start.
	return nil
}

// startRings writes the tails after TXEN/RXEN reset the heads.
func (d *Device) startRings() {
	d.regs.Write32(reg.RDT, uint32(d.rx.n-1))
}

// Receive moves up to len(bufs) received frames into bufs (with their
// RxInfo in info, which must be at least as long) and returns how many. The
// caller owns the returned buffers. It re-arms each descriptor with a fresh
// buffer and writes RDT once per burst.
func (d *Device) Receive(bufs []*mbuf.Buf, info []RxInfo) int {
	r := &d.rx
	n, last := 0, -1
	for n < len(bufs) && n < len(info) {
		desc := r.desc(r.next)
		st := desc.Status()
		if st&reg.RxDONE == 0 {
			break
		}
		// Distrust the card (docs/vcard.md §4.1): a length of 0 or beyond
		// the buffer we armed is counted, and the same buffer is armed
		// again without delivering anything.
		if l := int(desc.Len()); l == 0 || l > mbuf.DataRoom {
			r.badLen.Add(1)
			desc.Arm(r.bufs[r.next].RoomIOVA(), mbuf.DataRoom)
			last = r.next
			r.next = (r.next + 1) % r.n
			continue
		}
		if r.cache.Alloc(r.one[:]) != 1 {
			r.allocFail.Add(1) // leave the frame in place; the card drops when the ring is full
			break
		}
		b := r.bufs[r.next]
		_ = b.SetLen(int(desc.Len()))
		info[n] = RxInfo{Rate: desc.Rate(), Signal: desc.Signal(), Noise: desc.Noise(), Freq: desc.Freq(),
			Decrypted: st&reg.RxDECRYPTED != 0, Key: -1, PN: desc.PN(),
			NoKey: st&reg.RxNOKEY != 0, MICErr: st&reg.RxMICERR != 0, Replay: st&reg.RxREPLAY != 0}
		if info[n].Decrypted {
			info[n].Key = int(desc.Key())
		}
		bufs[n] = b
		n++
		nb := r.one[0]
		r.bufs[r.next] = nb
		desc.Arm(nb.RoomIOVA(), mbuf.DataRoom)
		last = r.next
		r.next = (r.next + 1) % r.n
	}
	if last >= 0 {
		d.regs.Write32(reg.RDT, uint32(last))
	}
	return n
}

// free returns every armed buffer and the ring memory.
func (r *rxRing) free(a dma.Allocator) {
	for i, b := range r.bufs {
		if b != nil {
			b.Free()
			r.bufs[i] = nil
		}
	}
	if r.cache != nil {
		r.cache.Flush()
	}
	if r.mem.Mem != nil {
		_ = a.Free(r.mem)
		r.mem = dma.Region{}
	}
}
