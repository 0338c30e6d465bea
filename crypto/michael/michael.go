package michael

import (
	"encoding/binary"
	"math/bits"
)

// Size is the length of a Michael MIC in bytes.
const Size = 8

// HeaderSize is the length of the TKIP MIC header: DA, SA, priority and
// three reserved zero octets (IEEE 802.11-2016 12.5.2.3.2, figure 12-12).
const HeaderSize = 16

// Digest is a streaming Michael computation (IEEE 802.11-2016 12.5.2.3.3).
// The zero value is not usable: call Reset with the key first. A Digest is a
// plain value: keep it on the stack or in a per-flow struct; it never
// allocates.
type Digest struct {
	l, r uint32  // the running state
	buf  [4]byte // bytes waiting for a full 32-bit word
	n    int     // valid bytes in buf
}

// Reset starts a new MIC under key: K0 and K1 are the little-endian words
// of the 8-byte Michael key.
func (d *Digest) Reset(key [8]byte) {
	d.l = binary.LittleEndian.Uint32(key[0:])
	d.r = binary.LittleEndian.Uint32(key[4:])
	d.n = 0
}

// Write adds p to the message. It never fails.
func (d *Digest) Write(p []byte) (int, error) {
	n := len(p)
	if d.n > 0 {
		k := copy(d.buf[d.n:], p)
		d.n += k
		p = p[k:]
		if d.n < 4 {
			return n, nil
		}
		d.block(binary.LittleEndian.Uint32(d.buf[:]))
		d.n = 0
	}
	for len(p) >= 4 {
		d.block(binary.LittleEndian.Uint32(p))
		p = p[4:]
	}
	d.n = copy(d.buf[:], p)
	return n, nil
}

// Sum8 pads the message (one 0x5a octet, then 4 to 7 zero octets to a
// multiple of four) and returns the MIC (L then R, little-endian). The
// Digest must be Reset before reuse.
func (d *Digest) Sum8() [Size]byte {
	var last [4]byte
	copy(last[:], d.buf[:d.n])
	last[d.n] = 0x5a
	d.block(binary.LittleEndian.Uint32(last[:]))
	d.block(0)
	var mic [Size]byte
	binary.LittleEndian.PutUint32(mic[0:], d.l)
	binary.LittleEndian.PutUint32(mic[4:], d.r)
	return mic
}

// block mixes one message word: l ^= m, then the block function b
// (IEEE 802.11-2016 12.5.2.3.3, figure 12-13).
func (d *Digest) block(m uint32) {
	l, r := d.l^m, d.r
	r ^= bits.RotateLeft32(l, 17)
	l += r
	r ^= (l&0xff00ff00)>>8 | (l&0x00ff00ff)<<8 // XSWAP
	l += r
	r ^= bits.RotateLeft32(l, 3)
	l += r
	r ^= bits.RotateLeft32(l, -2)
	l += r
	d.l, d.r = l, r
}

// MIC returns Michael over msg with key, without the TKIP header: the raw
// algorithm the standard's test vectors exercise.
func MIC(key [8]byte, msg []byte) [Size]byte {
	var d Digest
	d.Reset(key)
	d.Write(msg)
	return d.Sum8()
}

// Sum returns the TKIP MIC of an MSDU: Michael over DA || SA || priority ||
// 0 0 0 || data (IEEE 802.11-2016 12.5.2.3.2). da and sa must be 6 bytes;
// priority is the user priority (0 for non-QoS frames).
func Sum(key [8]byte, da, sa []byte, priority byte, data []byte) [Size]byte {
	var d Digest
	d.Reset(key)
	var h [HeaderSize]byte
	Header(&h, da, sa, priority)
	d.Write(h[:])
	d.Write(data)
	return d.Sum8()
}

// Header fills h with the TKIP MIC header. Only the first 6 bytes of da and
// sa are used.
func Header(h *[HeaderSize]byte, da, sa []byte, priority byte) {
	copy(h[0:6], da)
	copy(h[6:12], sa)
	h[12] = priority
	h[13], h[14], h[15] = 0, 0, 0
}
