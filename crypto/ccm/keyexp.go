package ccm

import (
	"encoding/binary"

	"github.com/gopkt/gopkt/crypto/internal/gf256"
)

// maxRoundKeys is the size of an expanded AES-256 key schedule: (14+1)
// round keys of 16 bytes each (FIPS 197, section 5.2).
const maxRoundKeys = 15 * 16

// expandKey runs the AES key expansion of FIPS 197 section 5.2 for a 16, 24
// or 32 byte key and stores the round keys into xk in the byte order that
// AESENC/AESENCLAST expect when loaded with MOVOU (FIPS byte order). It
// returns the number of rounds Nr (10, 12 or 14). The caller checks the key
// length.
func expandKey(key []byte, xk *[maxRoundKeys]byte) int {
	nk := len(key) / 4
	nr := nk + 6
	var w [60]uint32
	for i := 0; i < nk; i++ {
		w[i] = binary.BigEndian.Uint32(key[4*i:])
	}
	rcon := uint32(1)
	for i := nk; i < 4*(nr+1); i++ {
		t := w[i-1]
		switch {
		case i%nk == 0:
			t = subWord(t<<8|t>>24) ^ rcon<<24
			rcon = uint32(gf256.Mul(byte(rcon), 2))
		case nk > 6 && i%nk == 4:
			t = subWord(t)
		}
		w[i] = w[i-nk] ^ t
	}
	for i := 0; i < 4*(nr+1); i++ {
		binary.BigEndian.PutUint32(xk[4*i:], w[i])
	}
	return nr
}

// subWord applies the S-box to each byte of w (FIPS 197, 5.2 SubWord).
func subWord(w uint32) uint32 {
	return uint32(sbox(byte(w>>24)))<<24 | uint32(sbox(byte(w>>16)))<<16 |
		uint32(sbox(byte(w>>8)))<<8 | uint32(sbox(byte(w)))
}

func sbox(b byte) byte { return gf256.SBox(b) }
