package net80211

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// input dispatches one parsed frame (NetBSD ieee80211_input).
func (v *Vap) input(f frame.Frame, rx *RxInfo) {
	now := v.com.clock.Now()
	v.stats.RxFrames++
	switch f.Type() {
	case frame.TypeMgmt:
		v.recvMgmt(f, rx, now)
	case frame.TypeData:
		v.recvData(f, rx, now)
	case frame.TypeCtrl:
		if f.Subtype() == frame.SubBlockAckReq && v.state == StateRun {
			v.recvBlockAckReq(f, now)
			return
		}
		v.stats.RxCtrl++
	default:
		v.stats.RxCtrl++
	}
}

// recvMgmt handles management frames (NetBSD sta_recv_mgmt).
func (v *Vap) recvMgmt(f frame.Frame, rx *RxInfo, now time.Time) {
	sub := f.Subtype()
	if sub == frame.SubBeacon || sub == frame.SubProbeResp {
		if !v.cfg.ACL.Check(f.Addr3()) {
			v.stats.RxACLDenied++
			return
		}
		v.recvBeacon(f, rx, now)
		return
	}
	if !equalMAC(f.Addr1(), v.mac) && !isGroup(f.Addr1()) {
		v.stats.RxNotForUs++
		return
	}
	fromBSS := v.bss != nil && equalMAC(f.Addr2(), v.bss.MAC)
	switch {
	case fromBSS && v.pmfActive():
		if f = v.recvMgmtPMF(f, rx, now); f == nil {
			return
		}
	case f.Protected():
		v.stats.RxUnprotected++ // protected management frames only once PMF is keyed
		return
	}
	if fromBSS {
		v.bss.observe(rx.SignalDBm, now)
	}
	switch sub {
	case frame.SubAuth:
		v.recvAuth(f, now)
	case frame.SubAssocResp, frame.SubReassocResp:
		v.recvAssocResp(f, now)
	case frame.SubDeauth, frame.SubDisassoc:
		v.recvDeauth(f, now)
	case frame.SubAction:
		v.recvAction(f)
	default:
		v.stats.RxNotForUs++
	}
}

// recvData handles a data frame from our BSS: duplicate check, decryption,
// defragmentation, MSDU MIC, LLC/SNAP, then EAPOL to the supplicant and
// everything else to the stack (NetBSD ieee80211_input data path).
func (v *Vap) recvData(f frame.Frame, rx *RxInfo, now time.Time) {
	n := v.bss
	fc := f.FC()
	if v.state != StateRun || n == nil || fc&(frame.FlagToDS|frame.FlagFromDS) != frame.FlagFromDS ||
		!equalMAC(f.Addr2(), n.MAC) || (!equalMAC(f.Addr1(), v.mac) && !isGroup(f.Addr1())) {
		v.stats.RxNotForUs++
		return
	}
	if isGroup(f.Addr1()) && equalMAC(f.Addr3(), v.mac) {
		// Our own multicast relayed back by the AP (SA = us): drop it
		// (NetBSD ieee80211_input does the same).
		v.stats.RxOwnGroup++
		return
	}
	if fc.Subtype()&4 != 0 { // Null and QoS Null: no body
		n.observe(rx.SignalDBm, now)
		return
	}
	qos := fc.IsQoSData()
	ridx := replayIndex(qos, f.TID())
	if n.isDup(ridx, f.SeqCtl(), fc&frame.FlagRetry != 0) {
		v.stats.RxDup++
		n.Stats.RxDup++
		return
	}
	n.observe(rx.SignalDBm, now)
	if qos && !isGroup(f.Addr1()) {
		if r := n.rxba[f.TID()&(NumTIDs-1)]; r != nil {
			v.reorderData(n, r, f, rx, now)
			return
		}
	}
	v.recvMPDU(n, f, rx, now)
}

// recvMPDU takes a data MPDU from our BSS that passed the duplicate check
// and, under a Block Ack agreement, the reordering: decryption,
// defragmentation, MSDU MIC, LLC/SNAP, delivery.
func (v *Vap) recvMPDU(n *Node, f frame.Frame, rx *RxInfo, now time.Time) {
	if v.bss != n || v.state != StateRun {
		v.stats.RxNotForUs++ // released by reordering after the node left
		return
	}
	fc := f.FC()
	qos := fc.IsQoSData()
	// Read before decryption moves the MAC header.
	amsdu := qos && f.QoSCtl()&frame.QoSAMSDU != 0
	fragmented := fc&frame.FlagMoreFrag != 0 || f.SeqCtl()&0xf != 0
	b := []byte(f)
	hdrLen := f.HeaderLen()
	var key *Key
	if f.Protected() {
		key = v.rxKey(f)
		if key == nil {
			v.stats.RxNoKey++
			return
		}
		hw := rx.Decrypted && key.Flags&KeyHW != 0
		if rx.pre != nil {
			// Decrypted by InputBurst's batch: from here it is a frame
			// the radio decrypted (MIC checked and removed).
			var ok bool
			if b, ok = v.predecrypted(n, key, b, rx); !ok {
				return
			}
			hw = true
		}
		if hw && rx.HWSlot != 0 && rx.HWSlot-1 != key.HWSlot {
			// The card decrypted it with the key this one replaced (it was
			// in the RX ring when the rekey installed the new key): its PN
			// belongs to the old key's sequence (12.5.3.4.4), so it is
			// checked against the retired key's counters, never the new
			// key's. Anything older than that is dropped.
			if r := n.retiredPTK; r != nil && key == n.PTK && (r.Flags&KeyHW != 0 || r.slotFreed) && r.HWSlot == rx.HWSlot-1 {
				key = r
				v.stats.RxRetiredKey++
			} else {
				v.stats.RxStaleKey++
				return
			}
		}
		// A frame that failed under the new pairwise key may be under the
		// one the last rekey retired: without Extended Key ID the AP
		// switches keys only when our message 4 reaches it, so what it
		// sent meanwhile is under the old key (IEEE 802.11-2020
		// 12.6.21: the PTK0 rekey race). Such a frame is kept in spare
		// (decryption overwrites it) and tried under the retired key,
		// replay-checked against that key's counters, until a frame
		// under the new key shows that the AP has switched.
		retry := !hw && key == n.PTK && n.retiredPTK != nil && !n.ptkConfirmed && len(b) <= len(v.rxSpare)
		if retry {
			copy(v.rxSpare[:], b)
		}
		out, err := key.Cipher.Decap(key, b, hdrLen, hw)
		if errors.Is(err, ErrDecrypt) && retry {
			copy(b, v.rxSpare[:len(b)])
			r := n.retiredPTK
			if out, err = r.Cipher.Decap(r, b, hdrLen, false); err == nil {
				v.stats.RxRetiredKey++
				key = r
			}
		}
		if err != nil {
			v.countDecapError(n, err)
			return
		}
		if key == n.PTK {
			n.ptkConfirmed = true
		}
		b = out
	} else if n.PTK != nil || (v.secure && v.portOpen) {
		// With keys in place every data frame must be protected, except
		// EAPOL that the AP sends in the clear (some APs do during a rekey);
		// never an A-MSDU, whose body only looks like EAPOL when forged.
		if amsdu || !isEAPOL(b[hdrLen:]) {
			v.stats.RxUnprotected++
			return
		}
	}
	if amsdu {
		if fragmented {
			v.stats.RxAMSDU++
			v.stats.RxAMSDUFragment++ // never fragmented (10.12)
			return
		}
		v.recvAMSDU(n, b, hdrLen, key, now)
		return
	}
	mpdu := b
	b = n.frag.add(b, hdrLen, now, &v.stats)
	if b == nil {
		return
	}
	inPlace := &b[0] == &mpdu[0] // not reassembled from fragments
	df := frame.Frame(b)
	if key != nil && key.Cipher.MICLen() > 0 {
		body, err := key.Cipher.DeMIC(key, df.DA(), df.SA(), df.TID(), qos, b[hdrLen:])
		if err != nil {
			v.stats.RxMICFailure++
			v.michaelFailure(key, now)
			return
		}
		b = b[:hdrLen+len(body)]
	}
	if isEAPOL(b[hdrLen:]) {
		v.stats.EAPOLRx++
		v.sup.input(v, b[hdrLen+LLCLen:], key != nil, now)
		return
	}
	if !v.portOpen {
		v.stats.RxPortClosed++
		return
	}
	eth, err := ToEther(b, hdrLen)
	if err != nil {
		v.stats.RxMalformed++
		return
	}
	v.apHeard(now)
	v.deliver(n, eth, inPlace)
}

// deliver passes one Ethernet frame from the BSS node n to the port or the
// Sink. inPlace says eth lies in the input buffer (the port may take the
// buffer instead of copying).
func (v *Vap) deliver(n *Node, eth []byte, inPlace bool) {
	n.Stats.RxFrames++
	n.Stats.RxBytes += uint64(len(eth) - EtherHeaderLen)
	v.stats.RxDelivered++
	if isGroup(eth[0:6]) {
		v.stats.RxGroup++
	}
	if p := v.port; p != nil {
		p.enqueue(v.com, eth, inPlace)
		return
	}
	if sink := v.cfg.Sink; sink != nil {
		// Deliver without the lock so the stack may transmit from the
		// callback. The input buffer is set aside meanwhile: an InputBuf
		// that runs in that window (another goroutine, or the callback
		// itself) sets and clears the Com's own, and would otherwise
		// leave this one unfreed (and later MSDUs of an A-MSDU in it
		// unconverted in place).
		c := v.com
		buf, raw := c.inBuf, c.inBytes
		c.inBuf, c.inBytes = nil, nil
		c.mu.Unlock()
		sink.DeliverEther(eth)
		c.mu.Lock()
		c.inBuf, c.inBytes = buf, raw
	}
}

// rxKey picks the key for a protected frame: the group key by key ID for
// group-addressed frames, the pairwise key otherwise (12.5.3.4.4; a frame
// with key ID ≠ 0 to our unicast address uses the group slots, as WEP
// default keys do).
func (v *Vap) rxKey(f frame.Frame) *Key {
	id := FrameKeyID(f)
	if id < 0 {
		return nil
	}
	if !isGroup(f.Addr1()) && v.bss.PTK != nil && (id == 0 || v.bss.PTK.ID == uint8(id)) {
		return v.bss.PTK
	}
	return v.gtk[id]
}

func (v *Vap) countDecapError(n *Node, err error) {
	switch {
	case errors.Is(err, ErrReplay):
		v.stats.RxReplay++
		n.Stats.RxReplay++
	case errors.Is(err, ErrDecrypt):
		v.stats.RxDecryptErr++
		n.Stats.RxDecryptErr++
	default:
		v.stats.RxBadCipherHdr++
	}
}

// isEAPOL reports an LLC/SNAP body carrying EtherType 0x888e.
func isEAPOL(body []byte) bool {
	return len(body) >= LLCLen && [6]byte(body[:6]) == rfc1042 && binary.BigEndian.Uint16(body[6:]) == eapol.EtherType
}
