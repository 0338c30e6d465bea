package wlantest

import (
	"bytes"
	"io"
	"net"

	"github.com/gopkt/gopkt/crypto/prf"
	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

// apSTA is the AP's view of its station.
type apSTA struct {
	mac net.HardwareAddr
	// dozing: the station's last frame had the Power Management bit set
	// (802.11-2016 11.2.3.2), so unicast data waits in psq until a frame
	// with the bit clear arrives (11.2.3.6).
	dozing     bool
	psq        [][]byte
	aid        uint16
	assoc      bool
	authorized bool
	staRSN     []byte
	anonce     [32]byte
	tptk       []byte
	ptk        []byte
	key        *net80211.Key
	replay     uint64
	m1Replay   uint64 // counter of the first message 1 of this handshake
	hs         int    // 0 idle, 1 M1 sent, 2 M3 sent, 3 done
	lastM3     []byte
	qos        bool // WMM negotiated: unicast data as QoS Data
	// SAE: the exchange, whether it completed (and the PMK it gave),
	// and whether the association chose AKM 8.
	sae     apSAE
	saeDone bool
	saePMK  [32]byte
	useSAE  bool
	sha256  bool // AKM 6: KDF-SHA-256 PTK, descriptor version 3
}

// ver is the Key Descriptor Version of the AP's EAPOL-Key frames: 0
// (AKM-defined) for SAE.
func (a *AP) ver() uint16 {
	if a.sta != nil && a.sta.useSAE {
		return eapol.VersionAKMChose
	}
	if a.sta != nil && a.sta.sha256 {
		return eapol.VersionCMACAES // 12.7.2 b.1: AKM 6
	}
	if a.cfg.Pairwise == ie.CipherTKIP {
		return eapol.VersionMD5RC4
	}
	return eapol.VersionSHA1AES
}

// cv maps a descriptor version to the MIC/key wrap algorithms: AKM 8's
// are those of version 3.
func cv(ver uint16) uint16 {
	if ver == eapol.VersionAKMChose {
		return eapol.VersionCMACAES
	}
	return ver
}

// pmkFor is the PMK of the station's association.
func (a *AP) pmkFor(s *apSTA) []byte {
	if s.useSAE {
		return s.saePMK[:]
	}
	return a.pmk[:]
}

func (a *AP) cipher(s ie.Suite) net80211.Cipher { return net80211.DefaultCiphers()[s] }

// newGTK draws a new group key (or uses GTKOverride) in the other slot.
func (a *AP) newGTK() error {
	c := a.cipher(a.cfg.Group)
	gtk := make([]byte, c.KeyLen())
	if a.cfg.GTKOverride != nil {
		copy(gtk, a.cfg.GTKOverride)
	} else if _, err := io.ReadFull(a.cfg.Rand, gtk); err != nil {
		return err
	}
	a.setGTK(gtk)
	return nil
}

func (a *AP) setGTK(gtk []byte) {
	a.gtk = gtk
	k, err := net80211.NewKey(a.cipher(a.cfg.Group), a.gtkID, gtk, net80211.RoleAuthenticator, net80211.KeyXmit|net80211.KeyGroup)
	if err != nil {
		k = nil // e.g. an all-zero override: sent in message 3, unusable here
	}
	a.gkey = k
}

// GTK returns the current group key octets and key ID.
func (a *AP) GTK() ([]byte, uint8) { return a.gtk, a.gtkID }

func (a *AP) sendEAPOL(pdu []byte) {
	_ = a.sendData(a.sta.mac, a.bssid, 0x888e, pdu, false)
}

// startHandshake sends message 1 with a fresh ANonce.
func (a *AP) startHandshake() {
	s := a.sta
	if _, err := io.ReadFull(a.cfg.Rand, s.anonce[:]); err != nil {
		return
	}
	s.replay++
	s.m1Replay = s.replay
	s.hs = 1
	a.sendM1()
}

// sendM1 sends message 1 for the current ANonce with a new counter.
func (a *AP) sendM1() {
	s := a.sta
	m1 := eapol.AppendKey(nil, &eapol.KeyFields{EAPOLVersion: 2, Descriptor: eapol.DescRSN,
		Info: a.ver() | eapol.InfoPairwise | eapol.InfoAck, KeyLen: uint16(a.cipher(a.cfg.Pairwise).KeyLen()),
		ReplayCounter: s.replay, Nonce: s.anonce})
	a.sendEAPOL(m1)
}

// RekeyPTK starts a new 4-way handshake (under the current PTK).
func (a *AP) RekeyPTK() {
	if a.sta != nil && a.sta.hs == 3 {
		a.startHandshake()
	}
}

// ResendM1 retransmits message 1 (same ANonce, next Key Replay Counter),
// as hostapd does when message 2 is slow; like hostapd it then accepts a
// message 2 answering any of this handshake's messages 1.
func (a *AP) ResendM1() {
	if a.sta != nil && a.sta.hs == 1 {
		a.sta.replay++
		a.sendM1()
	}
}

// ResendM3 retransmits message 3 with a new Key Replay Counter, as an
// authenticator does when message 4 seems lost.
func (a *AP) ResendM3() {
	if a.sta != nil && a.sta.tptk != nil {
		a.sendM3()
	}
}

// ReplayM3 sends the last message 3 again byte for byte (same counter).
func (a *AP) ReplayM3() {
	if a.sta != nil && a.sta.lastM3 != nil {
		a.sendEAPOL(a.sta.lastM3)
	}
}

func (a *AP) keyData(gtk []byte, gtkID uint8, withRSN bool) []byte {
	var kd []byte
	if withRSN {
		if a.cfg.RSNOverride != nil {
			kd = append(kd, a.cfg.RSNOverride...)
		} else {
			kd = append(kd, a.rsnIE...)
		}
	}
	kd = eapol.AppendGTK(kd, &eapol.GTK{KeyID: gtkID, Tx: true, Key: gtk})
	kd = a.appendIGTK(kd)
	return eapol.Pad(kd)
}

func (a *AP) sendM3() {
	s := a.sta
	s.replay++
	ver := a.ver()
	var iv [16]byte
	if ver == eapol.VersionMD5RC4 {
		_, _ = io.ReadFull(a.cfg.Rand, iv[:])
	}
	enc, err := net80211.EncryptKeyData(cv(ver), s.tptk[16:32], iv[:], a.keyData(a.gtk, a.gtkID, true))
	if err != nil {
		return
	}
	var rsc uint64
	if a.gkey != nil {
		rsc = a.gkey.TxPN
	}
	m3 := eapol.AppendKey(nil, &eapol.KeyFields{EAPOLVersion: 2, Descriptor: eapol.DescRSN,
		Info:   ver | eapol.InfoPairwise | eapol.InfoInstall | eapol.InfoAck | eapol.InfoMIC | eapol.InfoSecure | eapol.InfoEncData,
		KeyLen: uint16(a.cipher(a.cfg.Pairwise).KeyLen()), ReplayCounter: s.replay, Nonce: s.anonce, IV: iv, RSC: rsc, KeyData: enc})
	if net80211.SetEAPOLMIC(cv(ver), s.tptk[:16], m3) != nil {
		return
	}
	if a.cfg.MangleM3 != nil {
		m3 = a.cfg.MangleM3(m3)
	}
	s.lastM3 = m3
	s.hs = 2
	a.sendEAPOL(m3)
}

// RekeyGTK sends a group key handshake message 1 with a new GTK in the
// other key slot; with same, it sends the current GTK again instead (a
// repeated key the station must not reinstall).
//
// During a PTK rekey whose message 3 is out (hs 2) it protects the frame
// with the new PTK, as hostapd does once message 2 verified.
func (a *AP) RekeyGTK(same bool) {
	s := a.sta
	if s == nil || s.hs < 2 || s.ptk == nil {
		return
	}
	ptk := s.ptk
	if s.hs == 2 {
		ptk = s.tptk
	}
	if !same {
		a.gtkID = 3 - a.gtkID // alternate 1 and 2
		_ = a.newGTK()
	}
	s.replay++
	ver := a.ver()
	var iv [16]byte
	if ver == eapol.VersionMD5RC4 {
		_, _ = io.ReadFull(a.cfg.Rand, iv[:])
	}
	enc, err := net80211.EncryptKeyData(cv(ver), ptk[16:32], iv[:], a.keyData(a.gtk, a.gtkID, false))
	if err != nil {
		return
	}
	var rsc uint64
	if a.gkey != nil {
		rsc = a.gkey.TxPN
	}
	g1 := eapol.AppendKey(nil, &eapol.KeyFields{EAPOLVersion: 2, Descriptor: eapol.DescRSN,
		Info:   ver | eapol.InfoAck | eapol.InfoMIC | eapol.InfoSecure | eapol.InfoEncData,
		KeyLen: 0, ReplayCounter: s.replay, IV: iv, RSC: rsc, KeyData: enc})
	if net80211.SetEAPOLMIC(cv(ver), ptk[:16], g1) != nil {
		return
	}
	a.sendEAPOL(g1)
}

// eapolInput handles EAPOL-Key frames from the station.
func (a *AP) eapolInput(pdu []byte) {
	s := a.sta
	e, k, err := eapol.ParseKeyFrame(pdu, eapol.DefaultMIC)
	if err != nil || s == nil {
		return
	}
	info := k.Info()
	ver := cv(info & eapol.InfoVersionMask)
	switch {
	case info&eapol.InfoRequest != 0 && info&eapol.InfoError != 0:
		if s.ptk != nil && net80211.VerifyEAPOLMIC(ver, s.ptk[:16], e.Frame(), k) {
			a.Stats.MICFailureReports++
			a.Stats.LastMICFailurePairwk = info&eapol.InfoPairwise != 0
		} else {
			a.Stats.BadMIC++
		}
	case info&eapol.InfoPairwise != 0 && info&eapol.InfoSecure == 0 && s.hs == 1:
		if k.ReplayCounter() < s.m1Replay || k.ReplayCounter() > s.replay {
			return
		}
		ptkFn := prf.PTK
		if s.useSAE || s.sha256 {
			ptkFn = prf.PTKSHA256
		}
		tptk, err := ptkFn(a.pmkFor(s), a.bssid, s.mac, s.anonce[:], k.Nonce(), 256+8*a.cipher(a.cfg.Pairwise).KeyLen())
		if err != nil {
			return
		}
		if !net80211.VerifyEAPOLMIC(ver, tptk[:16], e.Frame(), k) {
			a.Stats.BadMIC++
			return
		}
		if !bytes.Equal(k.KeyData(), s.staRSN) {
			a.Stats.BadMIC++ // RSN element differs from the Association Request
			return
		}
		a.Stats.M2++
		s.tptk = tptk
		a.sendM3()
	case info&eapol.InfoPairwise != 0 && info&eapol.InfoSecure != 0 && s.hs >= 2:
		if !net80211.VerifyEAPOLMIC(ver, s.tptk[:16], e.Frame(), k) {
			a.Stats.BadMIC++
			return
		}
		a.Stats.M4++
		if s.key == nil || !s.key.SameMaterial(s.tptk[32:]) {
			key, err := net80211.NewKey(a.cipher(a.cfg.Pairwise), 0, s.tptk[32:], net80211.RoleAuthenticator, net80211.KeyXmit|net80211.KeyRecv)
			if err != nil {
				return
			}
			s.key = key
		}
		s.ptk = s.tptk
		s.hs = 3
		s.authorized = true
	case info&eapol.InfoPairwise == 0 && info&eapol.InfoMIC != 0:
		if s.hs == 2 && net80211.VerifyEAPOLMIC(ver, s.tptk[:16], e.Frame(), k) {
			a.Stats.GroupM2++
		} else if s.ptk != nil && net80211.VerifyEAPOLMIC(ver, s.ptk[:16], e.Frame(), k) {
			a.Stats.GroupM2++
		} else {
			a.Stats.BadMIC++
		}
	}
}

// StationKey returns the AP's pairwise key for the station (tests inspect PNs).
func (a *AP) StationKey() *net80211.Key {
	if a.sta == nil {
		return nil
	}
	return a.sta.key
}

// SendEAPOLRaw sends an arbitrary EAPOL PDU to the station (malformed-frame tests).
func (a *AP) SendEAPOLRaw(pdu []byte) {
	if a.sta != nil {
		a.sendEAPOL(pdu)
	}
}

// LastM3 returns the last message 3 sent.
func (a *AP) LastM3() []byte {
	if a.sta == nil {
		return nil
	}
	return a.sta.lastM3
}
