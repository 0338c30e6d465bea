package net80211

import (
	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
)

// CCMP (12.5.3) and GCMP (12.5.5) share their MPDU format, an 8-octet PN
// header before the body and a MIC trailer after it, the AAD of 12.5.3.3.3
// and the receive order of 12.5.3.4.4. They differ only in the AEAD, the MIC
// length and the nonce layout, which is what aeadState holds; aeadEncap and
// aeadDecap are the one implementation both ciphers call.

// pnHeaderLen is the CCMP and GCMP header length (12.5.3.2, 12.5.5.2).
const pnHeaderLen = 8

// aead is the primitive of crypto/ccm and crypto/gcm.
type aead interface {
	Seal(dst, nonce, plaintext, aad []byte) []byte
	Open(dst, nonce, ciphertext, aad []byte) ([]byte, error)
}

// aeadState is the per-key state of a CCMP or GCMP key.
type aeadState struct {
	aead   aead
	micLen int
	// nonce writes the nonce for A2 and pn into n and returns its length;
	// flags is the CCM nonce flags octet (GCMP has none).
	nonce   func(n *[ccm.NonceSize]byte, flags uint8, a2 []byte, pn uint64) int
	txNonce [ccm.NonceSize]byte // the longer of the two nonces
	txAAD   [32]byte
	rxNonce [ccm.NonceSize]byte
	rxAAD   [32]byte
}

// aeadEncap protects the MPDU in b (12.5.3.3, 12.5.5.3).
func aeadEncap(k *Key, b []byte, hdrLen int) ([]byte, error) {
	st := k.state.(*aeadState)
	trailer := st.micLen
	if k.Flags&KeyHW != 0 {
		trailer = 0
	}
	b, err := expand(b, hdrLen, pnHeaderLen, trailer)
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
	nonce := st.txNonce[:st.nonce(&st.txNonce, flags, f[10:16], pn)]
	body := b[hdrLen+pnHeaderLen:]
	if k.session != nil {
		op := &k.txOp
		*op = crypto.Op{Dir: crypto.Encrypt, Nonce: nonce, AAD: st.txAAD[:n], Data: body, Tag: b[len(b) : len(b)+st.micLen]}
		if err := crypto.Do(k.session, op); err != nil {
			return nil, err
		}
	} else {
		st.aead.Seal(body[:0], nonce, body, st.txAAD[:n])
	}
	k.Stats.Encrypted++
	return b[:len(b)+st.micLen], nil
}

// aeadDecap checks replay, then decrypts and verifies, then advances the
// replay counter (12.5.3.4.4, 12.5.5.4.4; NetBSD ccmp_decap order).
func aeadDecap(k *Key, b []byte, hdrLen int, hwDone bool) ([]byte, error) {
	st := k.state.(*aeadState)
	h, trailer, err := rxHeader(k, b, hdrLen, pnHeaderLen, st.micLen, hwDone, true)
	if err != nil {
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
		nonce := st.rxNonce[:st.nonce(&st.rxNonce, flags, f[10:16], pn)]
		ct := b[hdrLen+pnHeaderLen:]
		if k.session != nil && k.Flags&KeyHW == 0 {
			op := &k.rxOp
			*op = crypto.Op{Dir: crypto.Decrypt, Nonce: nonce, AAD: st.rxAAD[:n], Data: ct[:len(ct)-st.micLen], Tag: ct[len(ct)-st.micLen:]}
			err = crypto.Do(k.session, op)
		} else {
			_, err = st.aead.Open(ct[:0], nonce, ct, st.rxAAD[:n])
		}
		if err != nil {
			k.Stats.DecryptErrs++
			return nil, ErrDecrypt
		}
	}
	k.RxPN[ridx] = pn
	k.Stats.Decrypted++
	out := strip(b, hdrLen, pnHeaderLen, trailer)
	frame.Frame(out).SetFC(frame.Frame(out).FC() &^ frame.FlagProtected)
	return out, nil
}
