package net80211

import (
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// Receive reordering under an HT-immediate Block Ack agreement (IEEE
// 802.11-2016 10.24.7.6, "Receive reordering buffer control operation").
// An AP that sends A-MPDUs retransmits only the MPDUs the Block Ack bitmap
// says were lost, so MPDUs of one TID reach us out of order; the recipient
// holds them until the sequence is whole and passes MSDUs up in order.
// Reordering runs before decryption, as in mac80211: the replay check
// wants packet numbers in the order they were sent.
const (
	// maxReorderWindow is the largest WinSizeB we accept (64: the
	// compressed Block Ack bitmap).
	maxReorderWindow = 64
	// reorderSlotLen holds the largest MPDU we accept: an A-MSDU of
	// MaxAMSDULen (which exceeds the 2304-octet MSDU), a QoS header with
	// HT Control, CCMP/GCMP header and MIC, FCS.
	reorderSlotLen = MaxAMSDULen + 34 + 8 + 16 + 4
	// ReorderTimeout releases held MPDUs past a hole that was never
	// filled (the AP gave up on the missing MPDU and sent no BlockAckReq):
	// mac80211's HT_RX_REORDER_BUF_TIMEOUT.
	ReorderTimeout = 100 * time.Millisecond
	seqMod         = 1 << 12 // sequence numbers are 12 bits (9.2.4.4.2)
)

// heldMPDU is one reordering slot: a copy of an MPDU received ahead of a
// hole, with its receive information.
type heldMPDU struct {
	b    []byte // reorderSlotLen bytes of storage
	n    int    // the MPDU's length, 0 when the slot is empty
	sn   uint16
	at   time.Time
	rx   RxInfo
	held bool
}

// reorder is the receive side of one Block Ack agreement (one TID of the
// AP). WinStartB is the sequence number of the next MSDU owed to the
// stack; slots[sn%size] holds MPDUs received ahead of it. Storage is made
// when the agreement is accepted; the data path never allocates.
type reorder struct {
	tid      uint8
	winStart uint16
	size     uint16
	held     int
	slots    []heldMPDU
	spare    []byte // swapped with a slot's storage while its MPDU goes up
}

func newReorder(tid uint8, ssn, size uint16) *reorder {
	r := &reorder{tid: tid, winStart: ssn & (seqMod - 1), size: size, slots: make([]heldMPDU, size), spare: make([]byte, reorderSlotLen)}
	for i := range r.slots {
		r.slots[i].b = make([]byte, reorderSlotLen)
	}
	return r
}

func seqSub(a, b uint16) uint16 { return (a - b) & (seqMod - 1) }

// reorderData takes a QoS Data MPDU of the agreement r's TID. It passes
// MPDUs up (through recvMPDU) in sequence order, holds the ones ahead of a
// hole as copies, and drops old ones and duplicates; it never keeps f.
func (v *Vap) reorderData(n *Node, r *reorder, f frame.Frame, rx *RxInfo, now time.Time) {
	sn := f.SeqCtl() >> 4
	d := seqSub(sn, r.winStart)
	switch {
	case d >= seqMod/2:
		// WinStartB+2^11 ≤ SN < WinStartB: already passed up or given up.
		v.stats.RxReorderOld++
		return
	case d >= r.size:
		// Beyond the window: it moves so SN is its last slot, and what
		// falls out of it goes up in order, holes skipped.
		v.releaseTo(n, r, seqSub(sn, r.size-1), now)
	}
	if sn == r.winStart {
		r.winStart = (r.winStart + 1) & (seqMod - 1)
		v.recvMPDU(n, f, rx, now)
		v.releaseInOrder(n, r, now)
		return
	}
	s := &r.slots[sn%r.size]
	switch {
	case s.held && s.sn == sn:
		v.stats.RxReorderDup++
		return
	case len(f) > len(s.b):
		v.stats.RxReorderTooLong++
		return
	}
	if !s.held {
		r.held++
	}
	s.n = copy(s.b, f)
	s.sn, s.at, s.rx, s.held = sn, now, *rx, true
	v.stats.RxReorderHeld++
}

// releaseTo moves WinStartB to ssn, passing up every held MPDU before it
// in order (10.24.7.6.2 c, and a BlockAckReq's SSN, 10.24.7.6.3).
func (v *Vap) releaseTo(n *Node, r *reorder, ssn uint16, now time.Time) {
	for r.winStart != ssn {
		sn := r.winStart
		r.winStart = (r.winStart + 1) & (seqMod - 1)
		v.releaseSlot(n, r, sn, now)
	}
	v.releaseInOrder(n, r, now)
}

// releaseInOrder passes up the held MPDUs from WinStartB on until the
// first hole.
func (v *Vap) releaseInOrder(n *Node, r *reorder, now time.Time) {
	for r.held > 0 {
		s := &r.slots[r.winStart%r.size]
		if !s.held || s.sn != r.winStart {
			return
		}
		sn := r.winStart
		r.winStart = (r.winStart + 1) & (seqMod - 1)
		v.releaseSlot(n, r, sn, now)
	}
}

// releaseSlot passes up the MPDU held for sn, if any. The slot's storage
// is swapped for the spare first, so a frame that arrives while the MPDU
// is up (a Sink delivers without the lock) cannot overwrite it.
func (v *Vap) releaseSlot(n *Node, r *reorder, sn uint16, now time.Time) {
	s := &r.slots[sn%r.size]
	if !s.held || s.sn != sn {
		return
	}
	b, rx := s.b[:s.n], s.rx
	s.held, s.n = false, 0
	r.held--
	if r.spare == nil {
		r.spare = make([]byte, reorderSlotLen) // only when a Sink delivery overlapped
	}
	s.b, r.spare = r.spare, nil
	// The MPDU is not in the buffer Input is working on: the port must
	// copy it rather than take the input mbuf.
	buf, bytes := v.com.inBuf, v.com.inBytes
	v.com.inBuf, v.com.inBytes = nil, nil
	v.recvMPDU(n, frame.Frame(b), &rx, now)
	v.com.inBuf, v.com.inBytes = buf, bytes
	r.spare = b[:cap(b)]
}

// reorderTick releases MPDUs held longer than ReorderTimeout: the window
// moves past the hole before the first held MPDU when that one has waited
// that long.
func (v *Vap) reorderTick(now time.Time) {
	n := v.bss
	if n == nil {
		return
	}
	for _, r := range n.rxba {
		for r != nil && r.held > 0 {
			first := -1 // the held MPDU next in sequence
			for i := range r.slots {
				s := &r.slots[i]
				if s.held && (first < 0 || seqSub(s.sn, r.winStart) < seqSub(r.slots[first].sn, r.winStart)) {
					first = i
				}
			}
			if now.Sub(r.slots[first].at) < ReorderTimeout {
				break
			}
			v.stats.RxReorderTimeouts++
			v.releaseTo(n, r, (r.slots[first].sn+1)&(seqMod-1), now)
		}
	}
}

// recvBlockAckReq handles a BlockAckReq from our AP: the originator has
// given up on what lies before its starting sequence number, so those
// MPDUs go up now (10.24.7.6.3). The Block Ack answer itself is the
// card's (the medium's) business, as the ACK is.
func (v *Vap) recvBlockAckReq(f frame.Frame, now time.Time) {
	n := v.bss
	if n == nil || len(f.Addr2()) != 6 || !equalMAC(f.Addr2(), n.MAC) || !equalMAC(f.Addr1(), v.mac) {
		v.stats.RxNotForUs++
		return
	}
	bar, err := frame.ParseBlockAckReq(f[f.HeaderLen():])
	if err != nil || bar.Control()&frame.BACtlMultiTID != 0 || bar.TID() >= NumTIDs {
		v.stats.RxMalformed++
		return
	}
	v.stats.RxBlockAckReq++
	r := n.rxba[bar.TID()]
	if r == nil {
		return
	}
	if d := seqSub(bar.StartSeq(), r.winStart); d != 0 && d < seqMod/2 {
		v.releaseTo(n, r, bar.StartSeq(), now)
	}
}

// endAgreement passes up everything the agreement of tid holds, in order,
// and removes it (a DELBA, or a new ADDBA for the same TID).
func (v *Vap) endAgreement(n *Node, tid uint8, now time.Time) {
	r := n.rxba[tid]
	if r == nil {
		return
	}
	n.rxba[tid] = nil
	for r.held > 0 {
		sn := r.winStart
		r.winStart = (r.winStart + 1) & (seqMod - 1)
		v.releaseSlot(n, r, sn, now)
	}
}
