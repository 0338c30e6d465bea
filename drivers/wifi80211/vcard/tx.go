package vcard

import (
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
	"github.com/gopkt/gopkt/hw/dma"
	"github.com/gopkt/gopkt/hw/mbuf"
)

// TxInfo is per-frame transmit control (§3.1, §3.2).
type TxInfo struct {
	// Rate in 500 kb/s units, or 0x80|i for HT MCS i; 0 means 2 (1 Mb/s).
	Rate uint8
	// Tries is the maximum number of transmissions, 1..15 (0 means 1).
	Tries uint8
	// Key is the key-cache slot to encrypt with (KeyCache.Install), or -1.
	// The frame is then the plaintext MPDU with the Protected bit clear.
	Key int
	// IVPresent: with Key, the frame already carries the Protected bit and
	// the CCMP header with the host's PN; the card only encrypts and
	// appends the MIC (§3.4).
	IVPresent bool
	// NoAck: do not wait for an acknowledgement.
	NoAck bool
	// Seq: the card assigns the sequence number.
	Seq bool
	// Cookie comes back in the TxStatus.
	Cookie uint32
}

// TxStatus is the outcome of one transmitted frame, for rate control
// (§3.3).
type TxStatus struct {
	Cookie   uint32
	Rate     uint8 // the rate it was sent at, 500 kb/s units
	Acked    bool
	Attempts uint8
	// Err: not sent (bad length, radio off, DMA fault); NoKey: the slot was
	// empty or its cipher not in the card.
	Err, NoKey bool
	PN         uint64 // CCMP packet number used, when encrypted
}

type txRing struct {
	mem   dma.Region
	n     int
	bufs  []*mbuf.Buf
	tail  int // next descriptor to fill (TDT)
	clean int // next descriptor to reap
	done  []*mbuf.Buf
	cache *mbuf.Cache
	// pool is Config.Pool, alt the last other pool found in the card's
	// DMA memory, dma the card's allocator: a buffer from either pool
	// costs Transmit a pointer compare; any other asks reaches.
	pool, alt *mbuf.Pool
	dma       dma.Allocator

	rejected atomic.Uint64
	foreign  atomic.Uint64
}

// reaches reports whether the card can DMA from p's memory (mbuf.Pool.From
// its allocator), remembering one pool besides Config.Pool.
func (t *txRing) reaches(p *mbuf.Pool) bool {
	if p == t.pool || p == t.alt {
		return true
	}
	if p != nil && p.From(t.dma) {
		t.alt = p
		return true
	}
	return false
}

func (t *txRing) desc(i int) reg.TxDesc {
	return reg.TxDesc(t.mem.Mem[i*reg.DescSize : (i+1)*reg.DescSize : (i+1)*reg.DescSize])
}

func (t *txRing) inFlight() int { return (t.tail - t.clean + t.n) % t.n }

// Transmit queues frames (802.11 MPDUs without FCS, one segment each) with
// their TxInfo and writes TDT once. It takes ownership of the buffers it
// accepts and returns how many; a full ring accepts fewer. It stops at a
// frame it refuses, which stays with the caller: a chained or runt buffer
// (counted in TxRejected) or one whose pool is not in the card's DMA memory
// (TxForeign: its IOVA would fault in the IOMMU or reach another domain).
func (d *Device) Transmit(bufs []*mbuf.Buf, info []TxInfo) int {
	t := &d.tx
	room := t.n - 1 - t.inFlight()
	n := 0
	for n < len(bufs) && n < len(info) && n < room {
		b, ti := bufs[n], &info[n]
		if b.Next() != nil || b.Len() < 10 {
			t.rejected.Add(1) // multi-segment or runt: leave it with the caller
			break
		}
		if p := b.Pool(); p != t.pool && p != t.alt && !t.reaches(p) {
			t.foreign.Add(1) // unreachable memory: leave it with the caller
			break
		}
		key := uint8(reg.NoKey)
		if ti.Key >= 0 {
			key = uint8(ti.Key)
		}
		var flags uint8 = reg.TxINTR
		if ti.NoAck {
			flags |= reg.TxNOACK
		}
		if ti.Seq {
			flags |= reg.TxSEQ
		}
		if ti.IVPresent {
			flags |= reg.TxIVPRESENT
		}
		rate := ti.Rate
		if rate == 0 {
			rate = 2
		}
		t.desc(t.tail).Fill(b.IOVA(), uint16(b.Len()), key, flags, rate, max(ti.Tries, 1), ti.Cookie)
		t.bufs[t.tail] = b
		t.tail = (t.tail + 1) % t.n
		n++
	}
	if n > 0 {
		d.regs.Write32(reg.TDT, uint32(t.tail))
	}
	return n
}

// Reap collects completed transmissions into st, frees their buffers and
// returns how many.
func (d *Device) Reap(st []TxStatus) int {
	t := &d.tx
	n := 0
	for n < len(st) && t.clean != t.tail {
		desc := t.desc(t.clean)
		s := desc.Status()
		if s&reg.TxDONE == 0 {
			break
		}
		st[n] = TxStatus{Cookie: desc.Cookie(), Rate: desc.Rate(), Acked: s&reg.TxACKED != 0,
			Attempts: desc.Attempts(), Err: s&reg.TxERR != 0, NoKey: s&reg.TxNOKEY != 0, PN: desc.PN()}
		n++
		t.done = append(t.done, t.bufs[t.clean])
		t.bufs[t.clean] = nil
		t.clean = (t.clean + 1) % t.n
	}
	if len(t.done) > 0 {
		t.cache.Free(t.done)
		clear(t.done)
		t.done = t.done[:0]
	}
	return n
}

// drainTx waits until the card has processed every descriptor queued when
// it was called. It waits as long as the card makes progress: a card model
// on a loaded machine may take many milliseconds per frame, and a caller
// that clears a key slot before the frames naming it left loses them
// (message 4 of a pairwise rekey goes out under the old key, and without it
// the AP keeps the old key while we moved on). It gives up, returning
// false, only when the head has not moved for stall: a hung card. It reads
// only registers, so it is safe beside the TX goroutine.
func (d *Device) drainTx(stall time.Duration) bool {
	n := uint32(d.tx.n)
	target := d.regs.Read32(reg.TDT)
	d0 := (target - d.regs.Read32(reg.TDH) + n) % n
	last := d0
	deadline := time.Now().Add(stall)
	for {
		left := (target - d.regs.Read32(reg.TDH) + n) % n
		if left == 0 || left > d0 { // done, or the head moved past target
			return true
		}
		now := time.Now()
		if left < last {
			last, deadline = left, now.Add(stall)
		}
		if now.After(deadline) {
			return false
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// TxRingSize is the number of TX descriptors (at most TxRingSize()-1
// frames are in flight).
func (d *Device) TxRingSize() int { return d.tx.n }

// TxPending is the number of frames the card has not completed or the
// caller not reaped.
func (d *Device) TxPending() int { return d.tx.inFlight() }

func (t *txRing) free(a dma.Allocator) {
	for i, b := range t.bufs {
		if b != nil {
			b.Free()
			t.bufs[i] = nil
		}
	}
	if t.cache != nil {
		t.cache.Flush()
	}
	if t.mem.Mem != nil {
		_ = a.Free(t.mem)
		t.mem = dma.Region{}
	}
}
