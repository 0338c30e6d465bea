package net80211

import (
	"errors"
	"time"

	"filippo.io/nistec"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/sae"
)

// saeTimeout is the least time we wait for the AP's next SAE message: the
// AP does a scalar multiplication or two per message, which takes a while
// on a slow or loaded AP (hostapd under emulation).
const saeTimeout = 2 * time.Second

// maxTokens bounds how often one attempt follows an anti-clogging token
// request (12.4.6) before giving up.
const maxTokens = 5

// saeState is the station's side of an SAE exchange (802.11-2020 12.4.8.6,
// the parent process reduced to what a station needs: Nothing →
// Committed → Confirmed → Accepted, with retransmission on our timer).
type saeState struct {
	h2e       bool // hash-to-element (status 126), else hunting-and-pecking
	x         *sae.Exchange
	token     []byte // anti-clogging token to repeat in our commit
	tokens    int    // token requests in this attempt
	confirmed bool   // our Confirm went out; waiting for the AP's
	sc        uint16 // send-confirm of our last Confirm
	// pt caches the hash-to-element PT for ptKey (SSID and password):
	// it does not depend on the AP, so a retry or a roam reuses it.
	pt    *sae.PT
	ptKey string
}

// saeStatus is the status code of our commits.
func (s *saeState) status() uint16 {
	if s.h2e {
		return sae.StatusHashToElement
	}
	return frame.StatusSuccess
}

// saeStart derives the password element for this AP and sends our commit
// (12.4.5.2). It fails the attempt when the element cannot be derived.
func (v *Vap) saeStart(now time.Time) {
	s := &v.sae
	s.x, s.token, s.tokens, s.confirmed, s.sc = nil, nil, 0, false, 0
	pwe, err := v.saePWE()
	if err == nil {
		s.x, err = sae.NewExchange(pwe, v.cfg.Rand)
	}
	if err != nil {
		v.fail(ErrAuthRefused, "SAE: %v", err)
		return
	}
	v.sendSAECommit(now)
}

// saePWE derives the password element for us and the AP: from PT with
// hash-to-element, by hunting and pecking otherwise (12.4.4.2).
func (v *Vap) saePWE() (*nistec.P256Point, error) {
	s := &v.sae
	if !s.h2e {
		return sae.PWEHuntAndPeck([]byte(v.password), nil, v.mac, v.bss.MAC)
	}
	key := string(v.ssid) + "\x00" + v.password
	if s.pt == nil || s.ptKey != key {
		pt, err := sae.DerivePT(v.ssid, []byte(v.password), nil)
		if err != nil {
			return nil, err
		}
		s.pt, s.ptKey = pt, key
	}
	return sae.PWEFromPT(s.pt, v.mac, v.bss.MAC)
}

// saeTimeoutFor is the per-message wait.
func (v *Vap) saeTimeoutFor() time.Duration {
	return max(v.cfg.Timeouts.Auth, saeTimeout)
}

// sendSAECommit sends Authentication transaction 1 with our commit.
func (v *Vap) sendSAECommit(now time.Time) {
	s := &v.sae
	b := v.mgmtHeader(frame.SubAuth, v.bss.MAC, v.bss.MAC)
	b = appendAuth(b, &frame.AuthFields{Algorithm: frame.AuthSAE, Seq: sae.AuthSeqCommit, Status: s.status()})
	c := s.x.Commit()
	c.Token = s.token
	b = sae.AppendCommit(b, &c, s.h2e)
	v.stats.SAECommits++
	v.sendMgmt(b)
	v.timer.set(now, v.saeTimeoutFor())
}

// sendSAEConfirm sends Authentication transaction 2 with our confirm,
// send-confirm one more than the last (12.4.8.6.5).
func (v *Vap) sendSAEConfirm(now time.Time) {
	s := &v.sae
	s.sc++
	cf, err := s.x.Confirm(s.sc)
	if err != nil {
		return
	}
	b := v.mgmtHeader(frame.SubAuth, v.bss.MAC, v.bss.MAC)
	b = appendAuth(b, &frame.AuthFields{Algorithm: frame.AuthSAE, Seq: sae.AuthSeqConfirm, Status: frame.StatusSuccess})
	b = sae.AppendConfirm(b, &cf)
	s.confirmed = true
	v.stats.SAEConfirms++
	v.sendMgmt(b)
	v.timer.set(now, v.saeTimeoutFor())
}

// saeResend repeats our last message when the AP did not answer.
func (v *Vap) saeResend(now time.Time) {
	if v.sae.confirmed {
		v.sendSAEConfirm(now)
	} else {
		v.sendSAECommit(now)
	}
}

// recvSAE handles an SAE Authentication frame from the AP (12.4.8.6).
// Malformed or invalid frames are counted and dropped: the exchange then
// runs into our retransmission timer, never into a panic.
func (v *Vap) recvSAE(a frame.Auth, now time.Time) {
	s := &v.sae
	if s.x == nil {
		v.stats.RxNotForUs++
		return
	}
	switch {
	case a.Seq() == sae.AuthSeqCommit && a.Status() == sae.StatusTokenRequired:
		g, tok, err := sae.ParseTokenRequest(a.Elements(), s.h2e)
		if err != nil || g != sae.Group || len(tok) == 0 || s.confirmed {
			v.stats.SAEDropped++
			return
		}
		s.tokens++
		if s.tokens > maxTokens {
			v.fail(ErrAuthRefused, "%s kept asking for anti-clogging tokens (%d times)", v.bss.MAC, s.tokens)
			return
		}
		v.stats.SAETokens++
		s.token = append(s.token[:0], tok...)
		v.retries = 0 // the AP answered: a new step
		v.sendSAECommit(now)
	case a.Seq() == sae.AuthSeqCommit && a.Status() == sae.StatusGroupRefused:
		v.fail(ErrAuthRefused, "%s does not support SAE group 19 (P-256), the only one we have", v.bss.MAC)
	case a.Seq() == sae.AuthSeqCommit && (a.Status() == frame.StatusSuccess || a.Status() == sae.StatusHashToElement):
		if a.Status() != s.status() {
			v.stats.SAEDropped++ // the other derivation's framing: not ours
			return
		}
		c, err := sae.ParseCommit(a.Elements(), s.h2e, 0)
		if err == nil {
			err = s.x.Process(&c)
		}
		if err != nil {
			// 12.4.8.6.4/5: an invalid commit is discarded silently.
			v.stats.SAEDropped++
			return
		}
		if !s.confirmed {
			v.retries = 0 // the AP answered our commit: a new step
		}
		v.sendSAEConfirm(now)
	case a.Seq() == sae.AuthSeqCommit:
		v.fail(ErrAuthRefused, "%s refused our SAE commit with status %d%s", v.bss.MAC, a.Status(), statusHint(a.Status()))
	case a.Seq() == sae.AuthSeqConfirm && a.Status() != frame.StatusSuccess:
		v.fail(ErrAuthRefused, "%s refused our SAE confirm with status %d%s: the password is wrong", v.bss.MAC, a.Status(), statusHint(a.Status()))
	case a.Seq() == sae.AuthSeqConfirm:
		cf, err := sae.ParseConfirm(a.Elements())
		if err != nil || !s.confirmed {
			v.stats.SAEDropped++
			return
		}
		if err := s.x.Verify(&cf); err != nil {
			if errors.Is(err, sae.ErrConfirm) {
				v.stats.SAEBadConfirm++
			}
			v.stats.SAEDropped++
			return
		}
		keys, _ := s.x.Keys()
		v.pmk = keys.PMK
		v.pmksaAdd(keys.PMK, keys.PMKID, now)
		s.x, s.confirmed = nil, false
		v.retries = 0
		v.newState(StateAssoc)
		v.emit(Event{Kind: EventAssociating})
		v.sendAssocReq(now)
	default:
		v.stats.SAEDropped++
	}
}

// statusHint names the status codes an SAE exchange meets (9.4.1.9).
func statusHint(st uint16) string {
	switch st {
	case frame.StatusChallengeFail:
		return " (challenge failure)"
	case frame.StatusUnspecified:
		return " (unspecified failure)"
	case sae.StatusUnknownPWID:
		return " (unknown password identifier)"
	case sae.StatusHashToElement:
		return " (hash-to-element)"
	case sae.StatusPK:
		return " (SAE-PK)"
	}
	return ""
}

// appendRSNXH2E appends our RSN Extension element saying "SAE
// hash-to-element" (9.4.2.241: field length 0 in bits 0-3, bit 5 SAE H2E).
func appendRSNXH2E(b []byte) []byte {
	return append(b, ie.IDRSNX, 1, 1<<ie.RSNXCapSAEH2E)
}

// appendAuth appends the fixed fields of an Authentication frame.
func appendAuth(b []byte, f *frame.AuthFields) []byte {
	b = append(b, make([]byte, frame.AuthFixedLen)...)
	frame.Auth(b[len(b)-frame.AuthFixedLen:]).Encode(f)
	return b
}

// pmksaLifetime bounds how long a cached SAE PMK is offered again
// (hostapd's default dot11RSNAConfigPMKLifetime is 12 h; we keep less).
const pmksaLifetime = time.Hour

// pmksaEntry is one cached PMK security association.
type pmksaEntry struct {
	pmk     [32]byte
	pmkid   [16]byte
	expires time.Time
}

// pmksaAdd caches the PMK and PMKID of an SAE exchange with the BSS.
func (v *Vap) pmksaAdd(pmk [32]byte, pmkid [16]byte, now time.Time) {
	if v.pmksa == nil {
		v.pmksa = make(map[[6]byte]pmksaEntry)
	}
	v.pmksa[[6]byte(v.bss.MAC)] = pmksaEntry{pmk: pmk, pmkid: pmkid, expires: now.Add(pmksaLifetime)}
}

// pmksaLookup returns the live cached PMKSA for the BSS, if any.
func (v *Vap) pmksaLookup(now time.Time) (pmk [32]byte, pmkid [16]byte, ok bool) {
	e, ok := v.pmksa[[6]byte(v.bss.MAC)]
	if !ok || !now.Before(e.expires) {
		delete(v.pmksa, [6]byte(v.bss.MAC))
		return pmk, pmkid, false
	}
	return e.pmk, e.pmkid, true
}
