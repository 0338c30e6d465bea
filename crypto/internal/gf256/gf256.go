// Package gf256 holds the GF(2^8) arithmetic of AES (FIPS 197, sections 4.2
// and 5.1.1) that several crypto packages derive their tables from: the CCM
// key schedule, the portable AES and the TKIP S-box (IEEE 802.11-2016
// 12.5.2.5, which is built from the AES S-box). Computing the S-box from its
// definition keeps hand-typed 256-entry tables out of the source.
package gf256

// Mul multiplies a and b modulo x^8+x^4+x^3+x+1 (FIPS 197, 4.2).
func Mul(a, b byte) byte {
	var p byte
	for b != 0 {
		if b&1 != 0 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x1b
		}
		b >>= 1
	}
	return p
}

// SBox returns the AES S-box entry for b: the multiplicative inverse in
// GF(2^8) (0 maps to 0) followed by the affine transformation (FIPS 197,
// 5.1.1).
func SBox(b byte) byte {
	inv := byte(1)
	sq := b
	for e := 254; e > 0; e >>= 1 { // b^254 = b^-1
		if e&1 != 0 {
			inv = Mul(inv, sq)
		}
		sq = Mul(sq, sq)
	}
	s := inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4)
	return s ^ 0x63
}

func rotl(b byte, n uint) byte { return b<<n | b>>(8-n) }
