package tcp

import (
	"encoding/binary"
	"math/bits"
)

// sipKey is a SipHash-2-4 key (Aumasson and Bernstein, "SipHash: a fast
// short-input PRF", 2012), the keyed hash RFC 6528 §3 asks for as F() and
// the MAC of SYN cookies.
type sipKey struct{ k0, k1 uint64 }

// sipTuple hashes the 4-tuple plus an extra word: 24 bytes of input, so
// it needs no buffer (no allocation) and handles exactly three message
// words and the final length block.
func (k sipKey) sipTuple(laddr, raddr [4]byte, lport, rport uint16, extra uint64) uint64 {
	m0 := uint64(binary.BigEndian.Uint32(laddr[:]))<<32 | uint64(binary.BigEndian.Uint32(raddr[:]))
	m1 := uint64(lport)<<16 | uint64(rport)
	return k.sum3(m0, m1, extra)
}

func (k sipKey) sum3(m0, m1, m2 uint64) uint64 {
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
	for _, m := range [4]uint64{m0, m1, m2, 24 << 56} { // last block: length 24 in the top byte
		v3 ^= m
		round()
		round()
		v0 ^= m
	}
	v2 ^= 0xff
	round()
	round()
	round()
	round()
	return v0 ^ v1 ^ v2 ^ v3
}
