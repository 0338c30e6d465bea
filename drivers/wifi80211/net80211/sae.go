package net80211

import (
	"errors"
	"fmt"
	"time"

	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/sae"
)

// SAE timing and bounds, by the names of IEEE 802.11-2020 12.4.8.6 and
// its MIB variables (annex C).
const (
	// saeTimeout is t0's period (dot11RSNASAERetransPeriod): the least
	// time we wait for the AP's next SAE message. The AP does a scalar
	// multiplication or two per message (hunting-and-pecking more), which
	// takes a while on a slow or loaded AP (hostapd under emulation);
	// mac80211 waits as long for an SAE answer.
	saeTimeout = 2 * time.Second
	// saeSync is dot11RSNASAESync for our Commit: in Committed state t0
	// repeats it this many times; once Sync would exceed it the instance
	// ends (12.4.8.6.4).
	saeSync = 2
	// saeConfirmSync is how often t0 repeats our Confirm in Confirmed
	// state (12.4.8.6.5) before the instance ends and a new one starts.
	// One: hostapd (2.10, src/ap/ieee802_11.c handle_auth_sae and
	// sae_sm_step) never retransmits as an AP; once it has accepted our
	// Confirm it answers one repeated Confirm (Accepted state, 12.4.8.6.6)
	// and drops the exchange's temporary data, after which it refuses
	// every further Confirm with status 1. More repeats cannot succeed.
	saeConfirmSync = 1
	// saeExchanges bounds the protocol instances of one join, saeTime the
	// time after the first Commit within which a new one may start.
	saeExchanges = 4
	saeTime      = 16 * time.Second
	// maxTokens bounds how often one instance follows an anti-clogging
	// token request (12.4.6) before giving up.
	maxTokens = 5
)

// saeState is the station's side of an SAE exchange: the parent process
// of 802.11-2020 12.4.8.5 reduced to one peer, and its protocol instance
// (12.4.8.6): Committed (our Commit out, x set, confirmed false),
// Confirmed (our Confirm out), Accepted (the AP's Confirm verified: the
// vap moves on to association and x is cleared). t0 is the vap's timer.
//
// A protocol instance whose messages go unanswered ends (Del) and the
// parent starts a new one with a fresh rand and mask — so a fresh
// commit-scalar and COMMIT-ELEMENT (12.4.5.2) — and no anti-clogging
// token, up to saeExchanges in saeTime; EventAuthRetry says why each time
// (VapStats.SAERestarts). That is what recovers from hostapd's half of the
// exchange being gone: an anti-clogging token is good for one Commit
// there, and a Commit that repeats a used one is dropped silently after
// the AP has reset its instance to Nothing, where it ignores our Confirms
// ("SAE confirm before commit"); and an AP Confirm lost twice is never
// sent again (saeConfirmSync).
type saeState struct {
	h2e         bool          // hash-to-element (status 126), else hunting-and-pecking
	group       uint16        // the finite cyclic group of this join's exchanges
	gi          int           // its index in the vap's SAEGroups
	rejected    []uint16      // groups the AP refused with status 77 in this join
	pwe         *sae.Element  // our and the AP's password element, for every instance of a join
	x           *sae.Exchange // this instance: rand, mask, commit, keys
	token       []byte        // anti-clogging token to repeat in our commit
	tokens      int           // token requests in this instance
	confirmed   bool          // our Confirm went out; waiting for the AP's
	sc          uint16        // send-confirm of our last Confirm (Sc)
	sync        int           // t0 repeats of our last message in this instance (Sync)
	badConfirms int           // AP Confirms of this instance that did not verify
	exchanges   int           // protocol instances in this join
	began       time.Time     // first Commit of this join
	// pt caches the hash-to-element PT for ptKey (group, SSID and
	// password): it does not depend on the AP, so a retry or a roam
	// reuses it.
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

// saeStart derives the password element for this AP in the first group of
// VapConfig.SAEGroups and starts the first protocol instance. It fails the
// attempt when the element cannot be derived.
func (v *Vap) saeStart(now time.Time) {
	s := &v.sae
	s.gi, s.group, s.rejected = 0, v.cfg.SAEGroups[0], s.rejected[:0]
	v.saeStartGroup(now)
}

// saeStartGroup starts the exchanges of a join in group s.group.
func (v *Vap) saeStartGroup(now time.Time) {
	s := &v.sae
	s.x, s.exchanges, s.began = nil, 0, now
	pwe, err := v.saePWE()
	if err != nil {
		v.fail(ErrAuthRefused, "deriving the SAE password element: %v", err)
		return
	}
	s.pwe = pwe
	v.saeInstance(now)
}

// saeInstance starts a protocol instance (12.4.8.5, the Init event): rand
// and mask drawn afresh, no token, Sc and Sync zero; it sends our Commit
// and enters Committed (12.4.8.6.3).
func (v *Vap) saeInstance(now time.Time) {
	s := &v.sae
	x, err := sae.NewExchange(s.pwe, v.cfg.Rand)
	if err != nil {
		v.fail(ErrAuthRefused, "starting an SAE exchange: %v", err)
		return
	}
	x.SetRejectedGroups(s.rejected)
	s.x, s.token, s.tokens, s.confirmed, s.sc, s.sync, s.badConfirms = x, nil, 0, false, 0, 0, 0
	s.exchanges++
	v.sendSAECommit(now)
}

// saeRestart ends the protocol instance (Del) and starts a new one when
// the bounds allow, reporting whether it did; why goes out with
// EventAuthRetry.
func (v *Vap) saeRestart(now time.Time, why string) bool {
	s := &v.sae
	if s.exchanges >= saeExchanges || now.Sub(s.began) >= saeTime {
		return false
	}
	v.stats.SAERestarts++
	v.emit(Event{Kind: EventAuthRetry, Err: fmt.Errorf("SAE: %s; new exchange %d of %d", why, s.exchanges+1, saeExchanges)})
	v.saeInstance(now)
	return true
}

// saeGroupRefused follows status 77 (12.4.8.6.4: the AP does not support
// the group of our Commit): the next group of VapConfig.SAEGroups, in a
// fresh set of exchanges, with the refused ones named in our H2E Commits
// (Rejected Groups); the attempt fails once the list is used up.
func (v *Vap) saeGroupRefused(now time.Time) {
	s := &v.sae
	v.stats.SAEGroupsRefused++
	s.rejected = append(s.rejected, s.group)
	if s.gi+1 >= len(v.cfg.SAEGroups) {
		v.fail(ErrAuthRefused, "%s refused SAE group%s %s (status 77): it supports none of the groups we are configured for", v.bss.MAC, plural(len(s.rejected)), groupList(s.rejected))
		return
	}
	s.gi++
	s.group = v.cfg.SAEGroups[s.gi]
	v.emit(Event{Kind: EventAuthRetry, Err: fmt.Errorf("SAE: %s does not support group %d (status 77); trying group %d", v.bss.MAC, s.rejected[len(s.rejected)-1], s.group)})
	v.saeStartGroup(now)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func groupList(gs []uint16) string {
	var b []byte
	for i, g := range gs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = fmt.Appendf(b, "%d", g)
	}
	return string(b)
}

// saePWE derives the password element for us and the AP in s.group: from
// PT with hash-to-element, by hunting and pecking otherwise (12.4.4.2).
func (v *Vap) saePWE() (*sae.Element, error) {
	s := &v.sae
	if !s.h2e {
		return sae.PWEHuntAndPeck(s.group, []byte(v.password), nil, v.mac, v.bss.MAC)
	}
	key := fmt.Sprintf("%d\x00%s\x00%s", s.group, v.ssid, v.password)
	if s.pt == nil || s.ptKey != key {
		pt, err := sae.DerivePT(s.group, v.ssid, []byte(v.password), nil)
		if err != nil {
			return nil, err
		}
		s.pt, s.ptKey = pt, key
	}
	return sae.PWEFromPT(s.pt, v.mac, v.bss.MAC)
}

// saeTimeoutFor is t0's period.
func (v *Vap) saeTimeoutFor() time.Duration {
	return max(v.cfg.Timeouts.Auth, saeTimeout)
}

// sendSAECommit sends Authentication transaction 1 with our commit and
// sets t0.
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
// send-confirm one more than the last (12.4.8.6.5), and sets t0.
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

// saeExpired runs when t0 fires with nothing from the AP since our last
// message.
func (v *Vap) saeExpired(now time.Time) {
	s := &v.sae
	switch {
	case !s.confirmed && len(s.token) > 0:
		// Committed, our Commit carried the AP's anti-clogging token.
		// Repeating it cannot help: hostapd takes a token once, so if
		// only its answer was lost (or is late) the repeat is dropped
		// silently and resets its instance. A new instance asks afresh.
		if !v.saeRestart(now, "no answer to our Commit with the anti-clogging token") {
			v.saeGiveUp(now)
		}
	case !s.confirmed && s.sync < saeSync:
		// 12.4.8.6.4: Sync not above dot11RSNASAESync: increment it and
		// send the last Commit again.
		s.sync++
		v.stats.SAERetransmits++
		v.sendSAECommit(now)
	case !s.confirmed:
		v.saeGiveUp(now)
	case s.sync < saeConfirmSync:
		// 12.4.8.6.5: increment Sync and Sc, send the Confirm again.
		s.sync++
		v.stats.SAERetransmits++
		v.sendSAEConfirm(now)
	default:
		if !v.saeRestart(now, fmt.Sprintf("no Confirm from the AP after %d of ours", s.sc)) {
			v.saeGiveUp(now)
		}
	}
}

// saeGiveUp fails the attempt once the instances are used up, saying what
// happened: a wrong password shows as a refusal of our Confirm (or an AP
// Confirm that does not verify), never as silence.
func (v *Vap) saeGiveUp(now time.Time) {
	s := &v.sae
	took := now.Sub(s.began).Round(100 * time.Millisecond)
	switch {
	case s.badConfirms > 0:
		v.fail(ErrAuthRefused, "the SAE Confirm from %s did not verify (%d times): the password is wrong", v.bss.MAC, s.badConfirms)
	case s.confirmed:
		v.fail(ErrNoResponse, "no SAE Confirm from %s in %d exchanges over %v, although it answered our Commits and refused none of our Confirms: frames are being lost or the access point is overloaded, not a password problem", v.bss.MAC, s.exchanges, took)
	case s.exchanges > 1:
		v.fail(ErrNoResponse, "no SAE Commit from %s in %d exchanges over %v: it stopped answering (not a password problem)", v.bss.MAC, s.exchanges, took)
	default:
		v.fail(ErrNoResponse, "no SAE Commit from %s after %d Commits over %v: it does not answer SAE (not a password problem)", v.bss.MAC, s.sync+1, took)
	}
}

// recvSAE handles an SAE Authentication frame from the AP (12.4.8.6).
// Malformed or invalid frames are counted and dropped: the exchange then
// runs into t0, never into a panic.
func (v *Vap) recvSAE(a frame.Auth, now time.Time) {
	s := &v.sae
	if s.x == nil {
		v.stats.RxNotForUs++
		return
	}
	switch {
	case a.Seq() == sae.AuthSeqCommit && a.Status() == sae.StatusTokenRequired:
		g, tok, err := sae.ParseTokenRequest(a.Elements(), s.h2e)
		if err != nil || g != s.group || len(tok) == 0 || s.confirmed {
			v.stats.SAEDropped++
			return
		}
		s.tokens++
		if s.tokens > maxTokens {
			v.fail(ErrAuthRefused, "%s kept asking for anti-clogging tokens (%d times)", v.bss.MAC, s.tokens)
			return
		}
		// 12.4.8.6.4: the same commit again, with the token.
		v.stats.SAETokens++
		s.token = append(s.token[:0], tok...)
		s.sync = 0 // the AP answered: a new step
		v.sendSAECommit(now)
	case a.Seq() == sae.AuthSeqCommit && a.Status() == sae.StatusGroupRefused:
		if s.confirmed {
			v.stats.SAEDropped++ // a refusal cannot follow its acceptance
			return
		}
		v.saeGroupRefused(now)
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
			s.sync = 0 // Committed -> Confirmed: a new step
		}
		// In Confirmed state the AP's Commit again (its answer to a
		// Commit of ours it got twice) is answered with our Confirm only:
		// hostapd restarts its exchange on a Commit after it accepted.
		v.sendSAEConfirm(now)
	case a.Seq() == sae.AuthSeqCommit:
		v.fail(ErrAuthRefused, "%s refused our SAE commit with status %d%s", v.bss.MAC, a.Status(), statusHint(a.Status()))
	case a.Seq() == sae.AuthSeqConfirm && a.Status() != frame.StatusSuccess:
		if !s.confirmed {
			v.stats.SAEDropped++ // no Confirm of this instance to refuse
			return
		}
		if s.sc > 1 {
			// Which of our Confirms it refuses is unknown: hostapd
			// refuses a repeat once it has accepted an earlier one and
			// dropped the exchange. A new instance tells.
			if v.saeRestart(now, fmt.Sprintf("the AP refused a repeated Confirm with status %d%s", a.Status(), statusHint(a.Status()))) {
				return
			}
			v.fail(ErrAuthRefused, "%s refused our repeated SAE Confirm with status %d%s, in %d exchanges", v.bss.MAC, a.Status(), statusHint(a.Status()), s.exchanges)
			return
		}
		v.fail(ErrAuthRefused, "%s refused our SAE Confirm with status %d%s: it could not verify it, so the password is wrong", v.bss.MAC, a.Status(), statusHint(a.Status()))
	case a.Seq() == sae.AuthSeqConfirm:
		cf, err := sae.ParseConfirm(a.Elements())
		if err != nil || !s.confirmed {
			v.stats.SAEDropped++
			return
		}
		if err := s.x.Verify(&cf); err != nil {
			// 12.4.8.6.5: discarded silently; counted, and named if
			// the exchange fails.
			if errors.Is(err, sae.ErrConfirm) {
				v.stats.SAEBadConfirm++
				s.badConfirms++
			}
			v.stats.SAEDropped++
			return
		}
		keys, _ := s.x.Keys()
		v.pmk = keys.PMK
		v.pmksaAdd(keys.PMK, keys.PMKID, s.group, now)
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
	group   uint16 // the SAE group of the exchange that made the PMK
	expires time.Time
}

// pmksaAdd caches the PMK and PMKID of an SAE exchange in group with the
// BSS.
func (v *Vap) pmksaAdd(pmk [32]byte, pmkid [16]byte, group uint16, now time.Time) {
	if v.pmksa == nil {
		v.pmksa = make(map[[6]byte]pmksaEntry)
	}
	v.pmksa[[6]byte(v.bss.MAC)] = pmksaEntry{pmk: pmk, pmkid: pmkid, group: group, expires: now.Add(pmksaLifetime)}
}

// pmksaLookup returns the live cached PMKSA for the BSS, if any.
func (v *Vap) pmksaLookup(now time.Time) (pmksaEntry, bool) {
	e, ok := v.pmksa[[6]byte(v.bss.MAC)]
	if !ok || !now.Before(e.expires) {
		delete(v.pmksa, [6]byte(v.bss.MAC))
		return pmksaEntry{}, false
	}
	return e, true
}
