package e1000

import (
	"sync/atomic"
	"time"

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
	cache   *mbuf.Cache
	trash   []*mbuf.Buf
	ctx     txCtx
	vlan    bool

	resetReq atomic.Bool   // set by Service on a hang, honoured by TxBurst
	progress atomic.Uint64 // descriptors cleaned, for hang detection
	busy     atomic.Bool   // the device holds descriptors
	oldest   atomic.Uint32 // oldest RS slot (for Service's DD check)

	packets, octets atomic.Uint64
	dropped         atomic.Uint64 // malformed requests and ring resets
	resets          atomic.Uint64
}

func (q *txQueue) init(regs pci.Regs, mem []byte, n int, cache *mbuf.Cache) {
	q.regs = regs
	q.ring = txRing(mem, n)
	clear(mem[:n*descSize])
	q.bufs = make([]*mbuf.Buf, n)
	q.mask = uint32(n - 1)
	q.tail, q.clean = 0, 0
	q.rs = make([]uint32, n)
	q.rsHd, q.rsN, q.sinceRS = 0, 0, 0
	q.cache = cache
	q.trash = make([]*mbuf.Buf, n)
	q.ctx = txCtx{}
}

func (q *txQueue) free() uint32 { return (q.clean - q.tail - 1) & q.mask }

// reap frees packets whose descriptors the device has finished: everything
// up to each RS descriptor with DD set, oldest first.
func (q *txQueue) reap() {
	nt := 0
	for q.rsN > 0 {
		slot := q.rs[q.rsHd]
		if q.ring[slot].loadHi()&txStatDD == 0 {
			break
		}
		end := (slot + 1) & q.mask
		for i := q.clean; i != end; i = (i + 1) & q.mask {
			if b := q.bufs[i]; b != nil {
				q.bufs[i] = nil
				q.trash[nt] = b
				nt++
			}
		}
		q.progress.Add(uint64((end - q.clean) & q.mask))
		q.clean = end
		q.rsHd = (q.rsHd + 1) & int(q.mask)
		q.rsN--
	}
	if nt > 0 {
		q.cache.Free(q.trash[:nt])
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

// TxBurst implements port.Port: it queues bufs[:n] and returns n; the device
// owns those buffers until their descriptors come back, after which they
// return to their pool. A packet the device cannot send as asked (too many
// segments, too long, inconsistent offload lengths) is accepted, freed and
// counted in TxDropped. One TDT write per call.
func (d *Device) TxBurst(bufs []*mbuf.Buf) int {
	q := &d.tx
	if q.resetReq.Load() {
		d.resetTx()
	}
	if q.free() < txCleanBelow {
		q.reap()
	}
	sent := 0
	wrote := false
	var octets, dropped uint64
	last := uint32(0)
	for _, b := range bufs {
		if b.Next() == nil && b.Meta.Flags&txSlowFlags == 0 {
			// The common case: one segment, no offload, no tag: one
			// legacy descriptor (SDM §3.3.3).
			plen := b.Len()
			if plen == 0 || plen > maxTxFrame {
				b.Free()
				dropped++
				sent++
				continue
			}
			if q.free() == 0 {
				q.reap()
				if q.free() == 0 {
					break
				}
			}
			t := q.tail
			desc := &q.ring[t]
			desc.addr = b.IOVA()
			desc.lo = (txCmdIFCS|txCmdEOP)<<24 | uint32(plen)
			desc.hi = 0
			q.bufs[t] = b
			last = t
			q.tail = (t + 1) & q.mask
			if q.sinceRS++; q.sinceRS >= txRSInterval {
				q.markRS(t)
			}
			wrote = true
			sent++
			octets += uint64(plen)
			continue
		}
		segs := b.Segs()
		plen := b.PktLen()
		c, needCtx := ctxFor(b)
		bad := segs > maxTxSegs || plen == 0 || plen > maxTxLen ||
			(needCtx && !validCtx(c, plen)) || (!c.tso && plen > maxTxFrame)
		if bad {
			b.Free()
			dropped++
			sent++
			continue
		}
		need := uint32(segs)
		writeCtx := needCtx && c != q.ctx
		if writeCtx {
			need++
		}
		if need > q.free() {
			q.reap()
			if need > q.free() {
				break
			}
		}
		t := q.tail
		if writeCtx {
			q.writeCtx(t, c)
			q.ctx = c
			t = (t + 1) & q.mask
			q.sinceRS++
		}
		vlan := q.vlan && b.Meta.Flags&mbuf.FlagVLAN != 0
		var cmd, hi uint32
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
			desc := &q.ring[t]
			desc.addr = s.IOVA()
			lo := cmd | uint32(s.Len())
			if s.Next() == nil {
				lo |= txCmdEOP << 24
			}
			desc.lo = lo
			desc.hi = hi
			q.bufs[t] = nil
			last = t
			t = (t + 1) & q.mask
			q.sinceRS++
		}
		q.bufs[last] = b
		q.tail = t
		if q.sinceRS >= txRSInterval {
			q.markRS(last)
		}
		wrote = true
		sent++
		octets += uint64(plen)
	}
	if wrote {
		if q.sinceRS > 0 {
			q.markRS(last)
		}
		q.oldest.Store(q.rs[q.rsHd])
		q.busy.Store(true)
		q.regs.Write32(regTDT, q.tail)
		q.packets.Add(uint64(sent) - dropped)
		q.octets.Add(octets)
	}
	if dropped > 0 {
		q.dropped.Add(dropped)
	}
	return sent
}

// release frees every buffer the ring holds (the device must be quiesced).
func (q *txQueue) release() {
	if q.cache == nil {
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
	q.cache.Free(q.trash[:nt])
	q.cache.Flush()
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
		q.reap()
		if q.clean == q.tail {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Microsecond)
	}
}
