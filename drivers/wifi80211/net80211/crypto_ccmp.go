package net80211

import (
	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// CCMP is CCMP-128 (802.11-2016 12.5.3): AES-CCM with a 16-octet TK, an
// 8-octet PN header and an 8-octet MIC. The AES-CCM primitive is
// crypto/ccm.
type CCMP struct{ noMIC }

// CCMP sizes (12.5.3.2).
const (
	ccmpHeaderLen = 8
	ccmpMICLen    = 8
)

type ccmpState struct {
	aead    *ccm.AEAD
	txNonce [ccm.NonceSize]byte
	txAAD   [32]byte
	rxNonce [ccm.NonceSize]byte
	rxAAD   [32]byte
}

// Name returns "CCMP-128".
func (CCMP) Name() string { return "CCMP-128" }

// Suite returns 00-0F-AC:4.
func (CCMP) Suite() ie.Suite { return ie.CipherCCMP128 }

// KeyLen returns 16.
func (CCMP) KeyLen() int { return 16 }

// HeaderLen returns 8.
func (CCMP) HeaderLen() int { return ccmpHeaderLen }

// TrailerLen returns 8.
func (CCMP) TrailerLen() int { return ccmpMICLen }

// Init expands the AES key.
func (CCMP) Init(k *Key) error {
	a, err := ccm.New(k.Material(), ccmpMICLen)
	if err != nil {
		return opErr("init key", "", ErrKeyInvalid, "CCMP: %v", err)
	}
	k.state = &ccmpState{aead: a}
	return nil
}

// ccmpNonce writes the 13-octet CCM nonce: flags, A2, PN big-endian (12.5.3.3.4).
func ccmpNonce(n *[ccm.NonceSize]byte, flags uint8, a2 []byte, pn uint64) {
	n[0] = flags
	copy(n[1:7], a2)
	for i := range 6 {
		n[7+i] = byte(pn >> (40 - 8*i))
	}
}

// Encap protects the MPDU in b (12.5.3.3).
func (CCMP) Encap(k *Key, b []byte, hdrLen int) ([]byte, error) {
	st := k.state.(*ccmpState)
	trailer := ccmpMICLen
	if k.Flags&KeyHW != 0 {
		trailer = 0
	}
	b, err := expand(b, hdrLen, ccmpHeaderLen, trailer)
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
	ccmpNonce(&st.txNonce, flags, f[10:16], pn)
	body := b[hdrLen+ccmpHeaderLen:]
	if k.session != nil {
		op := &k.txOp
		*op = crypto.Op{Dir: crypto.Encrypt, Nonce: st.txNonce[:], AAD: st.txAAD[:n], Data: body, Tag: b[len(b) : len(b)+ccmpMICLen]}
		if err := crypto.Do(k.session, op); err != nil {
			return nil, err
		}
	} else {
		st.aead.Seal(body[:0], st.txNonce[:], body, st.txAAD[:n])
	}
	k.Stats.Encrypted++
	return b[:len(b)+ccmpMICLen], nil
}

// Decap checks replay, then decrypts and verifies, then advances the replay
// counter (12.5.3.4.4; NetBSD ccmp_decap order).
func (CCMP) Decap(k *Key, b []byte, hdrLen int, hwDone bool) ([]byte, error) {
	st := k.state.(*ccmpState)
	trailer := ccmpMICLen
	if hwDone {
		trailer = 0
	}
	if len(b) < hdrLen+ccmpHeaderLen+trailer {
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
		ccmpNonce(&st.rxNonce, flags, f[10:16], pn)
		ct := b[hdrLen+ccmpHeaderLen:]
		var err error
		if k.session != nil && k.Flags&KeyHW == 0 {
			op := &k.rxOp
			*op = crypto.Op{Dir: crypto.Decrypt, Nonce: st.rxNonce[:], AAD: st.rxAAD[:n], Data: ct[:len(ct)-ccmpMICLen], Tag: ct[len(ct)-ccmpMICLen:]}
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
	out := strip(b, hdrLen, ccmpHeaderLen, trailer)
	frame.Frame(out).SetFC(frame.Frame(out).FC() &^ frame.FlagProtected)
	return out, nil
}
