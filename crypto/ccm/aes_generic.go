package ccm

import (
	"encoding/binary"
	"math/bits"

	"github.com/gopkt/gopkt/crypto/internal/gf256"
)

// softAES is a portable table-driven AES encryptor (FIPS 197, section 5.1,
// with SubBytes, ShiftRows and MixColumns folded into one 1 KiB table). It
// exists so the fallback path is free of interface calls, which would make
// every stack block escape to the heap, and so the tests have a second,
// independent AES to check the assembly against. It is not constant time
// (table lookups depend on data); it only runs on CPUs without AES-NI or in
// purego builds.
type softAES struct {
	te [256]uint32 // te[x] = (2*S[x], S[x], S[x], 3*S[x]) big-endian
	sb [256]byte   // the S-box
	w  [60]uint32  // round keys as words
	nr int
}

func newSoftAES(xk *[maxRoundKeys]byte, nr int) *softAES {
	s := &softAES{nr: nr}
	for i := range 256 {
		v := sbox(byte(i))
		s.sb[i] = v
		s.te[i] = uint32(gf256.Mul(v, 2))<<24 | uint32(v)<<16 | uint32(v)<<8 | uint32(gf256.Mul(v, 3))
	}
	for i := 0; i < 4*(nr+1); i++ {
		s.w[i] = binary.BigEndian.Uint32(xk[4*i:])
	}
	return s
}

// encrypt encrypts one block in place.
func (s *softAES) encrypt(b *[16]byte) {
	w := s.w[:4*(s.nr+1)]
	s0 := binary.BigEndian.Uint32(b[0:]) ^ w[0]
	s1 := binary.BigEndian.Uint32(b[4:]) ^ w[1]
	s2 := binary.BigEndian.Uint32(b[8:]) ^ w[2]
	s3 := binary.BigEndian.Uint32(b[12:]) ^ w[3]
	te := &s.te
	for r := 1; r < s.nr; r++ {
		k := w[4*r : 4*r+4]
		t0 := te[s0>>24] ^ bits.RotateLeft32(te[s1>>16&0xff], -8) ^ bits.RotateLeft32(te[s2>>8&0xff], -16) ^ bits.RotateLeft32(te[s3&0xff], -24) ^ k[0]
		t1 := te[s1>>24] ^ bits.RotateLeft32(te[s2>>16&0xff], -8) ^ bits.RotateLeft32(te[s3>>8&0xff], -16) ^ bits.RotateLeft32(te[s0&0xff], -24) ^ k[1]
		t2 := te[s2>>24] ^ bits.RotateLeft32(te[s3>>16&0xff], -8) ^ bits.RotateLeft32(te[s0>>8&0xff], -16) ^ bits.RotateLeft32(te[s1&0xff], -24) ^ k[2]
		t3 := te[s3>>24] ^ bits.RotateLeft32(te[s0>>16&0xff], -8) ^ bits.RotateLeft32(te[s1>>8&0xff], -16) ^ bits.RotateLeft32(te[s2&0xff], -24) ^ k[3]
		s0, s1, s2, s3 = t0, t1, t2, t3
	}
	k := w[4*s.nr:]
	sb := &s.sb
	t0 := uint32(sb[s0>>24])<<24 | uint32(sb[s1>>16&0xff])<<16 | uint32(sb[s2>>8&0xff])<<8 | uint32(sb[s3&0xff])
	t1 := uint32(sb[s1>>24])<<24 | uint32(sb[s2>>16&0xff])<<16 | uint32(sb[s3>>8&0xff])<<8 | uint32(sb[s0&0xff])
	t2 := uint32(sb[s2>>24])<<24 | uint32(sb[s3>>16&0xff])<<16 | uint32(sb[s0>>8&0xff])<<8 | uint32(sb[s1&0xff])
	t3 := uint32(sb[s3>>24])<<24 | uint32(sb[s0>>16&0xff])<<16 | uint32(sb[s1>>8&0xff])<<8 | uint32(sb[s2&0xff])
	binary.BigEndian.PutUint32(b[0:], t0^k[0])
	binary.BigEndian.PutUint32(b[4:], t1^k[1])
	binary.BigEndian.PutUint32(b[8:], t2^k[2])
	binary.BigEndian.PutUint32(b[12:], t3^k[3])
}
