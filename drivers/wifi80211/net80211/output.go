package net80211

import (
	"encoding/binary"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// mgmtRate is the rate for management frames: the lowest rate (a basic
// rate in every 2.4 GHz BSS).
func (v *Vap) mgmtRate() Rate {
	if v.bss != nil && len(v.bss.Rates) > 0 {
		return v.bss.Rates[0]
	}
	return 2
}

// mgmtHeader starts a management frame in the TX buffer.
func (v *Vap) mgmtHeader(sub uint8, da, bssid []byte) []byte {
	var seq uint16
	if v.bss != nil {
		seq = v.bss.nextSeq()
	}
	h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeMgmt, sub, 0), Addr1: da, Addr2: v.mac, Addr3: bssid,
		SeqCtl: frame.SeqCtlOf(seq, 0)}
	return frame.AppendHeader(v.txBuf[:0], &h)
}

func (v *Vap) sendMgmt(b []byte) {
	slot := -1
	if f := frame.Frame(b); v.pmfActive() && !isGroup(f.Addr1()) && robust(f) {
		// A robust management frame under PMF: CCMP with the PTK, like
		// data (12.5.3.3: the management bit in the nonce, no subtype
		// masking in the AAD).
		k := v.bss.PTK
		var err error
		if b, err = k.Cipher.Encap(k, b, frame.Frame(b).HeaderLen()); err != nil {
			v.stats.TxDropped++
			return
		}
		if k.Flags&KeyHW != 0 {
			slot = k.HWSlot
		}
	}
	v.txBuf = b[:0]
	v.stats.TxMgmt++
	_ = v.com.transmit(v, b, v.bss, v.mgmtRate(), slot)
}

// sendProbeReq sends a Probe Request (9.3.3.10): for our SSID while
// joining, with the wildcard SSID for a plain scan.
func (v *Vap) sendProbeReq() {
	if v.scan.forJoin {
		v.sendProbeReqSSID(v.ssid)
	} else {
		v.sendProbeReqSSID(nil)
	}
}

// sendProbeReqSSID sends a broadcast Probe Request for ssid (the wildcard
// SSID when empty).
func (v *Vap) sendProbeReqSSID(ssid []byte) {
	bcast := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	b := v.mgmtHeader(frame.SubProbeReq, bcast, bcast)
	b = ie.AppendSSID(b, ssid)
	b = v.appendRates(b)
	v.sendMgmt(b)
}

func (v *Vap) appendRates(b []byte) []byte {
	var rs [16]ie.Rate
	n := 0
	for _, r := range v.cfg.Rates {
		if n == len(rs) {
			break
		}
		rs[n] = ie.Rate(r)
		if r == 2 || r == 4 || r == 11 || r == 22 {
			rs[n] |= 0x80 // the DSSS/CCK rates are basic in a 2.4 GHz ERP BSS
		}
		n++
	}
	return ie.AppendRates(b, rs[:n])
}

// sendAuth sends Open System authentication, transaction 1 (12.3.3.2).
func (v *Vap) sendAuth(now time.Time) {
	b := v.mgmtHeader(frame.SubAuth, v.bss.MAC, v.bss.MAC)
	b = append(b, 0, 0, 1, 0, 0, 0) // algorithm 0, sequence 1, status 0
	v.sendMgmt(b)
	v.stepCookie = v.com.cookie
	v.timer.set(now, v.cfg.Timeouts.Auth)
}

// sendAssocReq sends an Association Request with SSID, rates and, for a
// protected network, our RSN element (9.3.3.6); to an HT AP the card's HT
// Capabilities when it has them, to a WMM AP the WMM Information element
// (order: 9.3.3.6 table 9-27, vendor elements last). A move within the
// ESS (roam.go) sends a Reassociation Request instead: the same elements
// after the Current AP Address field naming the AP we leave (802.11-2016
// 9.3.3.7, 11.3.5.4).
func (v *Vap) sendAssocReq(now time.Time) {
	sub := uint8(frame.SubAssocReq)
	fields := frame.AssocReqFields{ListenInterval: 10}
	if v.roam.reassocFrom != nil {
		sub, fields.CurrentAP = frame.SubReassocReq, v.roam.reassocFrom
		v.stats.TxReassoc++
	}
	b := v.mgmtHeader(sub, v.bss.MAC, v.bss.MAC)
	capab := uint16(frame.CapESS | frame.CapShortPreamble | frame.CapShortSlot)
	if v.secure {
		capab |= frame.CapPrivacy
	}
	fields.Capability = capab
	b = frame.AppendAssocReq(b, &fields)
	b = ie.AppendSSID(b, v.ssid)
	b = v.appendRates(b)
	b = append(b, v.ourRSN...)
	if hr, ok := v.com.radio.(HTRadio); ok && v.bssInfo.HT && v.bssInfo.WMM {
		// An HT STA is a QoS STA (11.2.3 ff., 802.11-2016 B.4.19): no HT
		// without WMM, as hostapd enforces.
		caps := hr.HTCaps()
		b = ie.AppendHTCaps(b, &caps)
		v.bss.HT = true
	}
	b = append(b, v.ourRSNX...)
	if v.bssInfo.WMM {
		b = ie.AppendWMMInfo(b, 0) // no U-APSD
	}
	v.sendMgmt(b)
	v.stepCookie = v.com.cookie
	v.timer.set(now, v.cfg.Timeouts.Assoc)
}

// stepTxDone takes the TX status of the step's frame: once the AP's radio
// has acknowledged the Authentication or Association Request, the wait for
// the response runs from then, not from when the frame was queued. On a
// loaded host the status alone took 100-320 ms of the 300 ms step (seen in
// the VM lane: three Authentications to a live AP timed out, a full scan
// followed, and the roam took 3 s). mac80211 likewise times the response
// from the acknowledgement (IEEE80211_AUTH_TIMEOUT_SHORT after an ack).
func (v *Vap) stepTxDone(acked bool, now time.Time) {
	if !acked || v.sae.x != nil {
		return // unacknowledged: the step's timer retries as before; SAE has its own
	}
	switch v.state {
	case StateAuth:
		v.timer.set(now, v.cfg.Timeouts.Auth)
	case StateAssoc:
		v.timer.set(now, v.cfg.Timeouts.Assoc)
	}
}

// sendDeauth sends a Deauthentication with reason to the BSS.
func (v *Vap) sendDeauth(reason uint16) {
	b := v.mgmtHeader(frame.SubDeauth, v.bss.MAC, v.bss.MAC)
	b = binary.LittleEndian.AppendUint16(b, reason)
	v.sendMgmt(b)
}

// Output sends one Ethernet II frame (DA, SA, EtherType, payload) from the
// stack to the BSS as an 802.11 data frame (ToDS, LLC/SNAP, encrypted with
// the pairwise key). It copies eth; the caller keeps it. Frames are dropped
// (counted, ErrState) until the port is open.
func (v *Vap) Output(eth []byte) error {
	v.com.mu.Lock()
	defer v.com.unlock()
	return v.output(eth)
}

// output is Output with the Com's mutex held.
func (v *Vap) output(eth []byte) error {
	if len(eth) < EtherHeaderLen {
		v.stats.TxDropped++
		return ErrTruncated
	}
	if v.state != StateRun || !v.portOpen {
		v.stats.TxDropped++
		return ErrState
	}
	if v.holding() {
		// Off channel for a background scan visit (sent on return), or
		// probing the AP (sent when it answers, dropped if it is lost).
		if !v.bgHold(eth) {
			v.stats.TxDropped++
			return opErr("output", "", ErrNoRoom, "off channel for a background scan, or probing the AP, and the queue of %d frames or %d KiB is full", bgHeldFrames, bgHeldBytes>>10)
		}
		return nil
	}
	err := v.sendData(eth[0:6], binary.BigEndian.Uint16(eth[12:]), eth[EtherHeaderLen:])
	if err == nil && isGroup(eth[0:6]) {
		v.stats.TxGroup++
	}
	return err
}

// sendEAPOL sends an EAPOL frame to the AP: in the clear before a PTK is
// installed, encrypted after (a rekey's messages 2 and 4, group message 2).
func (v *Vap) sendEAPOL(pdu []byte) {
	v.stats.TxEAPOL++
	_ = v.sendData(v.bss.MAC, eapol.EtherType, pdu)
}

// sendEAPOLUnder sends an EAPOL frame protected by k, or in the clear when
// k is nil (message 4 answering a retransmitted message 3: wpa.go msg3).
func (v *Vap) sendEAPOLUnder(pdu []byte, k *Key) {
	v.stats.TxEAPOL++
	_ = v.sendDataKey(v.bss.MAC, eapol.EtherType, pdu, k)
}

// sendData builds, protects (with the PTK) and transmits one data MPDU.
func (v *Vap) sendData(da []byte, etherType uint16, payload []byte) error {
	return v.sendDataKey(da, etherType, payload, v.bss.PTK)
}

// userPriority classifies an MSDU into an 802.1D user priority, the TID
// of its QoS Data frame (802.11-2016 10.2.4.2, Annex M mapping through
// the access categories): IPv4 and IPv6 by the precedence bits of their
// DSCP, EAPOL at 7 (voice, as mac80211 sends it), everything else 0.
func userPriority(etherType uint16, payload []byte) uint8 {
	switch {
	case etherType == 0x0800 && len(payload) >= 2:
		return payload[1] >> 5
	case etherType == 0x86dd && len(payload) >= 2:
		return (payload[0] & 0x0f) >> 1 // Traffic Class bits 7-5
	case etherType == eapol.EtherType:
		return 7
	}
	return 0
}

// sendDataKey builds one data MPDU (no fragmentation), protects it with k
// (none when nil) and transmits it.
func (v *Vap) sendDataKey(da []byte, etherType uint16, payload []byte, k *Key) error {
	n := v.bss
	var tid uint8
	h := frame.HeaderFields{FC: frame.MakeFC(frame.TypeData, frame.SubData, frame.FlagToDS),
		Addr1: n.MAC, Addr2: v.mac, Addr3: da}
	if n.QoS {
		// QoS Data (9.2.4.5): the TID in QoS Control, Normal Ack, no
		// A-MSDU; its own sequence counter per TID.
		tid = userPriority(etherType, payload)
		h.FC = frame.MakeFC(frame.TypeData, frame.SubQoSData, frame.FlagToDS)
		h.QoS = uint16(tid)
		h.SeqCtl = frame.SeqCtlOf(n.nextSeqTID(tid), 0)
	} else {
		h.SeqCtl = frame.SeqCtlOf(n.nextSeq(), 0)
	}
	b := frame.AppendHeader(v.txBuf[:0], &h)
	hdrLen := len(b)
	b = AppendLLC(b, etherType)
	b = append(b, payload...)
	if len(b)-hdrLen > 2304 {
		v.stats.TxDropped++
		return opErr("output", n.MAC.String(), ErrNoRoom, "MSDU of %d octets exceeds 2304; lower the MTU", len(b)-hdrLen)
	}
	slot := -1
	if k != nil {
		var err error
		body, err := k.Cipher.EnMIC(k, da, v.mac, tid, b[hdrLen:])
		if err != nil {
			v.stats.TxDropped++
			return err
		}
		b = b[:hdrLen+len(body)]
		if b, err = k.Cipher.Encap(k, b, hdrLen); err != nil {
			v.stats.TxDropped++
			return err
		}
		if k.Flags&KeyHW != 0 {
			slot = k.HWSlot
		}
	}
	v.txBuf = b[:0]
	rate := v.mgmtRate()
	if n.rate != nil {
		rate = n.rate.Select(v.com.clock.Now())
	}
	n.Stats.TxFrames++
	n.Stats.TxBytes += uint64(len(payload))
	return v.com.transmit(v, b, n, rate, slot)
}
