package vcardsim

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/air"
	"github.com/gopkt/gopkt/drivers/wifi80211/vcard/internal/reg"
)

// Receive implements air.Station: the card hears frame on the air. It
// decides the acknowledgement, filters, decrypts and writes the frame into
// the RX ring (§4).
func (m *Model) Receive(frame []byte, rx air.RxInfo) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.freq == 0 || rx.Freq != int(m.freq) || len(frame) < 10 {
		return false
	}
	a1 := frame[4:10]
	ack := !air.Group(a1) && string(a1) == string(m.mac[:])
	if m.ctrl&reg.CtrlRXEN == 0 || !validRing(m.rx.n) {
		return ack
	}
	if !m.accept(frame, ack) {
		m.count(reg.RXFILTERED)
		return ack
	}
	info := reg.RxInfo{Key: reg.NoKey, Rate: uint8(rx.Rate), Signal: rx.Signal, Noise: m.cfg.Noise, Freq: uint16(m.freq)}
	out := frame
	if fc := binary.LittleEndian.Uint16(frame); fc&fcProtected != 0 {
		var deliver bool
		out, deliver = m.unprotect(frame, &info)
		if !deliver {
			return ack
		}
	}
	m.deliver(out, &info)
	return ack
}

// accept is the RX filter (§4.2).
func (m *Model) accept(frame []byte, toUs bool) bool {
	if toUs || m.rxfilter&reg.FilterPROMISC != 0 {
		return true
	}
	fc := binary.LittleEndian.Uint16(frame)
	if fc&fcTypeMask == fcTypeMgmt && m.rxfilter&reg.FilterBEACON != 0 {
		if st := fc >> 4 & 15; st == 8 || st == 5 { // beacon, probe response
			return true
		}
	}
	if !air.Group(frame[4:10]) {
		return false
	}
	if m.rxfilter&reg.FilterBCAST != 0 {
		return true
	}
	if len(frame) >= 22 && (string(frame[10:16]) == string(m.bssid[:]) || string(frame[16:22]) == string(m.bssid[:])) {
		return true
	}
	return false
}

// unprotect decrypts a protected frame (§4.4). It returns the frame to
// deliver and whether to deliver it at all.
func (m *Model) unprotect(frame []byte, info *reg.RxInfo) ([]byte, bool) {
	hl := hdrLen(frame)
	if hl == 0 || len(frame) < hl+ccmpHdrLen+ccmpMICLen {
		info.Status |= reg.RxNOKEY
		m.count(reg.RXNOKEY)
		return frame, true
	}
	pn, idx, ok := ccmpHeaderPN(frame[hl:])
	if !ok {
		info.Status |= reg.RxNOKEY // WEP-style header: software's job
		m.count(reg.RXNOKEY)
		return frame, true
	}
	k, slot := m.findRxKey(frame[4:10], frame[10:16], idx)
	if k == nil {
		info.Status |= reg.RxNOKEY
		m.count(reg.RXNOKEY)
		return frame, true
	}
	passbad := m.ctrl&reg.CtrlPASSBAD != 0
	tid := rscIndex(frame, hl)
	if pn <= k.rsc[tid] { // replay check before decryption (12.5.3.4.4)
		m.count(reg.RXREPLAY)
		info.Status |= reg.RxREPLAY
		info.PN = pn
		return frame, passbad
	}
	n := decrypt(m.rxbuf, frame, hl, k, pn, m.ctrl&reg.CtrlKEEPIV != 0)
	if n == 0 {
		m.count(reg.RXMICERR)
		info.Status |= reg.RxMICERR
		info.PN = pn
		return frame, passbad
	}
	k.rsc[tid] = pn // counter update only after the MIC verified
	m.count(reg.RXDECRYPTED)
	info.Status |= reg.RxDECRYPTED
	info.Key = uint8(slot)
	info.PN = pn
	return m.rxbuf[:n], true
}

// deliver writes a frame into the descriptor at RDH.
func (m *Model) deliver(frame []byte, info *reg.RxInfo) {
	if m.rx.head == m.rx.tail {
		m.count(reg.RXNOBUF)
		m.cause(reg.IntRXNOBUF)
		return
	}
	d, ok := m.space.Lookup(m.rx.base()+uint64(m.rx.head)*reg.DescSize, reg.DescSize)
	if !ok {
		m.dmaFault()
		m.ctrl &^= reg.CtrlRXEN
		m.status &^= reg.StatusRXON
		return
	}
	desc := reg.RxDesc(d)
	if len(frame) > int(desc.BufLen()) {
		m.count(reg.RXNOBUF)
		return
	}
	dst, ok := m.space.Lookup(desc.Addr(), len(frame))
	if !ok {
		m.dmaFault()
		return
	}
	copy(dst, frame)
	info.Len = uint16(len(frame))
	if m.hostile.BadRxLen {
		info.Len = m.hostile.RxLen
	}
	desc.Complete(info)
	m.rx.head = (m.rx.head + 1) % m.rx.n
	m.count(reg.RXFRAMES)
	m.cause(reg.IntRXDONE)
}
