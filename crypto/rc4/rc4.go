package rc4

import (
	"errors"
	"fmt"
)

// ErrKeySize reports a key outside 1..256 bytes.
var ErrKeySize = errors.New("rc4: invalid key size")

// Cipher is an RC4 keystream generator that can be re-keyed in place. WEP
// and TKIP derive a fresh RC4 key for every frame (IEEE 802.11-2016
// 12.3.2.2, 12.5.2.5), so the state lives in a value the caller keeps
// (per session or per worker) and Reset reruns the key schedule without
// allocating. A Cipher is not safe for concurrent use.
type Cipher struct {
	s    [256]byte
	i, j uint8
}

// New returns a Cipher keyed with key.
func New(key []byte) (*Cipher, error) {
	c := new(Cipher)
	if err := c.Reset(key); err != nil {
		return nil, err
	}
	return c, nil
}

// Reset runs the RC4 key-scheduling algorithm for key (1 to 256 bytes).
func (c *Cipher) Reset(key []byte) error {
	if len(key) < 1 || len(key) > 256 {
		return fmt.Errorf("%w: got %d bytes, want 1..256 (WEP seeds are 8 or 16, TKIP 16)", ErrKeySize, len(key))
	}
	for i := range c.s {
		c.s[i] = byte(i)
	}
	var j uint8
	k := 0
	for i := range 256 {
		j += c.s[i] + key[k]
		c.s[i], c.s[j] = c.s[j], c.s[i]
		if k++; k == len(key) {
			k = 0
		}
	}
	c.i, c.j = 0, 0
	return nil
}

// XORKeyStream sets dst = src XOR keystream. dst and src may be the same
// slice; dst must be at least as long as src.
func (c *Cipher) XORKeyStream(dst, src []byte) {
	if len(src) == 0 {
		return
	}
	dst = dst[:len(src)]
	i, j := c.i, c.j
	s := &c.s
	for k, v := range src {
		i++
		x := s[i]
		j += x
		y := s[j]
		s[i], s[j] = y, x
		dst[k] = v ^ s[x+y]
	}
	c.i, c.j = i, j
}
