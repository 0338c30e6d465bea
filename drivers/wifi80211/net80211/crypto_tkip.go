package net80211

import (
	"bytes"
	"crypto/subtle"

	"github.com/gopkt/gopkt/crypto/michael"
	"github.com/gopkt/gopkt/crypto/rc4"
	"github.com/gopkt/gopkt/crypto/tkip"
	"github.com/gopkt/gopkt/crypto/wep"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// TKIP sizes (802.11-2016 12.5.2.2, figure 12-13).
const (
	tkipHeaderLen = 8 // TSC1, WEPSeed, TSC0, Key ID, TSC2-5
	tkipICVLen    = 4
	tkipMICLen    = 8
)

// TKIP is the Temporal Key Integrity Protocol (802.11-2016 12.5.2): per-frame
// RC4 keys from crypto/tkip, WEP encapsulation from crypto/wep, the Michael
// MSDU MIC from crypto/michael. The TK is 32 octets: 16 of encryption key
// and the two Michael keys. The replay counter (TSC) of a received MPDU is
// committed only after the MSDU's Michael MIC verified (12.5.2.6), so Decap
// leaves it pending and DeMIC commits it. Countermeasures after a MIC
// failure (12.5.2.4) are the STA's job: see Vap.michaelFailure.
type TKIP struct{}

type tkipState struct {
	txMix, rxMix   *tkip.Mixer
	txTA, rxTA     [6]byte
	txRC4, rxRC4   rc4.Cipher
	txSeed, rxSeed [tkip.RC4KeySize]byte
}

// Name returns "TKIP".
func (TKIP) Name() string { return "TKIP" }

// Suite returns 00-0F-AC:2.
func (TKIP) Suite() ie.Suite { return ie.CipherTKIP }

// KeyLen returns 32.
func (TKIP) KeyLen() int { return 32 }

// HeaderLen returns 8.
func (TKIP) HeaderLen() int { return tkipHeaderLen }

// TrailerLen returns 4 (the ICV; the MIC is part of the MSDU).
func (TKIP) TrailerLen() int { return tkipICVLen }

// MICLen returns 8.
func (TKIP) MICLen() int { return tkipMICLen }

// Init creates the phase-1 mixers (the TA is bound on first use).
func (TKIP) Init(k *Key) error {
	var zero [6]byte
	tk := k.Material()[:tkip.KeySize]
	k.state = &tkipState{txMix: tkip.NewMixer(tk, zero[:]), rxMix: tkip.NewMixer(tk, zero[:])}
	return nil
}

func bindTA(m *tkip.Mixer, have *[6]byte, tk, ta []byte) {
	if !bytes.Equal(have[:], ta) {
		copy(have[:], ta)
		m.Reset(tk, ta)
	}
}

// Encap writes the TKIP header and WEP-encapsulates with the mixed key.
func (TKIP) Encap(k *Key, b []byte, hdrLen int) ([]byte, error) {
	st := k.state.(*tkipState)
	trailer := tkipICVLen
	if k.Flags&KeyHW != 0 {
		trailer = 0
	}
	b, err := expand(b, hdrLen, tkipHeaderLen, trailer)
	if err != nil {
		return nil, err
	}
	k.TxPN++
	tsc := k.TxPN
	h := b[hdrLen:]
	tsc1 := byte(tsc >> 8)
	h[0], h[1], h[2], h[3] = tsc1, (tsc1|0x20)&0x7f, byte(tsc), extIV|k.ID<<6
	h[4], h[5], h[6], h[7] = byte(tsc>>16), byte(tsc>>24), byte(tsc>>32), byte(tsc>>40)
	f := frame.Frame(b)
	f.SetFC(f.FC() | frame.FlagProtected)
	if k.Flags&KeyHW != 0 {
		return b, nil
	}
	bindTA(st.txMix, &st.txTA, k.Material()[:tkip.KeySize], f[10:16])
	st.txMix.Key(&st.txSeed, tsc)
	data := b[hdrLen+tkipHeaderLen:]
	b = b[:len(b)+tkipICVLen]
	if err := wep.Encrypt(&st.txRC4, st.txSeed[:], data, b[len(b)-tkipICVLen:]); err != nil {
		return nil, err
	}
	k.Stats.Encrypted++
	return b, nil
}

// Decap checks the TSC against the replay counter, decrypts and checks the
// ICV; the counter update waits for DeMIC.
func (TKIP) Decap(k *Key, b []byte, hdrLen int, hwDone bool) ([]byte, error) {
	st := k.state.(*tkipState)
	h, trailer, err := rxHeader(k, b, hdrLen, tkipHeaderLen, tkipICVLen, hwDone, true)
	if err != nil {
		return nil, err
	}
	f := frame.Frame(b)
	ridx := replayIndex(f.FC().IsQoSData(), f.TID())
	tsc := uint64(h[2]) | uint64(h[0])<<8 | uint64(h[4])<<16 | uint64(h[5])<<24 | uint64(h[6])<<32 | uint64(h[7])<<40
	if tsc <= k.RxPN[ridx] {
		k.Stats.Replays++
		return nil, ErrReplay
	}
	if !hwDone {
		bindTA(st.rxMix, &st.rxTA, k.Material()[:tkip.KeySize], f[10:16])
		st.rxMix.Key(&st.rxSeed, tsc)
		data := b[hdrLen+tkipHeaderLen : len(b)-tkipICVLen]
		if err := wep.Decrypt(&st.rxRC4, st.rxSeed[:], data, b[len(b)-tkipICVLen:]); err != nil {
			k.Stats.DecryptErrs++
			return nil, ErrDecrypt
		}
	}
	k.pending[ridx] = tsc
	k.Stats.Decrypted++
	out := strip(b, hdrLen, tkipHeaderLen, trailer)
	frame.Frame(out).SetFC(frame.Frame(out).FC() &^ frame.FlagProtected)
	return out, nil
}

// EnMIC appends the Michael MIC of the MSDU (12.5.2.3); body needs 8 octets of capacity.
func (TKIP) EnMIC(k *Key, da, sa []byte, tid uint8, body []byte) ([]byte, error) {
	if cap(body)-len(body) < tkipMICLen {
		return nil, ErrNoRoom
	}
	mic := michael.Sum(k.txMIC, da, sa, tid, body)
	return append(body, mic[:]...), nil
}

// DeMIC verifies and strips the Michael MIC, then commits the TSC.
func (TKIP) DeMIC(k *Key, da, sa []byte, tid uint8, qos bool, body []byte) ([]byte, error) {
	if len(body) < tkipMICLen {
		k.Stats.MICFailures++
		return nil, ErrMIC
	}
	data := body[:len(body)-tkipMICLen]
	mic := michael.Sum(k.rxMIC, da, sa, tid, data)
	if subtle.ConstantTimeCompare(mic[:], body[len(data):]) != 1 {
		k.Stats.MICFailures++
		return nil, ErrMIC
	}
	ridx := replayIndex(qos, tid)
	if p := k.pending[ridx]; p > k.RxPN[ridx] {
		k.RxPN[ridx] = p
	}
	return data, nil
}
