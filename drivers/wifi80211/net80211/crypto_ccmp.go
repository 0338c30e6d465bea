package net80211

import (
	"github.com/gopkt/gopkt/crypto/ccm"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// CCMP is CCMP-128 (802.11-2016 12.5.3): AES-CCM with a 16-octet TK, an
// 8-octet PN header and an 8-octet MIC. The AES-CCM primitive is
// crypto/ccm; encapsulation is shared with GCMP (crypto_aead.go).
type CCMP struct{ noMIC }

// ccmpMICLen is the CCMP-128 MIC length (12.5.3.2).
const ccmpMICLen = 8

// Name returns "CCMP-128".
func (CCMP) Name() string { return "CCMP-128" }

// Suite returns 00-0F-AC:4.
func (CCMP) Suite() ie.Suite { return ie.CipherCCMP128 }

// KeyLen returns 16.
func (CCMP) KeyLen() int { return 16 }

// HeaderLen returns 8.
func (CCMP) HeaderLen() int { return pnHeaderLen }

// TrailerLen returns 8.
func (CCMP) TrailerLen() int { return ccmpMICLen }

// Init expands the AES key.
func (CCMP) Init(k *Key) error {
	a, err := ccm.New(k.Material(), ccmpMICLen)
	if err != nil {
		return opErr("init key", "", ErrKeyInvalid, "CCMP: %v", err)
	}
	k.state = &aeadState{aead: a, micLen: ccmpMICLen, nonce: ccmpNonce}
	return nil
}

// ccmpNonce writes the 13-octet CCM nonce: flags, A2, PN big-endian (12.5.3.3.4).
func ccmpNonce(n *[ccm.NonceSize]byte, flags uint8, a2 []byte, pn uint64) int {
	n[0] = flags
	copy(n[1:7], a2)
	for i := range 6 {
		n[7+i] = byte(pn >> (40 - 8*i))
	}
	return ccm.NonceSize
}

// Encap protects the MPDU in b (12.5.3.3).
func (CCMP) Encap(k *Key, b []byte, hdrLen int) ([]byte, error) { return aeadEncap(k, b, hdrLen) }

// Decap checks replay, then decrypts and verifies, then advances the replay
// counter (12.5.3.4.4; NetBSD ccmp_decap order).
func (CCMP) Decap(k *Key, b []byte, hdrLen int, hwDone bool) ([]byte, error) {
	return aeadDecap(k, b, hdrLen, hwDone)
}
