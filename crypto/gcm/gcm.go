package gcm

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
)

// Sizes for GCMP (IEEE 802.11-2016 12.5.5).
const (
	NonceSize = 12 // A2 || PN (12.5.5.3.4)
	TagSize   = 16 // the GCMP MIC (12.5.5.3.5)
)

// Sentinel errors.
var (
	// ErrOpen reports a message that failed authentication.
	ErrOpen = errors.New("gcm: message authentication failed")
	// ErrKeySize reports a key that is not 16 (GCMP-128) or 32 (GCMP-256) bytes.
	ErrKeySize = errors.New("gcm: invalid key size")
	// ErrNonceSize reports a nonce that is not 12 bytes.
	ErrNonceSize = errors.New("gcm: invalid nonce size")
)

// AEAD is AES-GCM with a 12-byte nonce and a 16-byte tag, as GCMP uses it.
// It implements crypto/cipher.AEAD and is safe for concurrent use.
type AEAD struct {
	aead cipher.AEAD
}

var _ cipher.AEAD = (*AEAD)(nil)

// New returns GCMP-128 (16-byte key) or GCMP-256 (32-byte key).
func New(key []byte) (*AEAD, error) {
	if len(key) != 16 && len(key) != 32 {
		return nil, fmt.Errorf("%w: got %d bytes; GCMP-128 uses a 16-byte TK, GCMP-256 a 32-byte TK", ErrKeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeySize, err)
	}
	a, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &AEAD{aead: a}, nil
}

// NonceSize returns 12.
func (a *AEAD) NonceSize() int { return NonceSize }

// Overhead returns 16.
func (a *AEAD) Overhead() int { return TagSize }

// Seal appends ciphertext||tag to dst (crypto/cipher.AEAD semantics; use
// plaintext[:0] as dst to encrypt in place). A wrong nonce length panics,
// as with every cipher.AEAD.
func (a *AEAD) Seal(dst, nonce, plaintext, aad []byte) []byte {
	return a.aead.Seal(dst, nonce, plaintext, aad)
}

// Open authenticates and decrypts; it returns ErrNonceSize or ErrOpen for
// malformed input instead of panicking.
func (a *AEAD) Open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(nonce) != NonceSize {
		return nil, ErrNonceSize
	}
	if len(ciphertext) < TagSize {
		return nil, ErrOpen
	}
	out, err := a.aead.Open(dst, nonce, ciphertext, aad)
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
