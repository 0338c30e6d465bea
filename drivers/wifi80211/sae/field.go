package sae

import (
	"crypto/subtle"
	"math/big"

	"filippo.io/bigmod"
)

// field holds what one group's prime-field arithmetic needs; built once
// per derivation, no package state. Every operation on secret values runs
// on filippo.io/bigmod, whose arithmetic is constant time for a given
// modulus size.
type field struct {
	g          *params
	p, r       *bigmod.Modulus
	pBytes     []byte // p, n octets
	a, b, z    *bigmod.Nat
	pm1half    []byte // (p-1)/2: Euler's criterion
	pp1quarter []byte // (p+1)/4: square root (p = 3 mod 4 for all three primes)
	pm2        []byte // p-2: inversion by Fermat
	shift      *bigmod.Nat
}

func newField(g *params) *field {
	f := &field{g: g, pBytes: g.curve.P.FillBytes(make([]byte, g.n))}
	var err error
	if f.p, err = bigmod.NewModulus(f.pBytes); err != nil {
		panic(err)
	}
	if f.r, err = bigmod.NewModulus(g.curve.N.FillBytes(make([]byte, g.n))); err != nil {
		panic(err)
	}
	p := g.curve.P
	f.a = f.fromBig(new(big.Int).Sub(p, big.NewInt(3)))
	f.b = f.fromBig(g.curve.B)
	f.z = f.fromBig(new(big.Int).Add(p, big.NewInt(g.z)))
	f.pm1half = new(big.Int).Rsh(new(big.Int).Sub(p, big.NewInt(1)), 1).Bytes()
	f.pp1quarter = new(big.Int).Rsh(new(big.Int).Add(p, big.NewInt(1)), 2).Bytes()
	f.pm2 = new(big.Int).Sub(p, big.NewInt(2)).Bytes()
	f.shift = f.fromBig(new(big.Int).Mod(new(big.Int).Lsh(big.NewInt(1), uint(8*(g.n-1))), p))
	return f
}

func (f *field) fromBig(x *big.Int) *bigmod.Nat {
	return f.mustElem(x.FillBytes(make([]byte, f.g.n)))
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

// reduce maps a big-endian string of up to 2n-1 octets to an element mod
// p in constant time: hi * 2^(8(n-1)) + lo, lo the last n-1 octets (each
// part below p by its length).
func (f *field) reduce(b []byte) *bigmod.Nat {
	n := f.g.n
	cut := len(b) - (n - 1)
	hi := make([]byte, n)
	copy(hi[n-cut:], b[:cut])
	lo := make([]byte, n)
	copy(lo[1:], b[cut:])
	return f.add(f.mul(f.mustElem(hi), f.shift), f.mustElem(lo))
}

// sel returns a if c == 1, else b, as fresh byte strings (constant time).
func sel(c int, a, b []byte) []byte {
	out := append([]byte(nil), b...)
	subtle.ConstantTimeCopy(c, out, a)
	return out
}

// point builds a point from affine coordinates (on-curve check included).
func (f *field) point(x, y []byte) (*Element, error) {
	p, err := f.g.point(x, y)
	if err != nil {
		return nil, err
	}
	return &Element{g: f.g, p: p}, nil
}
