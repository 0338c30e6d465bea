package net80211

import (
	"bytes"
	"errors"
	"io"
	"time"

	"github.com/gopkt/gopkt/crypto/prf"
	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// supState tracks the supplicant's 4-way handshake (802.11-2016 12.7.6).
type supState uint8

const (
	supIdle     supState = iota // associated, waiting for message 1
	supPTKStart                 // message 2 sent, waiting for message 3
	supDone                     // message 4 sent, keys installed
)

// supplicant is the WPA2-PSK supplicant: 4-way handshake, group key
// handshake (12.7.7), PTK and GTK rekeying, MIC failure reports.
type supplicant struct {
	state    supState
	anonce   [32]byte
	snonce   [32]byte
	tptk     []byte // derived from the latest message 1
	ptk      []byte // confirmed by a valid message 3
	replay   uint64 // last Key Replay Counter of a frame whose MIC verified
	replayOK bool
	request  uint64 // our counter for request frames
	// m2Sent: message 2 left for the current ANonce and no message 3 has
	// verified yet. A retransmitted message 1 (same ANonce, new counter)
	// is then answered with the same SNonce: the authenticator may answer
	// any of our messages 2 with a message 3 keyed from its SNonce
	// (12.7.6.2; hostapd keeps every counter it sent valid).
	m2Sent bool
}

func (s *supplicant) reset() { *s = supplicant{} }

func (s *supplicant) start(v *Vap) { s.reset() }

// tkLen returns the temporal key length of a cipher suite.
func (v *Vap) tkLen(s ie.Suite) int {
	if c, ok := v.com.ciphers[s]; ok {
		return c.KeyLen()
	}
	return 0
}

// input handles one EAPOL PDU from the AP. Every malformed, unexpected,
// replayed or unauthenticated frame is counted and dropped.
func (s *supplicant) input(v *Vap, pdu []byte, protected bool, now time.Time) {
	if !v.secure {
		v.stats.EAPOLDropped++
		return
	}
	e, k, err := eapol.ParseKeyFrame(pdu, eapol.DefaultMIC)
	if err != nil {
		v.stats.EAPOLMalformed++
		s.m3Drop(v, "malformed EAPOL-Key frame")
		return
	}
	if k.Descriptor() != eapol.DescRSN {
		v.stats.EAPOLMalformed++ // WPA1 (descriptor 254) is not supported
		s.m3Drop(v, "not an RSN key descriptor")
		return
	}
	info := k.Info()
	ver := info & eapol.InfoVersionMask
	if !v.keyVerOK(ver) || info&eapol.InfoAck == 0 || info&eapol.InfoRequest != 0 {
		v.stats.EAPOLMalformed++
		s.m3Drop(v, "malformed key information")
		return
	}
	if s.replayOK && k.ReplayCounter() <= s.replay {
		v.stats.EAPOLReplay++
		s.m3Drop(v, "replayed key replay counter")
		return
	}
	switch {
	case info&eapol.InfoPairwise != 0 && info&eapol.InfoMIC == 0:
		s.msg1(v, k, ver)
	case info&eapol.InfoPairwise != 0 && info&eapol.InfoInstall != 0:
		s.msg3(v, e.Frame(), k, ver, now)
	case info&eapol.InfoPairwise == 0 && info&eapol.InfoMIC != 0:
		s.group1(v, e.Frame(), k, ver)
	default:
		v.stats.EAPOLDropped++
		s.m3Drop(v, "key information of no handshake message")
	}
}

// m3Drop records a frame dropped before the first handshake completed
// (while message 1 or, after our message 2, message 3 was awaited), for
// handshakeHint's message.
func (s *supplicant) m3Drop(v *Vap, why string) {
	if s.state != supDone {
		v.m3Drops++
		v.m3Why = why
	}
}

// msg1 answers message 1 with message 2 (12.7.6.2, 12.7.6.3).
func (s *supplicant) msg1(v *Vap, k eapol.Key, ver uint16) {
	if !s.m2Sent || !bytes.Equal(s.anonce[:], k.Nonce()) {
		if _, err := io.ReadFull(v.cfg.Rand, s.snonce[:]); err != nil {
			v.stats.EAPOLDropped++
			return
		}
	}
	copy(s.anonce[:], k.Nonce())
	bits := 256 + 8*v.tkLen(v.pairwise)
	ptkFn := prf.PTK
	if v.akm == ie.AKMSAE || v.akm == ie.AKMPSKSHA256 {
		ptkFn = prf.PTKSHA256 // AKMs 6 and 8: KDF-SHA-256 (802.11-2020 12.7.1.3, 12.7.1.7.2, table 9-151)
	}
	ptk, err := ptkFn(v.pmk[:], v.bss.MAC, v.mac, s.anonce[:], s.snonce[:], bits)
	if err != nil {
		v.stats.EAPOLDropped++
		return
	}
	s.tptk = ptk
	m2 := eapol.AppendKey(nil, &eapol.KeyFields{
		EAPOLVersion: 1, Descriptor: eapol.DescRSN, Info: ver | eapol.InfoPairwise | eapol.InfoMIC,
		ReplayCounter: k.ReplayCounter(), Nonce: s.snonce, KeyData: append(append([]byte(nil), v.ourRSN...), v.ourRSNX...),
	})
	if err := SetEAPOLMIC(v.keyVer(ver), ptk[:16], m2); err != nil {
		v.stats.EAPOLDropped++
		return
	}
	if s.state != supDone {
		s.state = supPTKStart
	}
	s.m2Sent = true
	v.sendEAPOL(m2)
}

// keyData verifies nothing itself: it decrypts and walks Key Data,
// returning the RSN element and GTK KDE it found.
func keyData(ver uint16, kek []byte, k eapol.Key) (rsn []byte, gtk *eapol.GTK, err error) {
	rsn, gtk, _, err = keyDataIGTK(ver, kek, k)
	return rsn, gtk, err
}

// keyDataIGTK is keyData that also returns the IGTK KDE's data (Key ID,
// IPN, IGTK: 12.7.2 figure 12-37) when PMF put one in.
func keyDataIGTK(ver uint16, kek []byte, k eapol.Key) (rsn []byte, gtk *eapol.GTK, igtkKDE []byte, err error) {
	data := k.KeyData()
	if k.Info()&eapol.InfoEncData != 0 {
		if data, err = DecryptKeyData(ver, kek, k.IV(), data); err != nil {
			return nil, nil, nil, err
		}
	}
	it := eapol.NewKDEIter(data)
	for it.Next() {
		item := it.Item()
		switch {
		case !item.KDE && item.ID == ie.IDRSN:
			if rsn == nil {
				rsn = item.Bytes
			}
		case item.KDE && item.Type == eapol.KDEGTK:
			g, err := eapol.ParseGTK(item.Data)
			if err != nil {
				return nil, nil, nil, err
			}
			gtk = &g
		case item.KDE && item.Type == eapol.KDEIGTK:
			igtkKDE = item.Data
		}
	}
	return rsn, gtk, igtkKDE, it.Err()
}

// msg3 verifies message 3, answers with message 4 and installs the keys
// (12.7.6.4). A retransmitted message 3 is answered but never reinstalls a
// key already in use.
func (s *supplicant) msg3(v *Vap, pdu []byte, k eapol.Key, ver uint16, now time.Time) {
	if s.state == supIdle || s.tptk == nil {
		v.stats.EAPOLDropped++
		s.m3Drop(v, "message 3 before any message 1")
		return
	}
	if !VerifyEAPOLMIC(v.keyVer(ver), s.tptk[:16], pdu, k) {
		v.stats.EAPOLBadMIC++
		s.m3Drop(v, "message 3 MIC did not verify")
		return
	}
	if !bytes.Equal(k.Nonce(), s.anonce[:]) {
		v.stats.EAPOLDropped++
		s.m3Drop(v, "message 3 ANonce differs from message 1's")
		return
	}
	s.replay, s.replayOK = k.ReplayCounter(), true
	rsn, gtk, igtkKDE, err := keyDataIGTK(v.keyVer(ver), s.tptk[16:32], k)
	if err != nil || rsn == nil {
		v.stats.EAPOLMalformed++
		s.m3Drop(v, "message 3 key data malformed or without an RSN element")
		return
	}
	if !bytes.Equal(rsn, v.bssInfo.RSNRaw) {
		// 12.7.6.4: the RSNE in message 3 must match the Beacon/Probe
		// Response; a mismatch means a downgrade attempt.
		v.stats.EAPOLDropped++
		v.fail(ErrSecurityPolicy, "the RSN element in message 3 differs from the beacon's (downgrade attempt?)")
		return
	}
	if gtk != nil && len(gtk.Key) != v.tkLen(v.group) {
		v.stats.EAPOLMalformed++
		s.m3Drop(v, "message 3 GTK of the wrong length")
		return
	}
	if v.pmf.on && (igtkKDE == nil || len(igtkKDE) != v.igtkKDELen()) {
		// 12.7.6.4: with MFP negotiated message 3 carries the IGTK.
		v.stats.EAPOLMalformed++
		s.m3Drop(v, "message 3 without a valid IGTK KDE although PMF was negotiated")
		return
	}
	m4 := eapol.AppendKey(nil, &eapol.KeyFields{
		EAPOLVersion: 1, Descriptor: eapol.DescRSN, Info: ver | eapol.InfoPairwise | eapol.InfoMIC | eapol.InfoSecure,
		ReplayCounter: k.ReplayCounter(),
	})
	if SetEAPOLMIC(v.keyVer(ver), s.tptk[:16], m4) != nil {
		return
	}
	tk := s.tptk[32:]
	if n := v.bss; n.PTK != nil && n.PTK.SameMaterial(tk) && !n.ptkConfirmed {
		// A retransmitted message 3 (our message 4 is late or lost) while
		// no frame under the new PTK has come: the authenticator has not
		// installed it, so the answer goes as the first message 4 went —
		// under the PTK it replaced, or in the clear in the first
		// handshake. Under the new PTK the AP could not decrypt it, would
		// retransmit until its retries ran out, and fail the handshake.
		v.sendEAPOLUnder(m4, n.retiredPTK)
	} else {
		v.sendEAPOL(m4)
	}
	rekey := s.state == supDone
	if err := v.installPairwise(v.bss, v.pairwise, tk); err != nil && !errors.Is(err, ErrKeyReinstall) {
		v.fail(ErrHandshake, "installing the pairwise key: %v", err)
		return
	}
	s.ptk = s.tptk
	s.m2Sent = false
	if v.pmf.on {
		v.installIGTK(igtkKDE)
	}
	if gtk != nil {
		err := v.installGroup(gtk.KeyID, v.group, gtk.Key, k.RSC()&(1<<48-1))
		if err != nil && !errors.Is(err, ErrKeyReinstall) {
			v.fail(ErrHandshake, "installing the group key: %v", err)
			return
		}
	}
	s.state = supDone
	v.handshakeDL.clear()
	v.hsFailures = 0
	if !v.portOpen {
		v.setPortOpen(true)
		v.everConnected = true
		v.emit(Event{Kind: EventConnected})
	} else if rekey {
		v.emit(Event{Kind: EventRekeyed})
	}
}

// group1 handles message 1 of the group key handshake and answers with
// message 2 (12.7.7).
func (s *supplicant) group1(v *Vap, pdu []byte, k eapol.Key, ver uint16) {
	if s.state != supDone || s.ptk == nil {
		v.stats.EAPOLDropped++
		return
	}
	if !VerifyEAPOLMIC(v.keyVer(ver), s.ptk[:16], pdu, k) {
		// During a PTK rekey the authenticator switches to the new PTK
		// when our message 2 verifies (hostapd: PTKCALCNEGOTIATING), so a
		// group message 1 sent before message 3 reaches us is protected
		// with the KCK of the PTK we proposed. Like wpa_supplicant, accept
		// it under that PTK and use it from now on for KCK and KEK; the
		// temporal key is still installed by message 3 only.
		if !s.m2Sent || s.tptk == nil || !VerifyEAPOLMIC(v.keyVer(ver), s.tptk[:16], pdu, k) {
			v.stats.EAPOLBadMIC++
			return
		}
		s.ptk = s.tptk
	}
	s.replay, s.replayOK = k.ReplayCounter(), true
	_, gtk, igtkKDE, err := keyDataIGTK(v.keyVer(ver), s.ptk[16:32], k)
	if err != nil || gtk == nil || len(gtk.Key) != v.tkLen(v.group) || (v.pmf.on && igtkKDE != nil && len(igtkKDE) != v.igtkKDELen()) {
		v.stats.EAPOLMalformed++
		return
	}
	if v.pmf.on && igtkKDE != nil {
		v.installIGTK(igtkKDE)
	}
	m2 := eapol.AppendKey(nil, &eapol.KeyFields{
		EAPOLVersion: 1, Descriptor: eapol.DescRSN, Info: ver | eapol.InfoMIC | eapol.InfoSecure,
		ReplayCounter: k.ReplayCounter(),
	})
	if SetEAPOLMIC(v.keyVer(ver), s.ptk[:16], m2) != nil {
		return
	}
	v.sendEAPOL(m2)
	err = v.installGroup(gtk.KeyID, v.group, gtk.Key, k.RSC()&(1<<48-1))
	switch {
	case err == nil:
		v.emit(Event{Kind: EventRekeyed})
	case errors.Is(err, ErrKeyReinstall):
	default:
		v.fail(ErrHandshake, "installing the group key: %v", err)
	}
}

// sendMICFailureReport sends an EAPOL-Key Michael MIC Failure Report
// (12.7.2: Request, Error, MIC and Secure set; Key Type set when the
// pairwise key failed).
func (s *supplicant) sendMICFailureReport(v *Vap, pairwise bool) {
	if s.ptk == nil || v.bss == nil {
		return
	}
	ver := uint16(eapol.VersionSHA1AES)
	if v.pairwise == ie.CipherTKIP {
		ver = eapol.VersionMD5RC4
	}
	info := ver | eapol.InfoMIC | eapol.InfoSecure | eapol.InfoError | eapol.InfoRequest
	if pairwise {
		info |= eapol.InfoPairwise
	}
	s.request++
	rep := eapol.AppendKey(nil, &eapol.KeyFields{EAPOLVersion: 1, Descriptor: eapol.DescRSN, Info: info, ReplayCounter: s.request})
	if SetEAPOLMIC(ver, s.ptk[:16], rep) != nil {
		return
	}
	v.sendEAPOL(rep)
}

// keyVerOK checks the Key Descriptor Version against the AKM (802.11-2020
// 12.7.2 b.1): 0 ("AKM-defined") for SAE, 3 (AES-128-CMAC MIC, AES key
// wrap) for PSK-SHA256, 1 to 3 for PSK.
func (v *Vap) keyVerOK(ver uint16) bool {
	switch v.akm {
	case ie.AKMSAE:
		return ver == eapol.VersionAKMChose
	case ie.AKMPSKSHA256:
		return ver == eapol.VersionCMACAES
	}
	return ver >= eapol.VersionMD5RC4 && ver <= eapol.VersionCMACAES
}

// keyVer maps the descriptor version to the MIC and key wrap algorithms:
// for AKM 8 (version 0) those are AES-128-CMAC and AES key wrap, what
// version 3 names (12.7.3, table 12-11).
func (v *Vap) keyVer(ver uint16) uint16 {
	if ver == eapol.VersionAKMChose && v.akm == ie.AKMSAE {
		return eapol.VersionCMACAES
	}
	return ver
}
