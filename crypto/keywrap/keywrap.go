package keywrap

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
)

// defaultIV is the RFC 3394 section 2.2.3.1 initial value A6A6A6A6A6A6A6A6.
const defaultIV = 0xa6a6a6a6a6a6a6a6

// Sentinel errors.
var (
	// ErrUnwrap reports a ciphertext that fails the integrity check or has
	// an impossible length. The two are deliberately not distinguished.
	ErrUnwrap = errors.New("keywrap: unwrap failed")
	// ErrKeySize reports a KEK that is not 16, 24 or 32 bytes.
	ErrKeySize = errors.New("keywrap: invalid KEK size")
	// ErrLength reports key data to wrap that is not a multiple of 8 bytes
	// or shorter than 16.
	ErrLength = errors.New("keywrap: key data must be a multiple of 8 bytes, at least 16")
)

// Wrap encrypts plaintext (n >= 2 blocks of 8 bytes) under kek and returns
// the n+1 blocks (RFC 3394 section 2.2.1, index-based form).
func Wrap(kek, plaintext []byte) ([]byte, error) {
	b, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("%w: %d bytes; EAPOL-Key data uses the 16-byte KEK", ErrKeySize, len(kek))
	}
	if len(plaintext)%8 != 0 || len(plaintext) < 16 {
		return nil, fmt.Errorf("%w: got %d; pad key data as 802.11 12.7.2 says (0xdd then zeros)", ErrLength, len(plaintext))
	}
	n := len(plaintext) / 8
	out := make([]byte, 8+len(plaintext))
	copy(out[8:], plaintext)
	a := uint64(defaultIV)
	var buf [16]byte
	for j := 0; j <= 5; j++ {
		for i := 1; i <= n; i++ {
			r := out[8*i : 8*i+8]
			binary.BigEndian.PutUint64(buf[:8], a)
			copy(buf[8:], r)
			b.Encrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8]) ^ uint64(n*j+i)
			copy(r, buf[8:])
		}
	}
	binary.BigEndian.PutUint64(out[:8], a)
	return out, nil
}

// Unwrap decrypts and checks ciphertext (RFC 3394 section 2.2.2) and
// returns the key data. Any length other than a multiple of 8 bytes of at
// least 24, or a failed integrity check, returns ErrUnwrap; it never
// panics on its input.
func Unwrap(kek, ciphertext []byte) ([]byte, error) {
	b, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("%w: %d bytes; EAPOL-Key data uses the 16-byte KEK", ErrKeySize, len(kek))
	}
	if len(ciphertext)%8 != 0 || len(ciphertext) < 24 {
		return nil, ErrUnwrap
	}
	n := len(ciphertext)/8 - 1
	out := make([]byte, 8*n)
	copy(out, ciphertext[8:])
	a := binary.BigEndian.Uint64(ciphertext[:8])
	var buf [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			r := out[8*(i-1) : 8*i]
			binary.BigEndian.PutUint64(buf[:8], a^uint64(n*j+i))
			copy(buf[8:], r)
			b.Decrypt(buf[:], buf[:])
			a = binary.BigEndian.Uint64(buf[:8])
			copy(r, buf[8:])
		}
	}
	var got, want [8]byte
	binary.BigEndian.PutUint64(got[:], a)
	binary.BigEndian.PutUint64(want[:], defaultIV)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		clear(out)
		return nil, ErrUnwrap
	}
	return out, nil
}
