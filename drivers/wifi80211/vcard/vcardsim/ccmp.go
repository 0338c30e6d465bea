package vcardsim

import "encoding/binary"

// Frame-control bits the key cache needs (IEEE 802.11-2016 9.2.4.1).
const (
	fcTypeMask  = 0x000c
	fcTypeMgmt  = 0x0000
	fcTypeCtrl  = 0x0004
	fcTypeData  = 0x0008
	fcQoS       = 0x0080 // data subtype bit 3
	fcToDS      = 0x0100
	fcFromDS    = 0x0200
	fcRetry     = 0x0800
	fcPwrMgt    = 0x1000
	fcMoreData  = 0x2000
	fcProtected = 0x4000
	fcOrder     = 0x8000

	ccmpHdrLen = 8
	ccmpMICLen = 8
	extIV      = 0x20
)

// hdrLen is the MAC header length of frame, or 0 when it is too short to
// hold one (IEEE 802.11-2016 9.3: 24 bytes, +6 for Address 4, +2 for QoS
// Control, +4 for HT Control when Order is set on QoS data or management).
func hdrLen(frame []byte) int {
	if len(frame) < 10 {
		return 0
	}
	fc := binary.LittleEndian.Uint16(frame)
	n := 0
	switch fc & fcTypeMask {
	case fcTypeMgmt:
		n = 24
		if fc&fcOrder != 0 {
			n += 4
		}
	case fcTypeData:
		n = 24
		if fc&(fcToDS|fcFromDS) == fcToDS|fcFromDS {
			n += 6
		}
		if fc&fcQoS != 0 {
			n += 2
			if fc&fcOrder != 0 {
				n += 4
			}
		}
	default:
		return 0 // control frames are never protected or filtered by BSSID
	}
	if len(frame) < n {
		return 0
	}
	return n
}

// rscIndex is the receive-counter index of a frame: the TID for QoS data,
// 0 for other data, reg.RSCMgmt for management frames.
func rscIndex(frame []byte, hl int) int {
	fc := binary.LittleEndian.Uint16(frame)
	switch {
	case fc&fcTypeMask == fcTypeMgmt:
		return 16
	case fc&fcQoS != 0:
		return int(frame[hl-2-qosHTC(fc)] & 0x0f)
	}
	return 0
}

func qosHTC(fc uint16) int {
	if fc&fcOrder != 0 {
		return 4
	}
	return 0
}

// ccmpParams builds the CCM nonce and AAD of an MPDU header for packet number
// pn (IEEE 802.11-2016 12.5.3.3.3 and 12.5.3.3.4, with the masking Linux
// mac80211 applies: Retry, PwrMgt and MoreData cleared, data subtype bits
// 4..6 cleared, Protected set; sequence number zeroed, fragment number kept;
// QoS Control reduced to the TID). It returns the AAD length.
func ccmpParams(hdr []byte, pn uint64, nonce *[13]byte, aad *[30]byte) int {
	fc := binary.LittleEndian.Uint16(hdr)
	mfc := fc &^ (fcRetry | fcPwrMgt | fcMoreData)
	mgmt := fc&fcTypeMask == fcTypeMgmt
	if !mgmt {
		mfc &^= 0x0070
	}
	mfc |= fcProtected
	binary.LittleEndian.PutUint16(aad[0:], mfc)
	copy(aad[2:20], hdr[4:22]) // A1, A2, A3
	aad[20], aad[21] = hdr[22]&0x0f, 0
	n, qos := 22, 24
	if fc&(fcToDS|fcFromDS) == fcToDS|fcFromDS && !mgmt {
		copy(aad[22:28], hdr[24:30])
		n, qos = 28, 30
	}
	var prio byte
	if !mgmt && fc&fcQoS != 0 {
		prio = hdr[qos] & 0x0f
		aad[n], aad[n+1] = prio, 0
		n += 2
	}
	if mgmt {
		prio = 0x10 // management frames (IEEE 802.11-2016 12.5.3.3.4)
	}
	nonce[0] = prio
	copy(nonce[1:7], hdr[10:16]) // A2
	for i := 0; i < 6; i++ {
		nonce[7+i] = byte(pn >> (40 - 8*i))
	}
	return n
}

// putCCMPHeader writes the 8-byte CCMP header (12.5.3.2).
func putCCMPHeader(b []byte, pn uint64, keyIdx uint8) {
	b[0], b[1], b[2], b[3] = byte(pn), byte(pn>>8), 0, extIV|keyIdx<<6
	b[4], b[5], b[6], b[7] = byte(pn>>16), byte(pn>>24), byte(pn>>32), byte(pn>>40)
}

// ccmpHeaderPN reads PN and key ID from a CCMP header; ok is false without
// the ExtIV bit (then it is a WEP-style header the card does not handle).
func ccmpHeaderPN(b []byte) (pn uint64, keyIdx uint8, ok bool) {
	if b[3]&extIV == 0 {
		return 0, 0, false
	}
	pn = uint64(b[0]) | uint64(b[1])<<8 | uint64(b[4])<<16 | uint64(b[5])<<24 | uint64(b[6])<<32 | uint64(b[7])<<40
	return pn, b[3] >> 6, true
}
