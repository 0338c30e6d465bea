package tcp

import (
	"encoding/binary"
	"math/bits"
)

// sipKey is a SipHash-2-4 key (Aumasson and Bernstein, "SipHash: a fast
// short-input PRF", 2012), the keyed hash RFC 6528 §3 asks for as F() and
// the MAC of SYN cookies.
type sipKey struct{ k0, k1 uint64 }

// sipTuple hashes the connection's key plus an extra word: 48 bytes of
// input (the two 16-byte addresses, the ports and link, the extra word),
// six message words and the final length block, with no buffer (no
// allocation).
func (k sipKey) sipTuple(t *fourTuple, extra uint64) uint64 {
	return k.sum6([6]uint64{
		binary.BigEndian.Uint64(t.laddr[:8]), binary.BigEndian.Uint64(t.laddr[8:]),
		binary.BigEndian.Uint64(t.raddr[:8]), binary.BigEndian.Uint64(t.raddr[8:]),
		uint64(t.lport)<<48 | uint64(t.rport)<<32 | uint64(uint32(t.ifx)),
		extra,
	})
}

func (k sipKey) sum6(m [6]uint64) uint64 {
	v0 := k.k0 ^ 0x736f6d6570736575
	v1 := k.k1 ^ 0x646f72616e646f6d
	v2 := k.k0 ^ 0x6c7967656e657261
	v3 := k.k1 ^ 0x7465646279746573
	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13)
		v1 ^= v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16)
		v3 ^= v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21)
		v3 ^= v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17)
		v1 ^= v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	for _, w := range [7]uint64{m[0], m[1], m[2], m[3], m[4], m[5], 48 << 56} { // last block: length 48 in the top byte
		v3 ^= w
		round()
		round()
		v0 ^= w
	}
	v2 ^= 0xff
	round()
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}
