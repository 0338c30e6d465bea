package net80211

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/gopkt/gopkt/crypto/prf"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// Failure reasons reported in EventFailed (wrapped in an OpError).
var (
	ErrNotFound       = errors.New("net80211: network not found")
	ErrAuthRefused    = errors.New("net80211: authentication refused")
	ErrAssocRefused   = errors.New("net80211: association refused")
	ErrNoResponse     = errors.New("net80211: access point does not answer")
	ErrHandshake      = errors.New("net80211: 4-way handshake failed")
	ErrSecurityPolicy = errors.New("net80211: network security not supported")
)

// Connect starts joining the network ssid: scan, authenticate, associate
// and, with a passphrase, the 4-way handshake (802.11-2016 12.7.6). When
// the AP offers WPA3-Personal (AKM 8, SAE) the passphrase is the SAE
// password and authentication is the SAE exchange (802.11-2020 12.4);
// otherwise it is WPA2-PSK. An empty passphrase joins an open network.
// Progress arrives as Events; Connect returns once the attempt has started.
func (v *Vap) Connect(ssid []byte, passphrase string) error {
	if len(ssid) == 0 || len(ssid) > ie.MaxSSIDLen {
		return opErr("connect", string(ssid), ErrNotSupported, "an SSID has 1 to 32 octets")
	}
	var pmk [32]byte
	if passphrase != "" {
		var err error
		if pmk, err = prf.PSK(passphrase, ssid); err != nil {
			return opErr("connect", string(ssid), ErrSecurityPolicy, "%v", err)
		}
	}
	return v.connect(ssid, pmk, passphrase != "", passphrase)
}

// ConnectPSK is Connect with the 256-bit pre-shared key itself instead of
// a passphrase (802.11-2016 J.4.1 maps a passphrase to it; hostapd's
// wpa_psk= and wpa_supplicant's unquoted psk= give it as 64 hex digits).
func (v *Vap) ConnectPSK(ssid []byte, psk [32]byte) error {
	if len(ssid) == 0 || len(ssid) > ie.MaxSSIDLen {
		return opErr("connect", string(ssid), ErrNotSupported, "an SSID has 1 to 32 octets")
	}
	return v.connect(ssid, psk, true, "")
}

func (v *Vap) connect(ssid []byte, pmk [32]byte, secure bool, password string) error {
	v.com.mu.Lock()
	defer v.com.unlock()
	now := v.com.clock.Now()
	if now.Before(v.blocked) {
		return opErr("connect", string(ssid), ErrCountermeasures, "TKIP countermeasures after two Michael MIC failures; retry after %s", v.blocked.Sub(now).Round(time.Second))
	}
	v.teardown(frame.ReasonDeauthLeaving, true)
	if string(v.ssid) != string(ssid) || v.password != password {
		v.pmksa = nil // other credentials: no cached PMK applies
	}
	v.ssid = append(v.ssid[:0], ssid...)
	v.pmk, v.secure, v.password = pmk, secure, password
	v.psk = pmk
	v.everConnected = false
	v.hsFailures, v.scanFailures = 0, 0
	v.m3Drops, v.m3Why = 0, ""
	v.roam.pending, v.roam.reassocFrom = false, nil
	v.newState(StateScan)
	return v.startScan(true)
}

// Disconnect leaves the network (Deauthentication, reason 3) and stops
// reconnecting.
func (v *Vap) Disconnect() {
	v.com.mu.Lock()
	defer v.com.unlock()
	v.teardown(frame.ReasonDeauthLeaving, true)
	v.ssid = v.ssid[:0]
	v.everConnected = false
	v.roam.pending, v.roam.reassocFrom = false, nil
	v.rescanDL.clear()
	v.newState(StateInit)
}

// State returns the state machine's state.
func (v *Vap) State() State {
	v.com.mu.Lock()
	defer v.com.unlock()
	return v.state
}

// PortOpen reports whether data may flow (associated, and keyed if secure).
func (v *Vap) PortOpen() bool {
	v.com.mu.Lock()
	defer v.com.unlock()
	return v.portOpen
}

// teardown drops the association state: keys, port, BSS node. With
// deauth, a Deauthentication frame tells the AP first.
func (v *Vap) teardown(reason uint16, deauth bool) {
	if v.bss != nil && deauth && v.state >= StateAuth {
		v.sendDeauth(reason)
	}
	v.clearKeys()
	v.pmf.igtk = [2]*igtk{}
	v.pmf.query.active = false
	v.setPortOpen(false)
	v.sup.reset()
	v.sae.x, v.sae.confirmed = nil, false
	v.timer.clear()
	v.bgReset()
	v.beaconDL.clear()
	v.beaconLostDL.clear()
	v.monReset()
	v.roam.next, v.roam.nextPrev = nil, nil
	v.roam.deauthDL.clear()
	v.handshakeDL.clear()
	if v.bss != nil {
		for _, r := range v.bss.rxba {
			if r != nil {
				v.stats.RxReorderLost += uint64(r.held) // no key to decrypt them any more
			}
		}
		v.nodes.Remove(v.bss.MAC)
		v.bss = nil
	}
}

// fail gives up the connect attempt — unless the vap was connected before
// and the AP merely vanished (not found, no answer): then it keeps looking
// every Timeouts.Rescan, so an AP that restarts is rejoined without help.
func (v *Vap) fail(err error, hint string, args ...any) {
	if v.everConnected && (errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoResponse)) {
		v.teardown(frame.ReasonDeauthLeaving, false)
		v.newState(StateScan)
		v.scanFailures = 0
		if errors.Is(err, ErrNoResponse) {
			// The AP we knew stopped answering: another AP of the ESS
			// may be in range, so look at once; pause only between
			// scans that found nothing.
			_ = v.startScan(true)
			return
		}
		v.rescanDL.set(v.com.clock.Now(), v.cfg.Timeouts.Rescan)
		return
	}
	ssid := string(v.ssid)
	v.teardown(frame.ReasonDeauthLeaving, v.state >= StateAuth)
	v.newState(StateInit)
	v.emit(Event{Kind: EventFailed, SSID: ssid, Err: opErr("connect", ssid, err, hint, args...)})
}

// scanDone picks the best BSS for the SSID and starts authenticating.
func (v *Vap) scanDone(now time.Time) {
	var best *ScanEntry
	for _, e := range v.cache.entries {
		// Only BSSs heard during this scan: a cached entry may be an AP
		// that has since gone away.
		if string(e.SSID) != string(v.ssid) || !v.cfg.ACL.Check(e.BSSID) || e.LastSeen.Before(v.scan.started) {
			continue
		}
		if [6]byte(e.BSSID) == v.scan.avoid && v.scan.partial {
			continue
		}
		if best == nil || e.SignalDBm > best.SignalDBm || ([6]byte(best.BSSID) == v.scan.avoid && [6]byte(e.BSSID) != v.scan.avoid) {
			best = e
		}
	}
	if best == nil && v.scan.partial {
		// No other AP of the ESS where they were last heard: scan
		// everything (not counted as a failed scan).
		_ = v.startScan(true)
		return
	}
	if best == nil {
		v.scanFailures++
		if v.scanFailures >= v.cfg.Timeouts.ScanAttempts {
			v.fail(ErrNotFound, "no access point answered for SSID %q after %d scans; check the name and that the AP is up", v.ssid, v.scanFailures)
			return
		}
		_ = v.startScan(true)
		return
	}
	if err := v.choosePolicy(best); err != nil {
		v.fail(ErrSecurityPolicy, "%v", err)
		return
	}
	v.roam.reassocFrom = nil
	v.join(best, now)
}

// choosePolicy selects ciphers from the AP's RSN element and builds ours.
func (v *Vap) choosePolicy(e *ScanEntry) error {
	if !v.secure {
		if e.RSN != nil || e.WPA || e.Capability&frame.CapPrivacy != 0 {
			return fmt.Errorf("%q is protected (%s); give a passphrase", e.SSID, e.Security())
		}
		v.ourRSN = nil
		return nil
	}
	if e.RSN == nil {
		return fmt.Errorf("%q does not advertise WPA2 or WPA3 (%s); only WPA2-PSK and WPA3-SAE are supported", e.SSID, e.Security())
	}
	// WPA3-Personal first: a transition network (PSK and SAE on one SSID)
	// is joined with SAE when we have the passphrase itself and the AP
	// offers PMF, which SAE needs; a 256-bit PSK only does for WPA2-PSK.
	// Among the PSK AKMs, 6 (KDF-SHA-256 PTK, AES-128-CMAC MIC) before 2,
	// as wpa_supplicant orders them.
	apMFPC := e.RSN.Capabilities&ie.RSNCapMFPC != 0
	switch {
	case e.RSN.HasAKM(ie.AKMSAE) && v.password != "" && (apMFPC || (!e.RSN.HasAKM(ie.AKMPSK) && !e.RSN.HasAKM(ie.AKMPSKSHA256))):
		v.akm = ie.AKMSAE
	case e.RSN.HasAKM(ie.AKMPSKSHA256):
		v.akm = ie.AKMPSKSHA256
	case e.RSN.HasAKM(ie.AKMPSK):
		v.akm = ie.AKMPSK
	case e.RSN.HasAKM(ie.AKMSAE):
		return fmt.Errorf("%q is WPA3-SAE only: it needs the passphrase, a PSK cannot be used", e.SSID)
	default:
		return fmt.Errorf("%q wants AKM %v; only PSK (00-0F-AC:2), PSK-SHA256 (00-0F-AC:6) and SAE (00-0F-AC:8) are supported", e.SSID, e.RSN.AKM)
	}
	v.pmk = v.psk
	// Pairwise: wpa_supplicant's order (wpa_pick_pairwise_cipher: CCMP-256,
	// GCMP-256, CCMP-128, GCMP-128, TKIP) over the ciphers we have; CCMP-128
	// is also the one radios' key caches do.
	v.pairwise = 0
	for _, s := range []ie.Suite{ie.CipherGCMP256, ie.CipherCCMP128, ie.CipherGCMP128, ie.CipherTKIP} {
		if _, ok := v.com.ciphers[s]; ok && e.RSN.HasPairwise(s) {
			v.pairwise = s
			break
		}
	}
	if v.pairwise == 0 {
		return fmt.Errorf("%q offers no pairwise cipher we have (%v)", e.SSID, e.RSN.Pairwise)
	}
	if _, ok := v.com.ciphers[e.RSN.Group]; !ok {
		return fmt.Errorf("%q uses group cipher %v, which we lack", e.SSID, e.RSN.Group)
	}
	v.group = e.RSN.Group
	our := ie.RSN{Version: 1, Group: v.group, Pairwise: []ie.Suite{v.pairwise}, AKM: []ie.Suite{v.akm}, HasCaps: true}
	// Management frame protection (12.6.3, 802.11w): we are MFP capable
	// with the group management cipher the AP names (BIP-CMAC-128 when it
	// names none; BIP-GMAC-128, BIP-GMAC-256, BIP-CMAC-256: crypto_bip.go),
	// which our RSN element then names too (hostapd refuses one that
	// differs from its own); an AP that offers PMF gets MFPC, and one that
	// requires it (MFPR) is joined the same way. TKIP is never used with
	// PMF (12.6.3: MFPC needs a pairwise cipher other than TKIP).
	v.pmf.on = false
	mgmt := e.RSN.GroupMgmt
	if mgmt == 0 {
		mgmt = ie.CipherBIPCMAC
	}
	bipOK := BIPKeyLen(mgmt) != 0
	switch {
	case apMFPC && bipOK && v.pairwise != ie.CipherTKIP:
		our.Capabilities |= ie.RSNCapMFPC
		v.pmf.on = true
		v.pmf.suite = mgmt
		if mgmt != ie.CipherBIPCMAC {
			our.GroupMgmt = mgmt
		}
	case e.RSN.Capabilities&ie.RSNCapMFPR != 0:
		return fmt.Errorf("%q requires management frame protection with %v and %v; we do it with GCMP-256, CCMP-128 or GCMP-128 and BIP-CMAC-128, BIP-GMAC-128, BIP-GMAC-256 or BIP-CMAC-256", e.SSID, v.pairwise, mgmt)
	}
	v.ourRSNX = nil
	if v.akm == ie.AKMSAE {
		// SAE goes with PMF (802.11-2020 12.4.1; WPA3): the AP must at
		// least offer it, and our RSN element requires it (MFPR), as
		// WPA3-Personal asks of a station using SAE.
		if !v.pmf.on {
			return fmt.Errorf("%q offers SAE without management frame protection (MFPC), which WPA3 requires", e.SSID)
		}
		our.Capabilities |= ie.RSNCapMFPR
		// Hash-to-element when the AP says it does (RSNXE bit 5); then
		// our association request and message 2 carry the RSNXE too
		// (12.4.4.2.3; hostapd refuses an H2E claim after a
		// hunting-and-pecking exchange as a downgrade).
		v.sae.h2e = e.SAEH2E
		if v.sae.h2e {
			v.ourRSNX = appendRSNXH2E(nil)
		}
	}
	v.rsn = our
	v.ourRSN = ie.AppendRSN(v.ourRSN[:0], &our)
	return nil
}

// join creates the BSS node, tunes and authenticates.
func (v *Vap) join(e *ScanEntry, now time.Time) {
	v.setupBSS(e, now)
	v.retries = 0
	v.newState(StateAuth)
	v.pmksaTry = false
	v.sae.group = 0 // the first of SAEGroups again
	if v.secure && v.akm == ie.AKMSAE {
		rsn := v.rsn
		if e, ok := v.pmksaLookup(now); ok {
			// A cached PMKSA: Open System, then the PMKID in our RSN
			// element (12.6.10.3). The association's SAE group is the
			// one the PMK came from (Status.Security names it).
			v.pmk, v.pmksaTry = e.pmk, true
			v.sae.group = e.group
			rsn.PMKIDs = [][16]byte{e.pmkid}
		}
		v.ourRSN = ie.AppendRSN(v.ourRSN[:0], &rsn)
	}
	v.emit(Event{Kind: EventAuthenticating, Security: v.security()})
	if v.secure && v.akm == ie.AKMSAE && !v.pmksaTry {
		v.saeStart(now)
		return
	}
	v.sendAuth(now)
}

// setupBSS creates the BSS node and tunes to its channel.
func (v *Vap) setupBSS(e *ScanEntry, now time.Time) {
	v.bssInfo = *e
	v.bssInfo.RSNRaw = append([]byte(nil), e.RSNRaw...)
	n := v.nodes.Create(e.BSSID, now)
	n.FreqMHz, n.Capability, n.RSSI = e.FreqMHz, e.Capability, e.SignalDBm
	n.Rates = append(n.Rates[:0], e.Rates...)
	n.rate = v.cfg.RateCtl.NewNode(n.Rates, now)
	v.bss = n
	_ = v.com.setChannel(e.FreqMHz)
}

// tick runs the vap's timers.
func (v *Vap) tick(now time.Time) {
	if st, last := v.cfg.Timeouts.Stall, v.roam.lastTick; st > 0 && !last.IsZero() && now.Sub(last) > st {
		// The vap did not run for the gap (a starved host): a frame it
		// sent just before may not have left, and an answer could not be
		// heard. The retransmission timer (Authentication, SAE's t0,
		// Association) and the handshake deadline wait the gap too, as
		// the beacon-loss deadline does (stallCheck); otherwise the first
		// Tick after a stall repeats a request the AP is answering, and
		// hostapd restarts its 4-way handshake for a second Association.
		v.timer.shift(now.Sub(last))
		v.handshakeDL.shift(now.Sub(last))
	}
	v.stallCheck(now)
	v.scanTick(now)
	v.nodes.AgeOut(now, v.cfg.Timeouts.NodeIdle, macOf(v.bss))
	if !v.blocked.IsZero() && !now.Before(v.blocked) {
		v.blocked = time.Time{}
		if len(v.ssid) > 0 && v.state == StateInit {
			v.newState(StateScan)
			_ = v.startScan(true)
		}
	}
	switch v.state {
	case StateScan:
		if v.roam.next != nil {
			if v.roam.deauthDL.expired(now) {
				v.roamResume(now)
			}
			return
		}
		if !v.scan.active && v.rescanDL.expired(now) {
			v.rescanDL.clear()
			_ = v.startScan(true)
		}
	case StateAuth, StateAssoc:
		if !v.timer.expired(now) {
			return
		}
		if v.state == StateAuth && v.sae.x != nil {
			v.saeExpired(now) // SAE's t0 (802.11-2020 12.4.8.6)
			return
		}
		v.retries++
		if v.retries >= v.cfg.Timeouts.Retries {
			if v.state == StateAuth {
				v.fail(ErrNoResponse, "no Authentication response from %s after %d tries", v.bss.MAC, v.retries)
			} else {
				v.fail(ErrNoResponse, "no Association Response from %s after %d tries", v.bss.MAC, v.retries)
			}
			return
		}
		switch {
		case v.state == StateAuth:
			v.sendAuth(now)
		default:
			v.sendAssocReq(now)
		}
	case StateRun:
		if v.bgTick(now) {
			return // off channel for a background scan visit
		}
		if v.monTick(now); v.state != StateRun {
			return // the monitor declared the AP lost and moved
		}
		// An acknowledged probe postpones beaconDL (the AP is alive), not
		// beaconLostDL: an AP that answers but sends no beacon at all
		// for Timeouts.BeaconLost intervals is given up all the same, and
		// for monSilent (10 intervals) when another AP is known. While a
		// probe awaits its TX status, its verdict decides, not beaconDL.
		if late := v.beaconLate(); (v.beaconDL.expired(now.Add(-late)) && !v.mon.active) || v.beaconLostDL.expired(now.Add(-late)) || v.monSilent(now, late) {
			e := v.roamCandidate(now, v.bss.MAC)
			if e == nil && !v.beaconLostDL.expired(now.Add(-late)) {
				// Nowhere to go: give the AP until Timeouts.BeaconLost
				// before leaving it for a scan.
				v.beaconDL.t = v.beaconLostDL.t
				return
			}
			v.stats.BeaconLoss++
			v.emit(Event{Kind: EventBeaconLoss, Detail: v.lossDetail(now)})
			if e != nil {
				// Another AP of the ESS is known: go there at once
				// instead of scanning.
				why := fmt.Sprintf("%s: no beacon for %d ms", RoamBeaconLoss, now.Sub(v.roam.lastBeacon).Milliseconds())
				if v.mon.acked > 0 {
					why += fmt.Sprintf(", %d probes acknowledged", v.mon.acked)
				}
				v.roamTo(e, v.bss.MAC, why, false, now)
				return
			}
			v.lostScan()
			return
		}
		if v.handshakeDL.expired(now) {
			v.handshakeFailed(now)
		}
		v.saQueryTick(now)
		v.reorderTick(now)
	}
}

// lostScan leaves a lost AP with nowhere known to go for a full scan.
func (v *Vap) lostScan() {
	v.teardown(frame.ReasonDeauthLeaving, false)
	v.newState(StateScan)
	v.scanFailures = 0
	_ = v.startScan(true)
}

// handshakeFailed ends an association whose 4-way handshake did not finish.
func (v *Vap) handshakeFailed(now time.Time) {
	if v.pmksaTry && v.bss != nil {
		// Not the PMK the AP holds after all: SAE on the next attempt.
		delete(v.pmksa, [6]byte(v.bss.MAC))
	}
	v.hsFailures++
	if v.hsFailures >= v.cfg.Timeouts.HandshakeAttempts {
		v.fail(ErrHandshake, "%s (%d attempts)", v.handshakeHint(), v.hsFailures)
		return
	}
	// Try the same AP again at once rather than rescanning: it answered a
	// moment ago, and a scan costs seconds (more when a loaded machine
	// makes a probe response miss its dwell and a whole scan repeats).
	e := v.bssInfo
	e.RSNRaw = append([]byte(nil), v.bssInfo.RSNRaw...)
	v.teardown(frame.Reason4WayTimeout, true)
	v.join(&e, now)
}

// handshakeHint says why the 4-way handshake did not finish, from what
// did arrive: a wrong passphrase shows as silence after our message 2
// (the AP cannot verify its MIC), but only with WPA2-PSK — SAE has proved
// the password before the handshake starts.
func (v *Vap) handshakeHint() string {
	switch {
	case v.sup.state == supIdle && v.m3Drops > 0:
		return fmt.Sprintf("EAPOL-Key frames arrived but were dropped %d times before a message 1 was taken (last: %s; see the eapol counters in status)", v.m3Drops, v.m3Why)
	case v.sup.state == supIdle:
		return "the access point never started the 4-way handshake"
	case v.m3Drops > 0:
		// Something that may have been message 3 came and was refused:
		// not the silence a wrong passphrase causes (the AP refuses
		// our message 2 and sends nothing more).
		return fmt.Sprintf("message 3 arrived but was dropped %d times (last: %s; see the eapol counters in status)", v.m3Drops, v.m3Why)
	case v.akm == ie.AKMSAE:
		return "no message 3 arrived after our message 2, although SAE had verified the password: the access point refused message 2 for another reason, or the frames were lost"
	default:
		return "no message 3 arrived after our message 2: the passphrase is probably wrong"
	}
}

func macOf(n *Node) []byte {
	if n == nil {
		return nil
	}
	return n.MAC
}

// recvAuth handles an Authentication frame from the BSS (11.3.4.3).
func (v *Vap) recvAuth(f frame.Frame, now time.Time) {
	if v.state != StateAuth || v.bss == nil || !equalMAC(f.Addr2(), v.bss.MAC) {
		v.stats.RxNotForUs++
		return
	}
	a, err := frame.ParseAuth(f.Body())
	if err != nil {
		v.stats.RxMalformed++
		return
	}
	if a.Algorithm() == frame.AuthSAE && v.secure && v.akm == ie.AKMSAE {
		v.recvSAE(a, now)
		return
	}
	if a.Algorithm() != frame.AuthOpen || a.Seq() != 2 {
		v.stats.RxMalformed++
		return
	}
	if a.Status() != frame.StatusSuccess {
		v.fail(ErrAuthRefused, "%s refused Open System authentication with status %d", v.bss.MAC, a.Status())
		return
	}
	v.retries = 0
	v.newState(StateAssoc)
	v.emit(Event{Kind: EventAssociating})
	v.sendAssocReq(now)
}

// recvAssocResp handles an (Re)Association Response (11.3.5.3).
func (v *Vap) recvAssocResp(f frame.Frame, now time.Time) {
	if v.state != StateAssoc || v.bss == nil || !equalMAC(f.Addr2(), v.bss.MAC) {
		v.stats.RxNotForUs++
		return
	}
	r, err := frame.ParseAssocResp(f.Body())
	if err != nil {
		v.stats.RxMalformed++
		return
	}
	set, err := ie.ParseSet(r.Elements())
	if err != nil {
		v.stats.RxMalformed++
		return
	}
	if r.Status() != frame.StatusSuccess && v.pmksaTry {
		// The AP no longer has the PMKSA we named (status 53, or any
		// refusal): forget it and authenticate with SAE.
		v.stats.PMKSARefused++
		delete(v.pmksa, [6]byte(v.bss.MAC))
		e := v.bssInfo
		e.RSNRaw = append([]byte(nil), v.bssInfo.RSNRaw...)
		v.teardown(frame.ReasonDeauthLeaving, true)
		v.join(&e, now)
		return
	}
	if r.Status() != frame.StatusSuccess {
		v.fail(ErrAssocRefused, "%s refused the association with status code %d", v.bss.MAC, r.Status())
		return
	}
	// QoS when we asked for it and the AP answered with its WMM Parameter
	// element; HT when both sides announced HT Capabilities.
	v.bss.QoS = v.bssInfo.WMM && set.WMM != nil && set.WMM.Subtype == ie.WMMSubtypeParam
	v.bss.HT = v.bss.HT && v.bss.QoS && set.HTCaps != nil
	if mr, ok := v.com.radio.(MCSRadio); ok && v.bss.HT {
		// HT rates where the radio sends them and the AP receives them
		// (its Rx MCS bitmask, 9.4.2.55.4): rate control starts over
		// on the combined set.
		if mcs := mr.TxMCS() & set.HTCaps.MCS[0]; mcs != 0 {
			v.bss.rate = v.cfg.RateCtl.NewNode(htRates(v.bss.Rates, mcs), now)
		}
	}
	v.bss.AID = r.AID()
	v.timer.clear()
	v.newState(StateRun)
	v.armBeaconLoss(now, v.bssInfo.Interval)
	if !v.secure {
		v.setPortOpen(true)
		v.everConnected = true
		v.emit(Event{Kind: EventConnected})
		return
	}
	if v.pmksaTry {
		v.stats.PMKSAUsed++
	}
	v.sup.start(v)
	v.handshakeDL.set(now, v.cfg.Timeouts.Handshake)
	v.emit(Event{Kind: EventHandshake})
}

// recvDeauth handles Deauthentication and Disassociation from the BSS:
// drop keys and rejoin (NetBSD: deauth in RUN goes back to AUTH,
// disassociation back to ASSOC).
func (v *Vap) recvDeauth(f frame.Frame, now time.Time) {
	if v.bss == nil || !equalMAC(f.Addr2(), v.bss.MAC) || v.state < StateAuth {
		v.stats.RxNotForUs++
		return
	}
	r, err := frame.ParseReason(f.Body())
	if err != nil {
		v.stats.RxMalformed++
		return
	}
	v.deauthed(f.Subtype() == frame.SubDisassoc, r.Code(), now)
}

// deauthed ends the association the AP ended (or, after an unanswered SA
// Query, no longer knows) and rejoins.
func (v *Vap) deauthed(disassoc bool, reason uint16, now time.Time) {
	ap := v.bss.MAC
	v.emit(Event{Kind: EventDisconnected, Reason: reason})
	if v.state == StateRun && v.secure && !v.portOpen {
		// Thrown out during the 4-way handshake (hostapd sends reason 15
		// after our message 2 failed its MIC check): that is a failed
		// handshake, counted toward giving up, not a reason to rejoin forever.
		if v.pmksaTry {
			// Not the PMK the AP holds after all: SAE on the next attempt.
			delete(v.pmksa, [6]byte(ap))
		}
		v.teardown(0, false)
		v.hsFailures++
		if v.hsFailures >= v.cfg.Timeouts.HandshakeAttempts {
			why := "the passphrase is probably wrong"
			if v.akm == ie.AKMSAE {
				why = "SAE had verified the password, so not a password problem"
			}
			v.fail(ErrHandshake, "%s ended the 4-way handshake (reason %d): %s (%d attempts)", ap, reason, why, v.hsFailures)
			return
		}
		v.newState(StateScan)
		_ = v.startScan(true)
		return
	}
	if v.state == StateAuth {
		v.fail(ErrAuthRefused, "%s deauthenticated us during authentication (reason %d)", ap, reason)
		return
	}
	entry := v.bssInfo
	leaving := (!disassoc && reason == frame.ReasonDeauthLeaving) || (disassoc && reason == frame.ReasonDisassocLeaving)
	if e := v.roamCandidate(now, ap); leaving && e != nil {
		// Another AP of the ESS was heard lately: join it at once.
		v.roamTo(e, ap, fmt.Sprintf("%s (reason %d)", RoamLeaving, reason), false, now)
		return
	}
	v.teardown(0, false)
	if leaving {
		// The AP is going away (hostapd says so when it stops): retrying
		// it would cost the authentication retries; scan for the ESS at
		// once instead, which finds another AP of it if one is in range.
		v.stats.RoamScans++
		v.newState(StateScan)
		v.scanFailures = 0
		// First the channels where other APs of the ESS were heard: one
		// or two dwells instead of a sweep of every channel.
		var chans []int
		for _, e := range v.cache.entries {
			if string(e.SSID) == string(v.ssid) && !equalMAC(e.BSSID, ap) && e.FreqMHz != 0 && !slices.Contains(chans, e.FreqMHz) {
				chans = append(chans, e.FreqMHz)
			}
		}
		_ = v.startScanOn(true, chans)
		v.scan.avoid = [6]byte(ap)
		return
	}
	v.roam.reassocFrom = nil
	if disassoc {
		v.setupBSS(&entry, now)
		v.retries = 0
		v.newState(StateAssoc)
		v.emit(Event{Kind: EventAssociating})
		v.sendAssocReq(now)
		return
	}
	v.join(&entry, now)
}
