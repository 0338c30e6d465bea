package vcardsim

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
)

// maxMPDU is the largest frame the card takes from a descriptor (IEEE
// 802.11-2016 9.2.4.7.1: 2304-byte MSDU plus header room).
const maxMPDU = 2400

// txLoop is the transmit engine: it drains the TX ring each time the driver
// rings the doorbell (§3.1).
func (m *Model) txLoop() {
	defer close(m.done)
	buf := make([]byte, maxMPDU+ccmpHdrLen+ccmpMICLen)
	for {
		select {
		case <-m.quit:
			return
		case <-m.kick:
		}
		for m.txOne(buf) {
		}
	}
}

// txJob is one descriptor's work, captured under the lock.
type txJob struct {
	gen    uint64
	head   uint32
	desc   reg.TxDesc
	frame  []byte
	tries  int
	group  bool
	noack  bool
	medium air.Medium
	tx     air.TxInfo
	status uint8
	pn     uint64
}

// txOne processes the descriptor at TDH. It reports whether there may be more.
func (m *Model) txOne(buf []byte) bool {
	var j txJob
	if !m.txFetch(&j, buf) {
		return false
	}
	attempts := 0
	acked := false
	if j.status == 0 {
		for attempts < j.tries {
			attempts++
			if j.medium == nil {
				break
			}
			ok := j.medium.Transmit(m, j.frame, j.tx)
			if j.group || j.noack {
				acked = true
				break
			}
			if ok {
				acked = true
				break
			}
			if attempts == 1 {
				j.frame[1] |= fcRetry >> 8 // IEEE 802.11-2016 9.2.4.1.7
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if j.gen != m.gen {
		return true // reset while on the air: the ring is gone
	}
	st := j.status | reg.TxDONE
	if j.status == 0 {
		m.count(reg.TXFRAMES)
		if acked {
			st |= reg.TxACKED
			m.count(reg.TXACKED)
		} else {
			m.count(reg.TXFAILED)
		}
		for range max(attempts-1, 0) {
			m.count(reg.TXRETRIES)
		}
	}
	j.desc.Complete(st, uint8(attempts), j.pn)
	m.tx.head = (j.head + 1) % m.tx.n
	if j.desc.Flags()&reg.TxINTR != 0 {
		m.cause(reg.IntTXDONE)
	}
	return true
}

// txFetch reads the descriptor at TDH and builds the frame to send into buf.
// A descriptor that cannot be sent gets j.status set and no frame.
func (m *Model) txFetch(j *txJob, buf []byte) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ctrl&reg.CtrlTXEN == 0 || !validRing(m.tx.n) || m.tx.head == m.tx.tail {
		return false
	}
	d, ok := m.space.Lookup(m.tx.base()+uint64(m.tx.head)*reg.DescSize, reg.DescSize)
	if !ok {
		m.dmaFault()
		m.ctrl &^= reg.CtrlTXEN
		m.status &^= reg.StatusTXON
		return false
	}
	*j = txJob{gen: m.gen, head: m.tx.head, desc: reg.TxDesc(d), medium: m.medium,
		tx: air.TxInfo{Freq: int(m.freq), Rate: int(reg.TxDesc(d).Rate()), Power: m.txpower}}
	desc := j.desc
	j.tries = max(1, min(15, int(desc.Tries())))
	n := int(desc.Len())
	if m.freq == 0 || n < 10 || n > maxMPDU {
		j.status = reg.TxERR
		return true
	}
	src, ok := m.space.Lookup(desc.Addr(), n)
	if !ok {
		m.dmaFault()
		j.status = reg.TxERR
		return true
	}
	j.group = air.Group(src[4:10])
	j.noack = desc.Flags()&reg.TxNOACK != 0
	if desc.Key() == reg.NoKey {
		copy(buf, src)
		j.frame = buf[:n]
	} else {
		hl := hdrLen(src)
		if int(desc.Key()) >= reg.NumKeySlots || m.keys[desc.Key()].cipher != reg.CipherCCMP || hl == 0 {
			j.status = reg.TxNOKEY
			return true
		}
		k := &m.keys[desc.Key()]
		body := src[hl:]
		if desc.Flags()&reg.TxIVPRESENT != 0 {
			// The host wrote Protected and the CCMP header (§3.4).
			pn, idx, ok := uint64(0), uint8(0), false
			if len(body) >= ccmpHdrLen && src[1]&(fcProtected>>8) != 0 {
				pn, idx, ok = ccmpHeaderPN(body)
			}
			if !ok || idx != k.idx {
				j.status = reg.TxERR
				return true
			}
			j.pn = pn
			body = body[ccmpHdrLen:]
		} else {
			k.tsc = (k.tsc + 1) & reg.PNMask
			j.pn = k.tsc
		}
		copy(buf, src[:hl])
		if desc.Flags()&reg.TxSEQ != 0 {
			m.assignSeq(buf) // the fragment number is part of the AAD: assign first
		}
		out := encrypt(buf, body, hl, k, j.pn)
		if out == 0 {
			j.status = reg.TxERR
			return true
		}
		j.frame = buf[:out]
		m.count(reg.TXENCRYPTED)
		return true
	}
	if desc.Flags()&reg.TxSEQ != 0 {
		m.assignSeq(j.frame)
	}
	return true
}

// assignSeq writes the card's next sequence number into a frame's Sequence
// Control field (fragment number 0).
func (m *Model) assignSeq(f []byte) {
	if len(f) < 24 {
		return
	}
	binary.LittleEndian.PutUint16(f[22:], m.seq<<4)
	m.seq = (m.seq + 1) & 0xfff
}
