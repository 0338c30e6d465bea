package observer

import (
	"bytes"
	"encoding/hex"
	"net"
	"unicode/utf8"

	"github.com/gopkt/gopkt/crypto/prf"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
	"github.com/gopkt/gopkt/drivers/wifi80211/net80211"
)

// Config holds the secrets of the networks to decrypt: every passphrase,
// PSK and PMK given is tried on each 4-way handshake, and the one whose
// PTK verifies message 2's MIC is used (a key table, as in Wireshark's
// "Decryption keys").
type Config struct {
	// SSID and Passphrase give the PSK of a WPA/WPA2 network (802.11-2020
	// J.4.1: PBKDF2-SHA1 of the passphrase salted with the SSID).
	SSID       []byte
	Passphrase string
	// PSKs are 256-bit pre-shared keys (hostapd's wpa_psk=, 64 hex digits).
	PSKs [][]byte
	// PMKs are pairwise master keys, e.g. of SAE associations (one per
	// association: SAE makes a fresh PMK each time).
	PMKs [][]byte
	// BSSID, when set, restricts decryption to that network's frames.
	BSSID net.HardwareAddr
	// Ciphers to use; nil means net80211.DefaultCiphers().
	Ciphers net80211.Ciphers
}

// Observer follows the handshakes of the networks in a capture and
// decrypts their data frames: a passive third party that, unlike a
// station, holds the keys of both directions of each pairwise association
// (one PTK, two net80211 keys: the AP's transmit key and the station's)
// and every group key the APs hand out, per key index.
//
// An Observer is not safe for concurrent use. Frame is the data path: it
// allocates nothing once a pair's keys are installed.
type Observer struct {
	pmks    [][32]byte
	bssid   [6]byte
	filter  bool
	ciphers net80211.Ciphers
	pairs   map[pairID]*pair
	bsss    map[[6]byte]*bss
	stats   Stats
	da, sa  [6]byte // Michael MIC scratch
	retry   []byte  // a frame's ciphertext while a second key may be tried
}

// pairID names one association: BSSID then station address.
type pairID [12]byte

// bss holds the group keys of one access point, by key index.
type bss struct {
	gtk [4]*net80211.Key
	// prev are the keys a new GTK of the same index replaced: an AP
	// repeating group message 1 to a silent station may hand out a newer
	// GTK than the one it still sends under.
	prev [4]*net80211.Key
	// last is the PN of the last group frame decrypted with each key, to
	// skip retransmissions; installing a key clears its entry.
	last [4]uint64
}

// New checks the secrets and returns an observer.
func New(c Config) (*Observer, error) {
	o := &Observer{ciphers: c.Ciphers, pairs: map[pairID]*pair{}, bsss: map[[6]byte]*bss{}}
	if o.ciphers == nil {
		o.ciphers = net80211.DefaultCiphers()
	}
	if c.Passphrase != "" {
		if len(c.SSID) == 0 || len(c.SSID) > 32 {
			return nil, &OpError{Op: "new observer", Err: ErrSecret, Detail: "a passphrase needs the network's SSID (1 to 32 octets)", Fix: "give the SSID too"}
		}
		if n := utf8.RuneCountInString(c.Passphrase); n < 8 || n > 63 {
			return nil, &OpError{Op: "new observer", Err: ErrSecret, Detail: "a WPA passphrase has 8 to 63 characters", Fix: "check the passphrase, or give the 64-hex-digit PSK instead"}
		}
		pmk, err := prf.PSK(c.Passphrase, c.SSID)
		if err != nil {
			return nil, &OpError{Op: "new observer", Err: ErrSecret, Cause: err}
		}
		o.pmks = append(o.pmks, pmk)
	}
	for _, list := range [][][]byte{c.PSKs, c.PMKs} {
		for _, k := range list {
			if len(k) != 32 {
				return nil, &OpError{Op: "new observer", Err: ErrSecret, Detail: "a PSK or PMK has 32 octets (64 hex digits)", Fix: "check the key"}
			}
			o.pmks = append(o.pmks, [32]byte(k))
		}
	}
	if len(o.pmks) == 0 {
		return nil, &OpError{Op: "new observer", Err: ErrNoSecret, Fix: "give an SSID and passphrase, a PSK or a PMK"}
	}
	if c.BSSID != nil {
		if len(c.BSSID) != 6 {
			return nil, &OpError{Op: "new observer", Err: ErrSecret, Detail: "a BSSID has 6 octets", Fix: "write it as 00:11:22:33:44:55"}
		}
		o.bssid, o.filter = [6]byte(c.BSSID), true
	}
	return o, nil
}

// ParseKey decodes a 64-hex-digit PSK or PMK.
func ParseKey(s string) ([]byte, error) {
	k, err := hex.DecodeString(s)
	if err != nil || len(k) != 32 {
		return nil, &OpError{Op: "parse key", Err: ErrSecret, Detail: "a PSK or PMK is 64 hex digits", Fix: "give the 256-bit key in hex (hostapd's wpa_psk=, or the PMK wpa_supplicant -K logs)"}
	}
	return k, nil
}

// Stats returns the counters so far.
func (o *Observer) Stats() Stats { return o.stats }

// Verdict says what Frame did with a frame.
type Verdict uint8

// Verdicts.
const (
	NotData   Verdict = iota // not a data frame with a body (management, control, null data): passed over
	Plain                    // an unprotected data frame (EAPOL-Key frames are followed)
	Decrypted                // a protected data frame, decrypted: Frame returned its plaintext
	Dropped                  // a data frame not decrypted or skipped: Stats.Dropped counts the reason
)

// Frame takes one 802.11 MAC frame (no FCS) and decrypts it in place
// when it is a protected data frame whose key the observer has learned.
// It returns what happened and, for Plain and Decrypted, the unprotected
// frame (a subslice of b: the MAC header moved up against the plaintext,
// the Protected bit clear, the cipher header, MIC and ICV removed).
// Unprotected EAPOL-Key frames, and those found inside decrypted frames
// (PTK rekeys, group key handshakes), feed the handshake tracker.
func (o *Observer) Frame(b []byte) (Verdict, []byte) {
	o.stats.Frames++
	f, err := frame.Parse(b)
	if err != nil {
		o.stats.Malformed++
		return NotData, nil
	}
	fc := f.FC()
	hdr := f.HeaderLen()
	if fc.Type() != frame.TypeData || len(b) <= hdr || fc.Subtype()&4 != 0 {
		return NotData, nil // null data and CF subtypes carry no MSDU
	}
	var id pairID
	var toAP bool
	switch fc & (frame.FlagToDS | frame.FlagFromDS) {
	case frame.FlagToDS:
		copy(id[:6], f[4:10]) // A1 = BSSID, A2 = station
		copy(id[6:], f[10:16])
		toAP = true
	case frame.FlagFromDS:
		copy(id[:6], f[10:16]) // A2 = BSSID, A1 = station or group
		copy(id[6:], f[4:10])
	default:
		o.drop(ReasonNotInfra)
		return Dropped, nil // IBSS and WDS (4-address) frames are not followed
	}
	o.stats.Data++
	if o.filter && [6]byte(id[:6]) != o.bssid {
		o.drop(ReasonOtherBSS)
		return Dropped, nil
	}
	if !f.Protected() {
		o.stats.Plain++
		if body := b[hdr:]; isEAPOL(body) {
			o.eapol(id, toAP, body[llcLen:])
		}
		return Plain, b
	}
	body := b[hdr:]
	if len(body) < 8 {
		o.stats.WPA++
		o.drop(ReasonHeader)
		return Dropped, nil
	}
	if body[3]&0x20 == 0 {
		o.stats.WEP++
		o.drop(ReasonWEP)
		return Dropped, nil
	}
	o.stats.WPA++
	if f.Frag() != 0 || fc&frame.FlagMoreFrag != 0 {
		o.drop(ReasonFragment)
		return Dropped, nil
	}
	group := !toAP && f[4]&1 != 0
	var k *net80211.Key
	var last *uint64
	var prevKey *net80211.Key
	if group {
		s := o.bsss[[6]byte(id[:6])]
		if s == nil || s.gtk[body[3]>>6] == nil {
			o.drop(ReasonNoGTK)
			return Dropped, nil
		}
		k, last, prevKey = s.gtk[body[3]>>6], &s.last[body[3]>>6], s.prev[body[3]>>6]
	} else {
		p := o.pairs[id]
		if p == nil || p.keys[0] == nil {
			o.drop(ReasonNoPTK)
			return Dropped, nil
		}
		d := 0
		if toAP {
			d = 1
		}
		k, last, prevKey = p.keys[d], &p.last[d], p.prev[d]
	}
	pn := framePN(k, body) // the same PN again: a retransmission (airdecap-ng skips those too)
	if pn == *last {
		o.drop(ReasonRetransmit)
		return Dropped, nil
	}
	if prevKey != nil {
		// A failed attempt leaves the body decrypted with the wrong key
		// (the ciphers work in place): keep the ciphertext for the retry.
		o.retry = append(o.retry[:0], b...)
	}
	out, reason := o.decap(k, b, hdr)
	if reason == ReasonDecrypt && prevKey != nil {
		// Frames sent under the PTK a new handshake replaced: in flight
		// during a rekey, or a station answering a new message 1 under
		// the PTK it holds.
		copy(b, o.retry)
		out, reason = o.decap(prevKey, b, hdr)
	}
	if reason != ReasonNone {
		o.drop(reason)
		return Dropped, nil
	}
	*last = pn
	o.stats.Decrypted++
	if group {
		o.stats.DecryptedGroup++
	}
	if body := out[hdr:]; isEAPOL(body) {
		o.eapol(id, toAP, body[llcLen:])
	}
	return Decrypted, out
}

// decap runs the key's cipher on the frame, the MSDU MIC too (TKIP's
// Michael). A passive observer checks integrity but not replay: the
// capture is the record, retransmissions are skipped by the caller and
// the receive counters are cleared before each frame.
func (o *Observer) decap(k *net80211.Key, b []byte, hdr int) ([]byte, Reason) {
	k.SetRxPN(0)
	out, err := k.Cipher.Decap(k, b, hdr, false)
	if err != nil {
		if err == net80211.ErrDecrypt {
			return nil, ReasonDecrypt
		}
		return nil, ReasonHeader
	}
	if k.Cipher.MICLen() == 0 {
		return out, ReasonNone
	}
	f := frame.Frame(out)
	da, sa := o.da[:], o.sa[:] // kept in o: passed through the Cipher interface they would escape
	copy(da, f.DA())
	copy(sa, f.SA())
	qos := f.FC().IsQoSData()
	tid := uint8(0)
	if qos {
		tid = f.TID()
	}
	body, err := k.Cipher.DeMIC(k, da, sa, tid, qos, out[hdr:])
	if err != nil {
		return nil, ReasonMichael
	}
	return out[:hdr+len(body)], ReasonNone
}

// framePN reads the packet number (CCMP/GCMP PN, TKIP TSC) of a protected
// frame's 8-octet cipher header.
func framePN(k *net80211.Key, h []byte) uint64 {
	hi := uint64(h[4]) | uint64(h[5])<<8 | uint64(h[6])<<16 | uint64(h[7])<<24
	if k.Cipher.Suite() == ie.CipherTKIP {
		return uint64(h[2]) | uint64(h[0])<<8 | hi<<16 // TSC0 is octet 2 (12.5.2.2)
	}
	return uint64(h[0]) | uint64(h[1])<<8 | hi<<16
}

func (o *Observer) drop(r Reason) { o.stats.Dropped[r]++ }

// LLC/SNAP for EAPOL (IEEE 802.1X over 802.11: RFC 1042 encapsulation of
// EtherType 0x888e).
var llcEAPOL = []byte{0xaa, 0xaa, 0x03, 0, 0, 0, 0x88, 0x8e}

const llcLen = 8

func isEAPOL(body []byte) bool { return len(body) > llcLen && bytes.Equal(body[:llcLen], llcEAPOL) }
