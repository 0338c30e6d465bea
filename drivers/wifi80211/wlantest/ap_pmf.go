package wlantest

import (
	"encoding/binary"
	"io"

	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

// The test AP's side of protected management frames (IEEE 802.11w), for
// APConfig.PMF 1 (MFPC) or 2 (MFPC and MFPR): the IGTK in message 3,
// the pairwise cipher on unicast robust frames, BIP (APConfig.GroupMgmt) on group-addressed ones,
// SA Query answered.

// PMFStats counts the AP's protected management traffic.
type PMFStats struct {
	StaMFPC                 bool // the station's RSN element had MFPC
	ProtectedRx             int  // protected management frames decrypted
	SAQueryReqRx, SAQueryRx int  // requests from the station; responses to ours
	LastSAQueryID           uint16
	DeauthProtectedRx       int
}

// igtkKDE is the IGTK KDE data: Key ID (4, or 5 after RekeyIGTK), IPN,
// key (12.7.2).
func (a *AP) igtkKDE() []byte {
	d := binary.LittleEndian.AppendUint16(nil, a.bip.ID())
	d = append(d, byte(a.ipn), byte(a.ipn>>8), byte(a.ipn>>16), byte(a.ipn>>24), byte(a.ipn>>32), byte(a.ipn>>40))
	return append(d, a.igtk...)
}

// appendIGTK adds the IGTK KDE to key data for a station with MFPC.
func (a *AP) appendIGTK(kd []byte) []byte {
	if a.cfg.PMF == 0 || a.sta == nil || !a.PMF.StaMFPC {
		return kd
	}
	return eapol.AppendKDE(kd, eapol.KDEIGTK, a.igtkKDE())
}

// pmfOn reports whether robust frames to the station are protected.
func (a *AP) pmfOn() bool {
	return a.cfg.PMF != 0 && a.sta != nil && a.PMF.StaMFPC && a.sta.key != nil
}

// protect encrypts a unicast management frame under the PTK.
func (a *AP) protect(b []byte) []byte {
	k := a.sta.key
	out, err := k.Cipher.Encap(k, b, 24)
	if err != nil {
		return nil
	}
	return out
}

// unprotect decrypts a protected management frame from the station, nil
// when it does not verify.
func (a *AP) unprotect(f frame.Frame) frame.Frame {
	if !a.pmfOn() || !equal(f.Addr2(), a.sta.mac) {
		return nil
	}
	k := a.sta.key
	out, err := k.Cipher.Decap(k, append([]byte(nil), f...), 24, false)
	if err != nil {
		a.Stats.DecryptErrors++
		return nil
	}
	a.PMF.ProtectedRx++
	return frame.Frame(out)
}

// pmfAction handles a (decrypted) SA Query from the station.
func (a *AP) pmfAction(act frame.Action) {
	p := act.Payload()
	if act.Category() != frame.CategorySAQuery || len(p) < 2 {
		return
	}
	switch act.ActionCode() {
	case 0:
		a.PMF.SAQueryReqRx++
		if a.SAQueryAnswers {
			a.sendSAQuery(1, binary.LittleEndian.Uint16(p))
		}
	case 1:
		a.PMF.SAQueryRx++
		a.PMF.LastSAQueryID = binary.LittleEndian.Uint16(p)
	}
}

func (a *AP) sendSAQuery(action uint8, id uint16) {
	b := a.header(frame.TypeMgmt, frame.SubAction, 0, a.sta.mac, a.bssid)
	b = append(b, frame.CategorySAQuery, action, byte(id), byte(id>>8))
	if b = a.protect(b); b != nil {
		a.tx(b)
	}
}

// SAQuery sends the station a protected SA Query Request with id.
func (a *AP) SAQuery(id uint16) {
	if a.pmfOn() {
		a.sendSAQuery(0, id)
	}
}

// DeauthProtected sends a CCMP-protected Deauthentication and forgets the
// station.
func (a *AP) DeauthProtected(reason uint16) {
	if !a.pmfOn() {
		return
	}
	b := a.header(frame.TypeMgmt, frame.SubDeauth, 0, a.sta.mac, a.bssid)
	b = binary.LittleEndian.AppendUint16(b, reason)
	if b = a.protect(b); b != nil {
		a.tx(b)
	}
	a.sta = nil
}

// BroadcastDeauth sends a group-addressed Deauthentication with a
// Management MIC element (APConfig.GroupMgmt, 12.5.4); with corrupt its MIC
// is wrong. The AP keeps its station (it tests the station's check only).
func (a *AP) BroadcastDeauth(reason uint16, corrupt bool) {
	b := a.header(frame.TypeMgmt, frame.SubDeauth, 0, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, a.bssid)
	b = binary.LittleEndian.AppendUint16(b, reason)
	a.ipn++
	b, err := a.bip.Protect(b, a.ipn)
	if err != nil {
		return
	}
	if corrupt {
		b[len(b)-1] ^= 1
	}
	a.tx(b)
}

// RekeyIGTK draws a new IGTK under the other key ID (4 or 5, 12.7.2): the
// next group key handshake (RekeyGTK) carries it and BroadcastDeauth
// protects with it.
func (a *AP) RekeyIGTK() error {
	k := make([]byte, len(a.igtk))
	if _, err := io.ReadFull(a.cfg.Rand, k); err != nil {
		return err
	}
	b, err := net80211.NewBIP(a.bip.Suite(), 9-a.bip.ID(), k)
	if err != nil {
		return err
	}
	a.igtk, a.bip, a.ipn = k, b, 1
	return nil
}
