package net80211

import (
	"encoding/binary"
	"io"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// Protected management frames (IEEE 802.11w, in 802.11-2016 12.2.7 and
// 12.5.4; SA Query 11.13). Once the 4-way handshake of an association
// with MFPC on both sides installed the PTK, robust management frames
// (Deauthentication, Disassociation, and Action frames of the robust
// categories, table 9-47) to us are protected under the PTK (CCMP-128,
// GCMP-128 or GCMP-256), and
// group-addressed ones carry a Management MIC element checked with the
// IGTK (BIP-CMAC-128, BIP-GMAC-128, BIP-GMAC-256 or BIP-CMAC-256 as the
// AP's RSN element names: crypto_bip.go). Unprotected ones are dropped; an unprotected
// Deauthentication or Disassociation starts an SA Query instead of
// ending the association, so a forged one cannot throw us out.

// SA Query action codes (9.6.10).
const (
	actionSAQueryRequest  = 0
	actionSAQueryResponse = 1
)

// saQuery paces the SA Query procedure (11.13): a request every
// saQueryRetry until saQueryMax passes without a protected response;
// then the AP no longer has our security association and we rejoin.
const (
	saQueryRetry = 201 * 1024 * time.Microsecond // dot11AssociationSAQueryRetryTimeout, 201 TU
	saQueryMax   = 1000 * 1024 * time.Microsecond
)

// igtk is an installed integrity group temporal key (IGTK KDE, 12.7.2).
type igtk struct {
	bip *BIP
	ipn uint64 // last valid IPN received
}

// pmfState is the vap's PMF state for one association.
type pmfState struct {
	on bool // MFPC on both sides: protect robust frames once keyed
	// suite is the group management cipher (the AP's RSN element's, BIP-CMAC-128 when it names none).
	suite ie.Suite
	igtk  [2]*igtk // key IDs 4 and 5
	query struct {
		active  bool
		id      uint16
		started time.Time
		next    deadline
	}
}

// pmfActive reports whether robust management frames must be protected
// now: PMF negotiated and the pairwise key installed.
func (v *Vap) pmfActive() bool { return v.pmf.on && v.bss != nil && v.bss.PTK != nil }

// robust reports a robust management frame (12.2.7, table 9-47).
func robust(f frame.Frame) bool {
	switch f.Subtype() {
	case frame.SubDeauth, frame.SubDisassoc:
		return true
	case frame.SubAction:
		b := f.Body()
		if f.Protected() || len(b) == 0 {
			return true
		}
		switch b[0] {
		case frame.CategoryPublic, frame.CategoryHT, 11 /* Unprotected WNM */, 15 /* Self-protected */, 20, /* Unprotected DMG */
			frame.CategoryVHT, frame.CategoryVendor:
			return false
		}
		return true
	}
	return false
}

// igtkKDELen is the length of a valid IGTK KDE's data (Key ID 2 octets,
// IPN 6, the IGTK) for the negotiated group management cipher.
func (v *Vap) igtkKDELen() int { return 8 + BIPKeyLen(v.pmf.suite) }

// installIGTK installs the IGTK of an IGTK KDE (Key ID 2 octets, IPN 6,
// key): the key IDs are 4 or 5 (12.7.2), the key as long as the group
// management cipher's, a repeated key keeps its IPN.
func (v *Vap) installIGTK(kde []byte) bool {
	if len(kde) != v.igtkKDELen() {
		return false
	}
	id := binary.LittleEndian.Uint16(kde)
	if id != 4 && id != 5 {
		return false
	}
	if old := v.pmf.igtk[id-4]; old != nil && old.bip.SameKey(kde[8:]) {
		return true // reinstalling would rewind the IPN
	}
	b, err := NewBIP(v.pmf.suite, id, kde[8:])
	if err != nil {
		return false
	}
	ipn := uint64(binary.LittleEndian.Uint32(kde[2:])) | uint64(binary.LittleEndian.Uint16(kde[6:]))<<32
	v.pmf.igtk[id-4] = &igtk{bip: b, ipn: ipn}
	return true
}

// verifyBIP checks the Management MIC element of a group-addressed
// robust frame (12.5.4.6): the MME is the last element, of the length of
// the negotiated group management cipher's, names an installed IGTK, its
// IPN is above the key's, and its MIC verifies (BIP.Check).
func (v *Vap) verifyBIP(f frame.Frame) bool {
	ipn, id, err := MMEFields(f, BIPMICLen(v.pmf.suite))
	if err != nil || id != 4 && id != 5 || v.pmf.igtk[id-4] == nil {
		return false
	}
	k := v.pmf.igtk[id-4]
	if ipn <= k.ipn {
		v.stats.RxMgmtReplay++
		return false
	}
	if _, err := k.bip.Check(f); err != nil {
		return false
	}
	k.ipn = ipn
	v.stats.RxBIPVerified++
	return true
}

// recvMgmtPMF screens a management frame for our BSS while PMF is
// active. It returns the frame to act on (decrypted when it came
// protected) or nil when the frame is dropped.
func (v *Vap) recvMgmtPMF(f frame.Frame, rx *RxInfo, now time.Time) frame.Frame {
	switch {
	case f.Protected() && !isGroup(f.Addr1()):
		k := v.bss.PTK
		hw := rx.Decrypted && k.Flags&KeyHW != 0
		out, err := k.Cipher.Decap(k, f, f.HeaderLen(), hw)
		if err != nil {
			v.countDecapError(v.bss, err)
			return nil
		}
		g, err := frame.Parse(out)
		if err != nil {
			v.stats.RxMalformed++
			return nil
		}
		return g
	case f.Protected():
		v.stats.RxUnprotected++ // group-addressed frames use BIP, not CCMP
		return nil
	case !robust(f):
		return f
	case isGroup(f.Addr1()):
		if !v.verifyBIP(f) {
			v.stats.RxBIPError++
			return nil
		}
		return f
	}
	// An unprotected robust frame to us: forged, or the AP lost our
	// keys (it restarted). A Deauthentication or Disassociation starts
	// the SA Query that tells the two apart (11.13).
	v.stats.RxMgmtUnprotected++
	if sub := f.Subtype(); (sub == frame.SubDeauth || sub == frame.SubDisassoc) && !v.pmf.query.active {
		v.startSAQuery(now)
	}
	return nil
}

// startSAQuery sends the first SA Query Request.
func (v *Vap) startSAQuery(now time.Time) {
	q := &v.pmf.query
	var id [2]byte
	if _, err := io.ReadFull(v.cfg.Rand, id[:]); err != nil {
		return
	}
	q.active, q.id, q.started = true, binary.LittleEndian.Uint16(id[:]), now
	v.sendSAQuery(actionSAQueryRequest, q.id)
	q.next.set(now, saQueryRetry)
}

// saQueryTick retries the SA Query, or ends the association when the AP
// has not answered within saQueryMax: it no longer knows our keys.
func (v *Vap) saQueryTick(now time.Time) {
	q := &v.pmf.query
	if !q.active || !q.next.expired(now) {
		return
	}
	if now.Sub(q.started) >= saQueryMax {
		q.active = false
		v.stats.SAQueryTimeouts++
		v.deauthed(false, frame.ReasonDeauthLeaving, now)
		return
	}
	v.sendSAQuery(actionSAQueryRequest, q.id)
	q.next.set(now, saQueryRetry)
}

// recvSAQuery answers the AP's SA Query Request and ends our own query on
// its response (11.13). Both arrive protected: recvMgmtPMF let only
// protected robust frames through.
func (v *Vap) recvSAQuery(a frame.Action) {
	p := a.Payload()
	if len(p) < 2 {
		v.stats.RxMalformed++
		return
	}
	id := binary.LittleEndian.Uint16(p)
	switch a.ActionCode() {
	case actionSAQueryRequest:
		v.stats.SAQueryAnswered++
		v.sendSAQuery(actionSAQueryResponse, id)
	case actionSAQueryResponse:
		if q := &v.pmf.query; q.active && q.id == id {
			q.active = false
			q.next.clear()
			v.stats.SAQueryConfirmed++
		}
	}
}

func (v *Vap) sendSAQuery(action uint8, id uint16) {
	b := v.mgmtHeader(frame.SubAction, v.bss.MAC, v.bss.MAC)
	b = append(b, frame.CategorySAQuery, action)
	b = binary.LittleEndian.AppendUint16(b, id)
	v.sendMgmt(b)
}
