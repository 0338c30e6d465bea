package net80211

import (
	"github.com/gopkt/gopkt/crypto/rc4"
	"github.com/gopkt/gopkt/crypto/wep"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// WEP sizes (802.11-2016 12.3.2.2, figure 12-3).
const (
	wepHeaderLen = 4 // IV (3) + Key ID octet
	wepICVLen    = 4
)

// WEP40 is WEP with a 40-bit key; WEP104 with a 104-bit key. WEP is broken
// and kept only for interoperability tests. It has no replay protection.
type (
	WEP40  struct{ wepCipher }
	WEP104 struct{ wepCipher }
)

type wepCipher struct{ noMIC }

type wepState struct {
	tx, rx         rc4.Cipher
	txSeed, rxSeed [16]byte
}

// Name returns "WEP-40".
func (WEP40) Name() string { return "WEP-40" }

// Suite returns 00-0F-AC:1.
func (WEP40) Suite() ie.Suite { return ie.CipherWEP40 }

// KeyLen returns 5.
func (WEP40) KeyLen() int { return wep.Key40Size }

// Name returns "WEP-104".
func (WEP104) Name() string { return "WEP-104" }

// Suite returns 00-0F-AC:5.
func (WEP104) Suite() ie.Suite { return ie.CipherWEP104 }

// KeyLen returns 13.
func (WEP104) KeyLen() int { return wep.Key104Size }

// HeaderLen returns 4.
func (wepCipher) HeaderLen() int { return wepHeaderLen }

// TrailerLen returns 4 (the ICV).
func (wepCipher) TrailerLen() int { return wepICVLen }

// Init allocates the RC4 state.
func (wepCipher) Init(k *Key) error {
	k.state = &wepState{}
	return nil
}

// Encap writes IV and Key ID, then encrypts body and ICV (12.3.2.2). The IV
// is the low 24 bits of the key's TxPN, incremented per frame.
func (wepCipher) Encap(k *Key, b []byte, hdrLen int) ([]byte, error) {
	st := k.state.(*wepState)
	trailer := wepICVLen
	if k.Flags&KeyHW != 0 {
		trailer = 0
	}
	b, err := expand(b, hdrLen, wepHeaderLen, trailer)
	if err != nil {
		return nil, err
	}
	k.TxPN++
	iv := [3]byte{byte(k.TxPN), byte(k.TxPN >> 8), byte(k.TxPN >> 16)}
	h := b[hdrLen:]
	h[0], h[1], h[2], h[3] = iv[0], iv[1], iv[2], k.ID<<6
	f := frame.Frame(b)
	f.SetFC(f.FC() | frame.FlagProtected)
	if k.Flags&KeyHW != 0 {
		return b, nil
	}
	seed, err := wep.Seed(&st.txSeed, iv, k.Material())
	if err != nil {
		return nil, err
	}
	data := b[hdrLen+wepHeaderLen:]
	b = b[:len(b)+wepICVLen]
	if err := wep.Encrypt(&st.tx, seed, data, b[len(b)-wepICVLen:]); err != nil {
		return nil, err
	}
	k.Stats.Encrypted++
	return b, nil
}

// Decap decrypts and checks the ICV.
func (wepCipher) Decap(k *Key, b []byte, hdrLen int, hwDone bool) ([]byte, error) {
	st := k.state.(*wepState)
	h, trailer, err := rxHeader(k, b, hdrLen, wepHeaderLen, wepICVLen, hwDone, false)
	if err != nil {
		return nil, err
	}
	if !hwDone {
		seed, err := wep.Seed(&st.rxSeed, [3]byte{h[0], h[1], h[2]}, k.Material())
		if err != nil {
			return nil, err
		}
		data := b[hdrLen+wepHeaderLen : len(b)-wepICVLen]
		if err := wep.Decrypt(&st.rx, seed, data, b[len(b)-wepICVLen:]); err != nil {
			k.Stats.DecryptErrs++
			return nil, ErrDecrypt
		}
	}
	k.Stats.Decrypted++
	out := strip(b, hdrLen, wepHeaderLen, trailer)
	frame.Frame(out).SetFC(frame.Frame(out).FC() &^ frame.FlagProtected)
	return out, nil
}
