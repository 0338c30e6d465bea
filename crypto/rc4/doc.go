// Package rc4 is the RC4 stream cipher with an in-place re-key, for WEP and
// TKIP (IEEE 802.11-2016 12.3.2 and 12.5.2).
//
// API summary:
//
//	var c rc4.Cipher              // 258 bytes of state; keep one per worker
//	c.Reset(seed) error           // key schedule in place, no allocation
//	c.XORKeyStream(dst, src)      // dst may equal src
//	rc4.New(key) (*rc4.Cipher, error)
//
// Why not crypto/rc4: the standard library's Cipher can only be created by
// NewCipher, which allocates, and WEP/TKIP need a new key for every frame.
// The algorithm is the same; the tests check this package against
// crypto/rc4 on random keys.
//
// Layer: a leaf primitive under crypto/. Framing (IV, ICV) lives in
// crypto/wep, per-frame key mixing in crypto/tkip.
//
// RC4 is broken; it exists here only because WEP and TKIP need it.
package rc4
