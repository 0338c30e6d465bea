package net80211

import (
	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/gcm"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// GCMP is GCMP-128 (802.11-2016 12.5.5): AES-GCM with a 16-octet TK, an
// 8-octet PN header and a 16-octet MIC. The AES-GCM primitive is
// crypto/gcm.
type GCMP struct{ noMIC }

// GCMP sizes (12.5.5.2).
const (
	gcmpHeaderLen = 8
	gcmpMICLen    = 16
)

type gcmpState struct {
	aead    *gcm.AEAD
	txNonce [gcm.NonceSize]byte
	txAAD   [32]byte
	rxNonce [gcm.NonceSize]byte
	rxAAD   [32]byte
}

// Name returns "GCMP-128".
func (GCMP) Name() string { return "GCMP-128" }

// Suite returns 00-0F-AC:8.
func (GCMP) Suite() ie.Suite { return ie.CipherGCMP128 }

// KeyLen returns 16.
func (GCMP) KeyLen() int { return 16 }

// HeaderLen returns 8.
func (GCMP) HeaderLen() int { return gcmpHeaderLen }

// TrailerLen returns 16.
func (GCMP) TrailerLen() int { return gcmpMICLen }

// Init expands the AES key.
func (GCMP) Init(k *Key) error {
	a, err := gcm.New(k.Material())
	if err != nil {
		return opErr("init key", "", ErrKeyInvalid, "GCMP: %v", err)
	}
	k.state = &gcmpState{aead: a}
	return nil
}

// gcmpNonce writes the 12-octet GCM nonce: A2, PN big-endian (12.5.5.3.4).
// GCMP has no flags octet; the management bit is unused.
func gcmpNonce(n *[gcm.NonceSize]byte, _ uint8, a2 []byte, pn uint64) {
	copy(n[0:6], a2)
	for i := range 6 {
		n[6+i] = byte(pn >> (40 - 8*i))
	}
}

// Encap protects the MPDU in b (12.5.5.3).
func (GCMP) Encap(k *Key, b []byte, hdrLen int) ([]byte, error) {
	st := k.state.(*gcmpState)
	trailer := gcmpMICLen
	if k.Flags&KeyHW != 0 {
		trailer = 0
	}
	b, err := expand(b, hdrLen, gcmpHeaderLen, trailer)
	if err != nil {
		return nil, err
	}
	k.TxPN++
	pn := k.TxPN
	pnHeader(b[hdrLen:], pn, k.ID)
	f := frame.Frame(b)
	f.SetFC(f.FC() | frame.FlagProtected)
	if k.Flags&KeyHW != 0 {
		return b, nil
	}
	n, flags, _ := aadNonce(&st.txAAD, f)
	gcmpNonce(&st.txNonce, flags, f[10:16], pn)
	body := b[hdrLen+gcmpHeaderLen:]
	if k.session != nil {
		op := &k.txOp
		*op = crypto.Op{Dir: crypto.Encrypt, Nonce: st.txNonce[:], AAD: st.txAAD[:n], Data: body, Tag: b[len(b) : len(b)+gcmpMICLen]}
		if err := crypto.Do(k.session, op); err != nil {
			return nil, err
		}
	} else {
		st.aead.Seal(body[:0], st.txNonce[:], body, st.txAAD[:n])
	}
	k.Stats.Encrypted++
	return b[:len(b)+gcmpMICLen], nil
}

// Decap checks replay, then decrypts and verifies, then advances the replay
// counter (12.5.5.4.4; NetBSD ccmp_decap order).
func (GCMP) Decap(k *Key, b []byte, hdrLen int, hwDone bool) ([]byte, error) {
	st := k.state.(*gcmpState)
	trailer := gcmpMICLen
	if hwDone {
		trailer = 0
	}
	if len(b) < hdrLen+gcmpHeaderLen+trailer {
		k.Stats.BadHeader++
		return nil, ErrTruncated
	}
	h := b[hdrLen:]
	if err := checkHeader(k, h, true); err != nil {
		k.Stats.BadHeader++
		return nil, err
	}
	f := frame.Frame(b)
	n, flags, ridx := aadNonce(&st.rxAAD, f)
	pn := pnFromHeader(h)
	if pn <= k.RxPN[ridx] {
		k.Stats.Replays++
		return nil, ErrReplay
	}
	if !hwDone {
		gcmpNonce(&st.rxNonce, flags, f[10:16], pn)
		ct := b[hdrLen+gcmpHeaderLen:]
		var err error
		if k.session != nil && k.Flags&KeyHW == 0 {
			op := &k.rxOp
			*op = crypto.Op{Dir: crypto.Decrypt, Nonce: st.rxNonce[:], AAD: st.rxAAD[:n], Data: ct[:len(ct)-gcmpMICLen], Tag: ct[len(ct)-gcmpMICLen:]}
			err = crypto.Do(k.session, op)
		} else {
			_, err = st.aead.Open(ct[:0], st.rxNonce[:], ct, st.rxAAD[:n])
		}
		if err != nil {
			k.Stats.DecryptErrs++
			return nil, ErrDecrypt
		}
	}
	k.RxPN[ridx] = pn
	k.Stats.Decrypted++
	out := strip(b, hdrLen, gcmpHeaderLen, trailer)
	frame.Frame(out).SetFC(frame.Frame(out).FC() &^ frame.FlagProtected)
	return out, nil
}
