package net80211

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// Block Ack action codes (IEEE 802.11-2016 9.6.5.1) and the status we
// decline an agreement with (9.4.1.9, table 9-46).
const (
	actionADDBARequest    = 0
	actionADDBAResponse   = 1
	actionDELBA           = 2
	statusRequestDeclined = 37
)

// recvAction handles an Action frame from our BSS. A QoS AP with HT
// offers Block Ack agreements (ADDBA Request, 10.24.2) to send A-MPDUs;
// this layer has no reordering buffer, so it declines each one with an
// ADDBA Response of status 37 and the AP keeps sending single MPDUs,
// acknowledged one by one.
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
		b := v.mgmtHeader(frame.SubAction, v.bss.MAC, v.bss.MAC)
		b = append(b, frame.CategoryBlockAck, actionADDBAResponse, p[0])
		b = binary.LittleEndian.AppendUint16(b, statusRequestDeclined)
		b = append(b, p[1], p[2], 0, 0) // the parameters as asked, timeout 0
		v.sendMgmt(b)
	case a.Category() == frame.CategoryBlockAck && a.ActionCode() == actionDELBA:
		v.stats.RxAction++ // no agreement exists to end
	default:
		v.stats.RxNotForUs++
	}
}
