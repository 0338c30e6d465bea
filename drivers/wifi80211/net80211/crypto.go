package net80211

import (
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// Cipher is one 802.11 data confidentiality protocol, shaped like NetBSD's
// struct ieee80211_cipher: fixed header, trailer and MSDU MIC lengths, a
// per-key setup, and in-place encapsulation and decapsulation of an MPDU.
//
// Buffers: Encap takes b = MAC header (hdrLen octets) + plaintext body and
// needs cap(b) ≥ len(b)+HeaderLen()+TrailerLen(); it shifts the body up,
// writes the cipher header, encrypts in place and appends the trailer.
// Decap takes a protected MPDU, checks the replay counter, decrypts in
// place, and returns b with the cipher header and trailer removed and the
// MAC header moved up against the plaintext (so the result starts at
// b[HeaderLen():]). Neither allocates.
//
// A key with KeyHW set is processed by the radio: Encap only writes the
// cipher header (the radio appends the trailer) and Decap, called with
// hwDone, only checks and advances the replay counter.
type Cipher interface {
	Name() string
	Suite() ie.Suite
	KeyLen() int     // temporal key length in octets
	HeaderLen() int  // IV / PN header
	TrailerLen() int // MIC (CCMP, GCMP) or ICV (WEP, TKIP)
	MICLen() int     // MSDU MIC added before fragmentation (TKIP Michael: 8)
	Init(k *Key) error
	Encap(k *Key, b []byte, hdrLen int) ([]byte, error)
	Decap(k *Key, b []byte, hdrLen int, hwDone bool) ([]byte, error)
	// EnMIC appends the MSDU MIC to an unfragmented MSDU body (no-op but
	// for TKIP); DeMIC checks and strips it after defragmentation and
	// commits the replay counter the MPDU's Decap left pending.
	EnMIC(k *Key, da, sa []byte, tid uint8, body []byte) ([]byte, error)
	DeMIC(k *Key, da, sa []byte, tid uint8, qos bool, body []byte) ([]byte, error)
}

// Ciphers is an explicit table of the ciphers a layer may use, by suite.
type Ciphers map[ie.Suite]Cipher

// DefaultCiphers returns the software implementations of every cipher this
// package has: WEP-40, WEP-104, TKIP, CCMP-128, GCMP-128, GCMP-256.
func DefaultCiphers() Ciphers {
	return Ciphers{
		ie.CipherWEP40:   WEP40{},
		ie.CipherWEP104:  WEP104{},
		ie.CipherTKIP:    TKIP{},
		ie.CipherCCMP128: CCMP{},
		ie.CipherGCMP128: GCMP{},
		ie.CipherGCMP256: GCMP256{},
	}
}

// keyIDOctet is the fourth octet of every cipher header: Key ID in bits
// 6-7, ExtIV in bit 5 (12.5.2.2, 12.5.3.2).
const extIV = 0x20

// expand moves the body of b up by n octets to make room for a cipher
// header after the MAC header, checking capacity for n+trailer.
func expand(b []byte, hdrLen, n, trailer int) ([]byte, error) {
	if hdrLen > len(b) {
		return nil, ErrTruncated
	}
	if cap(b)-len(b) < n+trailer {
		return nil, ErrNoRoom
	}
	l := len(b)
	b = b[:l+n]
	copy(b[hdrLen+n:], b[hdrLen:l])
	return b, nil
}

// strip removes the n-octet cipher header after the MAC header and the
// trailer, moving the MAC header up (NetBSD moves the header with ovbcopy
// and trims the front; the same here without an mbuf).
func strip(b []byte, hdrLen, n, trailer int) []byte {
	copy(b[n:n+hdrLen], b[:hdrLen])
	return b[n : len(b)-trailer]
}

// aadNonce builds the CCMP/GCMP additional authentication data (802.11-2016
// 12.5.3.3.3) and returns its length, plus the nonce flags octet
// (12.5.3.3.4) and the replay index of the frame.
func aadNonce(aad *[32]byte, f frame.Frame) (n int, flags uint8, ridx int) {
	fc := f.FC()
	isData := fc.Type() == frame.TypeData
	m := fc
	if isData {
		m &^= 0x0070 // subtype bits 4-6
	}
	m &^= frame.FlagRetry | frame.FlagPwrMgt | frame.FlagMoreData
	m |= frame.FlagProtected
	qos := fc.IsQoSData()
	if qos {
		m &^= frame.FlagOrder
	}
	aad[0], aad[1] = byte(m), byte(m>>8)
	copy(aad[2:20], f[4:22])         // A1, A2, A3
	aad[20], aad[21] = f[22]&0x0f, 0 // fragment number only
	n = 22
	if f.Is4Addr() {
		copy(aad[22:28], f[24:30])
		n = 28
	}
	tid := uint8(0)
	if qos {
		tid = f.TID()
		aad[n], aad[n+1] = tid, 0
		n += 2
	}
	flags = tid
	if fc.Type() == frame.TypeMgmt {
		flags |= 0x10 // management frame bit
		return n, flags, tidMgmt
	}
	return n, flags, replayIndex(qos, tid)
}

// pnHeader writes the CCMP/GCMP header for pn (12.5.3.2, figure 12-16).
func pnHeader(h []byte, pn uint64, keyID uint8) {
	h[0], h[1], h[2], h[3] = byte(pn), byte(pn>>8), 0, extIV|keyID<<6
	h[4], h[5], h[6], h[7] = byte(pn>>16), byte(pn>>24), byte(pn>>32), byte(pn>>40)
}

// pnFromHeader reads the 48-bit PN of a CCMP/GCMP header.
func pnFromHeader(h []byte) uint64 {
	return uint64(h[0]) | uint64(h[1])<<8 | uint64(h[4])<<16 | uint64(h[5])<<24 | uint64(h[6])<<32 | uint64(h[7])<<40
}

// rxHeader is the first step of every Decap: b must hold the MAC header
// (hdrLen octets), a cipher header of n octets and, unless the radio has
// already removed it (hwDone), a trailer of t octets; the cipher header's
// ExtIV bit must be wantExtIV and its key ID k's. A failure is counted in
// k.Stats.BadHeader. It returns the cipher header (b[hdrLen:]) and the
// trailer length left in b.
func rxHeader(k *Key, b []byte, hdrLen, n, t int, hwDone, wantExtIV bool) ([]byte, int, error) {
	if hwDone {
		t = 0
	}
	if len(b) < hdrLen+n+t {
		k.Stats.BadHeader++
		return nil, 0, ErrTruncated
	}
	h := b[hdrLen:]
	if err := checkHeader(k, h, wantExtIV); err != nil {
		k.Stats.BadHeader++
		return nil, 0, err
	}
	return h, t, nil
}

// checkHeader validates ExtIV and the key ID of a received cipher header.
func checkHeader(k *Key, h []byte, wantExtIV bool) error {
	if (h[3]&extIV != 0) != wantExtIV {
		return ErrExtIV
	}
	if h[3]>>6 != k.ID {
		return ErrKeyID
	}
	return nil
}

// FrameKeyID returns the key ID of a protected MPDU, or -1 when the body is
// too short for a cipher header.
func FrameKeyID(f frame.Frame) int {
	b := f.Body()
	if len(b) < 4 {
		return -1
	}
	return int(b[3] >> 6)
}

// noMIC provides EnMIC/DeMIC for ciphers without an MSDU MIC.
type noMIC struct{}

func (noMIC) MICLen() int { return 0 }

func (noMIC) EnMIC(_ *Key, _, _ []byte, _ uint8, body []byte) ([]byte, error) { return body, nil }

func (noMIC) DeMIC(_ *Key, _, _ []byte, _ uint8, _ bool, body []byte) ([]byte, error) {
	return body, nil
}
