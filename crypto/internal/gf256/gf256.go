package gf256

// Mul multiplies a and b modulo x^8+x^4+x^3+x+1 (FIPS 197, 4.2). It
// runs in constant time: no branch or index depends on a or b, so key
// setup does not leak key bytes through timing.
func Mul(a, b byte) byte {
	var p byte
	for range 8 {
		p ^= a & -(b & 1)
		a = a<<1 ^ 0x1b&-(a>>7)
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
	for e := 254; e > 0; e >>= 1 { // b^254 = b^-1; the exponent is public
		if e&1 != 0 {
			inv = Mul(inv, sq)
		}
		sq = Mul(sq, sq)
	}
	s := inv ^ rotl(inv, 1) ^ rotl(inv, 2) ^ rotl(inv, 3) ^ rotl(inv, 4)
	return s ^ 0x63
}

func rotl(b byte, n uint) byte { return b<<n | b>>(8-n) }
