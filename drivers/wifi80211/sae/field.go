package sae

import (
	"crypto/subtle"
	"encoding/hex"
	"math/big"

	"filippo.io/bigmod"
	"filippo.io/nistec"
)

// P-256 domain parameters (FIPS 186-4 D.1.2.3; y^2 = x^3 - 3x + b).
const (
	hexP = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff"
	hexR = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"
	hexB = "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b"
)

// Group is the finite cyclic group number of NIST P-256 (12.4.4.3, IANA
// "Group Description" 19).
const Group = 19

// Len is the length of a field element and of a scalar in octets.
const Len = 32

// field holds what the P-256 arithmetic needs; built once per use, no
// package state.
type field struct {
	p, r       *bigmod.Modulus
	pBytes     []byte
	a, b, z    *bigmod.Nat
	pm1half    []byte // (p-1)/2: Euler's criterion
	pp1quarter []byte // (p+1)/4: square root, p = 3 mod 4
	pm2        []byte // p-2: inversion by Fermat
	two256     *bigmod.Nat
	rMinus1    *big.Int
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func newField() *field {
	f := &field{pBytes: mustHex(hexP)}
	var err error
	if f.p, err = bigmod.NewModulus(f.pBytes); err != nil {
		panic(err)
	}
	if f.r, err = bigmod.NewModulus(mustHex(hexR)); err != nil {
		panic(err)
	}
	p := new(big.Int).SetBytes(f.pBytes)
	three := big.NewInt(3)
	f.a = f.fromBig(new(big.Int).Sub(p, three))
	f.b = f.mustElem(mustHex(hexB))
	f.z = f.fromBig(new(big.Int).Sub(p, big.NewInt(10))) // Z = -10 (RFC 9380 8.2)
	f.pm1half = new(big.Int).Rsh(new(big.Int).Sub(p, big.NewInt(1)), 1).Bytes()
	f.pp1quarter = new(big.Int).Rsh(new(big.Int).Add(p, big.NewInt(1)), 2).Bytes()
	f.pm2 = new(big.Int).Sub(p, big.NewInt(2)).Bytes()
	f.two256 = f.fromBig(new(big.Int).Mod(new(big.Int).Lsh(big.NewInt(1), 256), p))
	f.rMinus1 = new(big.Int).Sub(new(big.Int).SetBytes(mustHex(hexR)), big.NewInt(1))
	return f
}

func (f *field) fromBig(x *big.Int) *bigmod.Nat {
	return f.mustElem(x.FillBytes(make([]byte, Len)))
}

func (f *field) mustElem(b []byte) *bigmod.Nat {
	n, err := bigmod.NewNat().SetBytes(b, f.p)
	if err != nil {
		panic(err)
	}
	return n
}

func (f *field) zero() *bigmod.Nat { return bigmod.NewNat().ExpandFor(f.p) }

func (f *field) cp(x *bigmod.Nat) *bigmod.Nat { return f.zero().Add(x, f.p) }

func (f *field) mul(x, y *bigmod.Nat) *bigmod.Nat { return f.cp(x).Mul(y, f.p) }

func (f *field) add(x, y *bigmod.Nat) *bigmod.Nat { return f.cp(x).Add(y, f.p) }

func (f *field) neg(x *bigmod.Nat) *bigmod.Nat { return f.zero().Sub(x, f.p) }

// inv is inv0 (RFC 9380 4): x^(p-2), so 0 maps to 0.
func (f *field) inv(x *bigmod.Nat) *bigmod.Nat { return f.zero().Exp(x, f.pm2, f.p) }

// isSquare reports (as 1/0) whether x is a nonzero square: Euler's
// criterion in constant time. Zero counts as square for SSWU's is_square
// (RFC 9380 4), so the caller ORs in IsZero where that matters.
func (f *field) isSquare(x *bigmod.Nat) int {
	return int(f.zero().Exp(x, f.pm1half, f.p).IsOne())
}

func (f *field) sqrt(x *bigmod.Nat) *bigmod.Nat { return f.zero().Exp(x, f.pp1quarter, f.p) }

// curve returns x^3 + a x + b.
func (f *field) curve(x *bigmod.Nat) *bigmod.Nat {
	x3 := f.mul(f.mul(x, x), x)
	return f.add(f.add(x3, f.mul(f.a, x)), f.b)
}

// reduce48 maps 48 big-endian octets to an element mod p in constant time:
// hi * 2^256 + lo.
func (f *field) reduce48(b []byte) *bigmod.Nat {
	var hi [Len]byte
	copy(hi[Len-16:], b[:16])
	h := f.mustElem(hi[:])
	l, err := bigmod.NewNat().SetOverflowingBytes(b[16:48], f.p)
	if err != nil {
		panic(err) // 256 bits never exceed p's bit length
	}
	return f.add(f.mul(h, f.two256), l)
}

// sel returns a if c == 1, else b, as fresh byte strings (constant time).
func sel(c int, a, b []byte) []byte {
	out := append([]byte(nil), b...)
	subtle.ConstantTimeCopy(c, out, a)
	return out
}

// point builds a point from affine coordinates (on-curve check included).
func point(x, y []byte) (*nistec.P256Point, error) {
	var enc [1 + 2*Len]byte
	enc[0] = 4
	copy(enc[1:], x)
	copy(enc[1+Len:], y)
	return nistec.NewP256Point().SetBytes(enc[:])
}
