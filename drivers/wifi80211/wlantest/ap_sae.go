package wlantest

import (
	"bytes"
	"encoding/binary"
	"net"

	"filippo.io/nistec"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/sae"
)

// saeToken is the anti-clogging token the AP hands out (a constant: the
// test AP has one station at a time).
const saeToken = "gopkttok"

// saeAuth is the AP side of SAE (802.11-2020 12.4.8.6, as hostapd does
// it): a commit is answered with our commit (after an anti-clogging token
// round when SAETokens), a confirm that verifies with our confirm; a
// confirm that does not with status 15, as hostapd 2.10 answers.
func (a *AP) saeAuth(f frame.Frame, au frame.Auth) {
	body := au.Elements()
	switch au.Seq() {
	case sae.AuthSeqCommit:
		a.Stats.SAECommits++
		h2e := au.Status() == sae.StatusHashToElement
		if h2e != a.cfg.SAEH2E {
			a.saeReply(f.Addr2(), sae.AuthSeqCommit, frame.StatusUnspecified, nil)
			return
		}
		tokenLen := 0
		if a.cfg.SAETokens && !h2e && len(body) > 2+sae.Len*3 {
			tokenLen = len(saeToken)
		}
		c, err := sae.ParseCommit(body, h2e, tokenLen)
		if err != nil {
			return
		}
		if a.cfg.SAETokens && !bytes.Equal(c.Token, []byte(saeToken)) {
			a.Stats.SAETokenReqs++
			req := binary.LittleEndian.AppendUint16(nil, sae.Group)
			if h2e {
				req = append(req, 255, byte(1+len(saeToken)), 93)
			}
			req = append(req, []byte(saeToken)...)
			a.saeReply(f.Addr2(), sae.AuthSeqCommit, sae.StatusTokenRequired, req)
			return
		}
		pwe, err := a.saePWE(f.Addr2(), h2e)
		if err != nil {
			return
		}
		x, err := sae.NewExchange(pwe, a.cfg.Rand)
		if err != nil {
			return
		}
		if err := x.Process(&c); err != nil {
			return // invalid commits are discarded silently
		}
		a.sta = &apSTA{mac: append(net.HardwareAddr(nil), f.Addr2()...), sae: x, saeH2E: h2e}
		own := x.Commit()
		status := uint16(frame.StatusSuccess)
		if h2e {
			status = sae.StatusHashToElement
		}
		a.saeReply(f.Addr2(), sae.AuthSeqCommit, status, sae.AppendCommit(nil, &own, h2e))
	case sae.AuthSeqConfirm:
		a.Stats.SAEConfirms++
		s := a.sta
		if s == nil || s.sae == nil || !equal(s.mac, f.Addr2()) {
			return
		}
		cf, err := sae.ParseConfirm(body)
		if err != nil {
			return
		}
		if err := s.sae.Verify(&cf); err != nil {
			a.Stats.SAEBadConfirms++
			a.saeReply(f.Addr2(), sae.AuthSeqConfirm, frame.StatusChallengeFail, nil)
			a.sta = nil
			return
		}
		own, err := s.sae.Confirm(1)
		if err != nil {
			return
		}
		keys, _ := s.sae.Keys()
		s.saePMK, s.saeDone = keys.PMK, true
		if a.pmksa == nil {
			a.pmksa = make(map[[16]byte][32]byte)
		}
		a.pmksa[keys.PMKID] = keys.PMK
		a.saeReply(f.Addr2(), sae.AuthSeqConfirm, frame.StatusSuccess, sae.AppendConfirm(nil, &own))
	}
}

func (a *AP) saePWE(sta []byte, h2e bool) (*nistec.P256Point, error) {
	if !h2e {
		return sae.PWEHuntAndPeck([]byte(a.cfg.Passphrase), nil, a.bssid, sta)
	}
	pt, err := sae.DerivePT(a.cfg.SSID, []byte(a.cfg.Passphrase), nil)
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
