package wep

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"

	"github.com/gopkt/gopkt/crypto/rc4"
)

// Sizes from IEEE 802.11-2016 12.3.2.2 (figure 12-3).
const (
	IVSize     = 3  // the per-frame initialization vector
	ICVSize    = 4  // CRC-32 integrity check value, little-endian, encrypted
	Key40Size  = 5  // WEP-40 key
	Key104Size = 13 // WEP-104 key
)

// Sentinel errors.
var (
	// ErrICV reports a frame whose decrypted ICV does not match.
	ErrICV = errors.New("wep: ICV mismatch")
	// ErrKeySize reports a key that is not 5 or 13 bytes.
	ErrKeySize = errors.New("wep: invalid key size")
	// ErrICVSize reports an icv slice that is not 4 bytes.
	ErrICVSize = errors.New("wep: ICV buffer must be 4 bytes")
)

// Seed writes the WEP seed IV || key (12.3.2.2) into buf and returns it.
// The seed is the RC4 key for one frame. key must be 5 or 13 bytes; TKIP
// does not use Seed (its mixing function produces the 16-byte RC4 key).
func Seed(buf *[16]byte, iv [IVSize]byte, key []byte) ([]byte, error) {
	if len(key) != Key40Size && len(key) != Key104Size {
		return nil, fmt.Errorf("%w: got %d bytes; WEP-40 keys are 5 bytes, WEP-104 keys 13", ErrKeySize, len(key))
	}
	copy(buf[:IVSize], iv[:])
	copy(buf[IVSize:], key)
	return buf[:IVSize+len(key)], nil
}

// Encrypt computes the ICV of data (CRC-32, 12.3.2.2), then encrypts data
// and the ICV in place with RC4 keyed by seed. icv is where the encrypted
// ICV goes (normally the 4 bytes after data in the frame buffer). The RC4
// state c is re-keyed; keep one per worker.
func Encrypt(c *rc4.Cipher, seed, data, icv []byte) error {
	if len(icv) != ICVSize {
		return ErrICVSize
	}
	if err := c.Reset(seed); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(icv, crc32.ChecksumIEEE(data))
	c.XORKeyStream(data, data)
	c.XORKeyStream(icv, icv)
	return nil
}

// Decrypt decrypts data and icv in place with RC4 keyed by seed and checks
// the ICV. On ErrICV, data holds garbage the caller must drop.
func Decrypt(c *rc4.Cipher, seed, data, icv []byte) error {
	if len(icv) != ICVSize {
		return ErrICVSize
	}
	if err := c.Reset(seed); err != nil {
		return err
	}
	c.XORKeyStream(data, data)
	var got [ICVSize]byte
	c.XORKeyStream(got[:], icv)
	var want [ICVSize]byte
	binary.LittleEndian.PutUint32(want[:], crc32.ChecksumIEEE(data))
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		return ErrICV
	}
	copy(icv, got[:])
	return nil
}
