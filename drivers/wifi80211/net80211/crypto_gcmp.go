package net80211

import (
	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/crypto/gcm"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// GCMP is GCMP-128 (802.11-2016 12.5.5): AES-GCM with a 16-octet TK, an
// 8-octet PN header and a 16-octet MIC. The AES-GCM primitive is
// crypto/gcm; encapsulation is shared with CCMP (crypto_aead.go).
type GCMP struct{ noMIC }

// GCMP256 is GCMP-256 (802.11-2020 12.5.5, cipher suite 00-0F-AC:9):
// GCMP with a 32-octet TK (AES-256); header, MIC, nonce and AAD as
// GCMP-128's.
type GCMP256 struct{ noMIC }

// gcmpMICLen is the GCMP-128 MIC length (12.5.5.2).
const gcmpMICLen = 16

// Name returns "GCMP-128".
func (GCMP) Name() string { return "GCMP-128" }

// Suite returns 00-0F-AC:8.
func (GCMP) Suite() ie.Suite { return ie.CipherGCMP128 }

// KeyLen returns 16.
func (GCMP) KeyLen() int { return 16 }

// HeaderLen returns 8.
func (GCMP) HeaderLen() int { return pnHeaderLen }

// TrailerLen returns 16.
func (GCMP) TrailerLen() int { return gcmpMICLen }

// Init expands the AES key.
func (GCMP) Init(k *Key) error { return gcmpInit(k) }

func gcmpInit(k *Key) error {
	a, err := gcm.New(k.Material())
	if err != nil {
		return opErr("init key", "", ErrKeyInvalid, "GCMP: %v", err)
	}
	k.state = &aeadState{aead: a, micLen: gcmpMICLen, nonce: gcmpNonce}
	return nil
}

// gcmpNonce writes the 12-octet GCM nonce: A2, PN big-endian (12.5.5.3.4).
// GCMP has no flags octet; the management bit is unused.
func gcmpNonce(n *[ccm.NonceSize]byte, _ uint8, a2 []byte, pn uint64) int {
	copy(n[0:6], a2)
	for i := range 6 {
		n[6+i] = byte(pn >> (40 - 8*i))
	}
	return gcm.NonceSize
}

// Encap protects the MPDU in b (12.5.5.3).
func (GCMP) Encap(k *Key, b []byte, hdrLen int) ([]byte, error) { return aeadEncap(k, b, hdrLen) }

// Decap checks replay, then decrypts and verifies, then advances the replay
// counter (12.5.5.4.4; NetBSD ccmp_decap order).
func (GCMP) Decap(k *Key, b []byte, hdrLen int, hwDone bool) ([]byte, error) {
	return aeadDecap(k, b, hdrLen, hwDone)
}

// Name returns "GCMP-256".
func (GCMP256) Name() string { return "GCMP-256" }

// Suite returns 00-0F-AC:9.
func (GCMP256) Suite() ie.Suite { return ie.CipherGCMP256 }

// KeyLen returns 32 (12.5.5.1: GCMP-256 uses a 256-bit TK).
func (GCMP256) KeyLen() int { return 32 }

// HeaderLen returns 8.
func (GCMP256) HeaderLen() int { return pnHeaderLen }

// TrailerLen returns 16.
func (GCMP256) TrailerLen() int { return gcmpMICLen }

// Init expands the AES-256 key.
func (GCMP256) Init(k *Key) error { return gcmpInit(k) }

// Encap protects the MPDU in b (12.5.5.3).
func (GCMP256) Encap(k *Key, b []byte, hdrLen int) ([]byte, error) { return aeadEncap(k, b, hdrLen) }

// Decap checks replay, then decrypts and verifies, then advances the replay
// counter (12.5.5.4.4).
func (GCMP256) Decap(k *Key, b []byte, hdrLen int, hwDone bool) ([]byte, error) {
	return aeadDecap(k, b, hdrLen, hwDone)
}
