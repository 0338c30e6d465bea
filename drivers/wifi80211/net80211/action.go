package net80211

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// Block Ack action codes (IEEE 802.11-2016 9.6.5.1), the Block Ack
// Parameter Set bits (9.4.1.14) and the statuses we answer an ADDBA
// Request with (9.4.1.9, table 9-46).
const (
	actionADDBARequest    = 0
	actionADDBAResponse   = 1
	actionDELBA           = 2
	baParamAMSDU          = 1 << 0
	baParamImmediate      = 1 << 1
	baParamTIDShift       = 2
	baParamBufShift       = 6
	statusSuccess         = 0
	statusRequestDeclined = 37
)

// recvAction handles an Action frame from our BSS: SA Query under PMF,
// and Block Ack agreements. A QoS AP with HT offers an agreement per TID
// (ADDBA Request, 10.24.2) before it sends A-MPDUs; we accept an
// immediate one on an HT association, with a window of at most 64 and
// A-MSDUs in it when the AP asks (amsdu.go), and reorder its MPDUs
// (reorder.go). Everything else is
// declined with status 37, and the AP sends single MPDUs acknowledged one
// by one. The agreement's inactivity timeout is echoed, not enforced: the
// AP ends an idle agreement with a DELBA.
func (v *Vap) recvAction(f frame.Frame) {
	a, err := frame.ParseAction(f.Body())
	if err != nil {
		v.stats.RxMalformed++
		return
	}
	if v.bss == nil || !equalMAC(f.Addr2(), v.bss.MAC) || isGroup(f.Addr1()) || v.state != StateRun {
		v.stats.RxNotForUs++
		return
	}
	now := v.com.clock.Now()
	switch {
	case a.Category() == frame.CategorySAQuery && v.pmfActive():
		v.stats.RxAction++
		v.recvSAQuery(a)
	case a.Category() == frame.CategoryBlockAck && a.ActionCode() == actionADDBARequest:
		p := a.Payload()
		if len(p) < 7 { // dialog token, parameters, timeout, starting sequence
			v.stats.RxMalformed++
			return
		}
		v.stats.RxAction++
		params := binary.LittleEndian.Uint16(p[1:])
		tid := uint8(params>>baParamTIDShift) & 0xf
		size := params >> baParamBufShift
		if size == 0 || size > maxReorderWindow {
			size = maxReorderWindow // 0: the originator leaves it to us
		}
		status := uint16(statusSuccess)
		if !v.bss.HT || params&baParamImmediate == 0 {
			status = statusRequestDeclined // no HT, or a delayed agreement
		}
		b := v.mgmtHeader(frame.SubAction, v.bss.MAC, v.bss.MAC)
		b = append(b, frame.CategoryBlockAck, actionADDBAResponse, p[0])
		b = binary.LittleEndian.AppendUint16(b, status)
		if status != statusSuccess {
			v.stats.BADeclined++
			b = append(b, p[1], p[2], 0, 0) // the parameters as asked, timeout 0
			v.sendMgmt(b)
			return
		}
		v.endAgreement(v.bss, tid, now) // a new agreement for the TID replaces the old one
		ssn := binary.LittleEndian.Uint16(p[5:]) >> 4
		v.bss.rxba[tid] = newReorder(tid, ssn, size)
		v.stats.BAAccepted++
		// A-MSDUs in the agreement's A-MPDUs are welcome when the AP
		// offers them (9.4.1.14: the recipient may set the bit only then).
		b = binary.LittleEndian.AppendUint16(b, params&baParamAMSDU|baParamImmediate|uint16(tid)<<baParamTIDShift|size<<baParamBufShift)
		b = append(b, p[3], p[4]) // the timeout as asked
		v.sendMgmt(b)
	case a.Category() == frame.CategoryBlockAck && a.ActionCode() == actionDELBA:
		p := a.Payload()
		if len(p) < 4 { // DELBA parameters, reason
			v.stats.RxMalformed++
			return
		}
		v.stats.RxAction++
		params := binary.LittleEndian.Uint16(p)
		// Initiator set: the AP ends the agreement it originated, which
		// is the one we receive under (9.4.1.16).
		if tid := uint8(params >> 12); params&(1<<11) != 0 && v.bss.rxba[tid] != nil {
			v.stats.BAEnded++
			v.endAgreement(v.bss, tid, now)
		}
	default:
		v.stats.RxNotForUs++
	}
}
