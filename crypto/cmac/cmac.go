package cmac

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
)

// Size is the full AES-CMAC length. BIP-CMAC-128 transmits the first 8
// bytes (IEEE 802.11-2016 12.5.4.5), BIP-CMAC-256 all 16.
const Size = 16

// ErrKeySize reports a key that is not 16 or 32 bytes.
var ErrKeySize = errors.New("cmac: invalid key size")

// CMAC is a streaming AES-CMAC (RFC 4493, NIST SP 800-38B). It implements
// hash.Hash. It is not safe for concurrent use; keep one per session or
// worker. All buffers live in the struct, so writing and summing never
// allocate.
type CMAC struct {
	block  cipher.Block
	k1, k2 [16]byte // subkeys (RFC 4493 section 2.3)
	x      [16]byte // chaining value
	buf    [16]byte // last, possibly partial, block: held back until more data arrives
	n      int      // bytes in buf
	fin    [16]byte // scratch for Sum
}

var _ hash.Hash = (*CMAC)(nil)

// New returns an AES-CMAC with a 16-byte (AES-128) or 32-byte (AES-256) key.
func New(key []byte) (*CMAC, error) {
	if len(key) != 16 && len(key) != 32 {
		return nil, fmt.Errorf("%w: got %d bytes; BIP-CMAC-128 uses a 16-byte IGTK, BIP-CMAC-256 32 bytes", ErrKeySize, len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeySize, err)
	}
	c := &CMAC{block: b}
	// L = AES(K, 0); K1 = dbl(L); K2 = dbl(K1) (RFC 4493 2.3).
	c.block.Encrypt(c.k1[:], c.k1[:])
	dbl(&c.k1, &c.k1)
	dbl(&c.k2, &c.k1)
	return c, nil
}

// dbl is multiplication by x in GF(2^128): shift left one bit, and if the
// top bit fell off, xor Rb = 0x87 into the last byte.
func dbl(dst, src *[16]byte) {
	carry := src[0] >> 7
	for i := 0; i < 15; i++ {
		dst[i] = src[i]<<1 | src[i+1]>>7
	}
	dst[15] = src[15]<<1 ^ 0x87&-carry
}

// Reset starts a new message under the same key.
func (c *CMAC) Reset() {
	c.x = [16]byte{}
	c.n = 0
}

// Size returns 16.
func (c *CMAC) Size() int { return Size }

// BlockSize returns 16.
func (c *CMAC) BlockSize() int { return 16 }

// Write adds p to the message. It never fails.
func (c *CMAC) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		if c.n == 16 {
			// A full block is held and more data follows: it is not the last.
			subtle.XORBytes(c.x[:], c.x[:], c.buf[:])
			c.block.Encrypt(c.x[:], c.x[:])
			c.n = 0
		}
		k := copy(c.buf[c.n:], p)
		c.n += k
		p = p[k:]
	}
	return total, nil
}

// Sum appends the 16-byte MAC to b without changing the state.
func (c *CMAC) Sum(b []byte) []byte {
	c.final()
	return append(b, c.fin[:]...)
}

// Sum16 returns the MAC without allocating.
func (c *CMAC) Sum16() [Size]byte {
	c.final()
	return c.fin
}

func (c *CMAC) final() {
	// M_last = M_n ^ K1 for a complete last block, else padding(M_n) ^ K2
	// (RFC 4493 2.4, step 4). The empty message counts as incomplete.
	var last [16]byte
	copy(last[:], c.buf[:c.n])
	if c.n == 16 {
		subtle.XORBytes(last[:], last[:], c.k1[:])
	} else {
		last[c.n] = 0x80
		subtle.XORBytes(last[:], last[:], c.k2[:])
	}
	subtle.XORBytes(c.fin[:], c.x[:], last[:])
	c.block.Encrypt(c.fin[:], c.fin[:])
}

// MAC computes the CMAC of the concatenation of parts in one call (for BIP:
// AAD, then the frame body with the MIC field zeroed). It resets c first.
func (c *CMAC) MAC(parts ...[]byte) [Size]byte {
	c.Reset()
	for _, p := range parts {
		c.Write(p)
	}
	return c.Sum16()
}

// Verify reports whether tag (8 to 16 bytes, compared as a prefix of the
// full MAC, in constant time) authenticates the concatenation of parts.
func (c *CMAC) Verify(tag []byte, parts ...[]byte) bool {
	if len(tag) < 8 || len(tag) > Size {
		return false
	}
	m := c.MAC(parts...)
	return subtle.ConstantTimeCompare(m[:len(tag)], tag) == 1
}
