package wlantest

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/sae"
)

// saeTokenLen is the length of the anti-clogging tokens the AP hands out.
const saeTokenLen = 8

// The AP's SAE protocol instance states (802.11-2020 12.4.8.6), reduced as
// hostapd reduces them for an infrastructure BSS: it never retransmits,
// and its Confirmed state lasts only while it sends its Confirm.
const (
	saeNothing = iota
	saeCommitted
	saeAccepted
)

// saeSync is hostapd's default dot11RSNASAESync (sae_sync=5).
const saeSync = 5

// apSAE is the AP's half of one station's SAE exchange.
type apSAE struct {
	state int
	x     *sae.Exchange
	pwe   *sae.Element
	h2e   bool
	rc    uint16 // send-confirm of the last Confirm accepted (Rc)
	tmp   bool   // the exchange's temporary data is held (hostapd's sae->tmp)
	sync  int
}

// saeAuth is the AP side of SAE as hostapd 2.10 does it (src/ap/
// ieee802_11.c, handle_auth_sae and sae_sm_step), so that the station's
// recovery is tested against that behaviour:
//   - a Commit in Nothing or Accepted state gets a new commit of ours (new
//     rand), in Committed state the same commit again (hostapd goes back
//     to Nothing and reuses its commit);
//   - with SAETokens every Commit without a token gets a token request,
//     except one that restarts a Committed exchange; a token is good for
//     one Commit: a Commit with a used or unknown token is dropped
//     silently, and the instance stays in Nothing;
//   - a Confirm in Committed state that verifies gets our Confirm (and the
//     station is accepted), one that does not status 1; in Accepted state
//     a Confirm with a higher send-confirm that verifies gets our Confirm
//     once more (send-confirm 0xffff) and the temporary data is dropped,
//     so any later one is refused with status 1; a Confirm with a
//     send-confirm not above the last is ignored; in Nothing state a
//     Confirm that verifies is ignored ("SAE confirm before commit").
func (a *AP) saeAuth(f frame.Frame, au frame.Auth) {
	switch au.Seq() {
	case sae.AuthSeqCommit:
		a.saeCommit(f, au)
	case sae.AuthSeqConfirm:
		a.saeConfirm(f, au)
	}
}

func (a *AP) saeCommit(f frame.Frame, au frame.Auth) {
	a.Stats.SAECommits++
	body := au.Elements()
	h2e := au.Status() == sae.StatusHashToElement
	if h2e != a.cfg.SAEH2E {
		a.saeReply(f.Addr2(), sae.AuthSeqCommit, frame.StatusUnspecified, nil)
		return
	}
	if a.sta == nil || !equal(a.sta.mac, f.Addr2()) {
		a.sta = &apSTA{mac: append(net.HardwareAddr(nil), f.Addr2()...)}
	}
	s := &a.sta.sae
	reuse := false
	if s.state == saeCommitted {
		s.state, reuse = saeNothing, s.h2e == h2e
	}
	if len(body) < 2 || !a.saeGroupOK(binary.LittleEndian.Uint16(body)) {
		// hostapd: status 77, and the station tries its next group.
		a.Stats.SAEGroupRefusals++
		a.saeReply(f.Addr2(), sae.AuthSeqCommit, sae.StatusGroupRefused, nil)
		return
	}
	group := binary.LittleEndian.Uint16(body)
	tokenLen := 0
	if a.cfg.SAETokens && !h2e && len(body) > 2+sae.ElementLen(group)*3 {
		tokenLen = saeTokenLen
	}
	c, err := sae.ParseCommit(body, h2e, tokenLen)
	if err != nil {
		return
	}
	for r := c.RejectedGroups; len(r) >= 2; r = r[2:] {
		if a.saeGroupOK(binary.LittleEndian.Uint16(r)) {
			// hostapd (check_sae_rejected_groups): a group named as
			// rejected that we do support is a downgrade attempt.
			a.saeReply(f.Addr2(), sae.AuthSeqCommit, frame.StatusUnspecified, nil)
			return
		}
	}
	switch {
	case c.Token != nil && (a.saeToken == nil || !bytes.Equal(c.Token, a.saeToken)):
		a.Stats.SAEBadTokens++
		return
	case c.Token != nil:
		a.saeToken = nil // used
	case a.cfg.SAETokens && !reuse:
		a.Stats.SAETokenReqs++
		a.saeTokens++
		a.saeToken = fmt.Appendf(nil, "tok%05d", a.saeTokens%100000)
		req := binary.LittleEndian.AppendUint16(nil, group)
		if h2e {
			req = append(req, 255, byte(1+len(a.saeToken)), 93)
		}
		req = append(req, a.saeToken...)
		a.saeReply(f.Addr2(), sae.AuthSeqCommit, sae.StatusTokenRequired, req)
		return
	}
	if !reuse {
		if s.pwe == nil || s.h2e != h2e || s.pwe.Group() != group {
			if s.pwe, err = a.saePWE(f.Addr2(), group, h2e); err != nil {
				return
			}
		}
		if s.x, err = sae.NewExchange(s.pwe, a.cfg.Rand); err != nil {
			return
		}
	}
	if err := s.x.Process(&c); err != nil {
		return // invalid commits are discarded silently
	}
	s.h2e, s.state, s.tmp, s.sync = h2e, saeCommitted, true, 0
	own := s.x.Commit()
	status := uint16(frame.StatusSuccess)
	if h2e {
		status = sae.StatusHashToElement
	}
	a.saeReply(f.Addr2(), sae.AuthSeqCommit, status, sae.AppendCommit(nil, &own, h2e))
}

func (a *AP) saeConfirm(f frame.Frame, au frame.Auth) {
	a.Stats.SAEConfirms++
	if a.sta == nil || a.sta.sae.x == nil || !equal(a.sta.mac, f.Addr2()) {
		return
	}
	s := &a.sta.sae
	cf, err := sae.ParseConfirm(au.Elements())
	if err == nil && s.state == saeAccepted && (cf.SendConfirm <= s.rc || cf.SendConfirm == 0xffff) {
		a.Stats.SAEIgnoredConfirms++
		return
	}
	if err != nil || !s.tmp || s.x.Verify(&cf) != nil {
		a.Stats.SAEBadConfirms++
		a.saeReply(f.Addr2(), sae.AuthSeqConfirm, frame.StatusUnspecified, nil)
		return
	}
	s.rc = cf.SendConfirm
	var sc uint16 = 1
	switch s.state {
	case saeNothing:
		a.Stats.SAEIgnoredConfirms++
		return
	case saeAccepted:
		if s.sync > saeSync {
			s.state, s.sync = saeNothing, 0
			return
		}
		s.sync++
		sc, s.tmp = 0xffff, false
	}
	own, err := s.x.Confirm(sc)
	if err != nil {
		return
	}
	if s.state == saeCommitted {
		keys, _ := s.x.Keys()
		a.sta.saePMK, a.sta.saeDone = keys.PMK, true
		if a.pmksa == nil {
			a.pmksa = make(map[[16]byte][32]byte)
		}
		a.pmksa[keys.PMKID] = keys.PMK
		s.state = saeAccepted
	}
	a.saeReply(f.Addr2(), sae.AuthSeqConfirm, frame.StatusSuccess, sae.AppendConfirm(nil, &own))
}

// saeGroupOK reports whether the AP runs SAE in group (Config.SAEGroups;
// 19 alone by default, as hostapd's sae_groups).
func (a *AP) saeGroupOK(group uint16) bool {
	gs := a.cfg.SAEGroups
	if len(gs) == 0 {
		gs = []uint16{sae.Group19}
	}
	for _, g := range gs {
		if g == group {
			return true
		}
	}
	return false
}

func (a *AP) saePWE(sta []byte, group uint16, h2e bool) (*sae.Element, error) {
	if !h2e {
		return sae.PWEHuntAndPeck(group, []byte(a.cfg.Passphrase), nil, a.bssid, sta)
	}
	pt, err := sae.DerivePT(group, a.cfg.SSID, []byte(a.cfg.Passphrase), nil)
	if err != nil {
		return nil, err
	}
	return sae.PWEFromPT(pt, a.bssid, sta)
}

func (a *AP) saeReply(da []byte, seq, status uint16, body []byte) {
	b := a.header(frame.TypeMgmt, frame.SubAuth, 0, da, a.bssid)
	b = binary.LittleEndian.AppendUint16(b, frame.AuthSAE)
	b = binary.LittleEndian.AppendUint16(b, seq)
	b = binary.LittleEndian.AppendUint16(b, status)
	a.tx(append(b, body...))
}

// pmksaHit looks the first PMKID of the station's RSN element up; on a hit
// the association runs on that PMK, as if SAE had just completed.
func (a *AP) pmksaHit(ids [][16]byte) bool {
	if len(ids) > 0 {
		if pmk, ok := a.pmksa[ids[0]]; ok {
			a.sta.saePMK, a.sta.saeDone = pmk, true
			a.Stats.PMKSAHits++
			return true
		}
	}
	a.Stats.PMKSARefusals++
	return false
}

// ForgetPMKSA drops every cached PMKSA (an AP restart).
func (a *AP) ForgetPMKSA() { a.pmksa = nil }

// SAEPMK returns the PMK of the current station's SAE association (what
// wpa_supplicant -K logs as "SAE: PMK"), for tests of the offline
// decryptor.
func (a *AP) SAEPMK() ([32]byte, bool) {
	if a.sta == nil || !a.sta.saeDone {
		return [32]byte{}, false
	}
	return a.sta.saePMK, true
}
