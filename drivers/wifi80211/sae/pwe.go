package sae

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"math/big"

	"github.com/gopkt/gopkt/crypto/prf"
)

// huntRounds is k of 12.4.4.2.2: the loop runs at least this many rounds
// whatever round found the element, so its duration does not tell which.
const huntRounds = 40

// maxRounds bounds the loop for the (astronomically unlikely) password
// whose first 40 rounds found nothing.
const maxRounds = 200

// macOrder returns max(a, b) || min(a, b) (12.4.4.2.2: addresses compare
// as unsigned integers).
func macOrder(a, b []byte) []byte {
	if bytes.Compare(a, b) < 0 {
		a, b = b, a
	}
	return append(append(make([]byte, 0, 12), a...), b...)
}

// PWEHuntAndPeck derives the password element of group by hunting and
// pecking (802.11-2020 12.4.4.2.2, 12.4.4.3.2) for the two MAC addresses:
//
//	pwd-seed  = HMAC-SHA-256(max(A,B) || min(A,B), password [|| identifier] || counter)
//	pwd-value = KDF-SHA-256-len(p)(pwd-seed, "SAE Hunting and Pecking", p)
//
// and the first pwd-value < p for which x^3 + ax + b is a quadratic
// residue is x; y is the root whose parity equals pwd-seed's. The hash is
// SHA-256 for every group, as hostapd 2.10 (sae_derive_pwe_ecc) and
// wpa_supplicant run it; for P-521 the KDF's 521 bits are the leftmost of
// its 66 octets, shifted down. Every round does the same work; the found
// element is kept by constant-time selects. identifier is nil without a
// password identifier.
func PWEHuntAndPeck(group uint16, password, identifier, macA, macB []byte) (*Element, error) {
	g, err := lookup(group)
	if err != nil {
		return nil, err
	}
	f := newField(g)
	n, bits := g.n, g.curve.BitSize
	key := macOrder(macA, macB)
	x := make([]byte, n)
	zero := make([]byte, n)
	found, lsb := 0, 0
	for counter := 1; counter <= huntRounds || found == 0; counter++ {
		if counter > maxRounds {
			return nil, ErrNoElement
		}
		m := hmac.New(sha256.New, key)
		m.Write(password)
		m.Write(identifier)
		m.Write([]byte{byte(counter)})
		seed := m.Sum(nil)
		value, err := prf.KDFSHA256(seed, "SAE Hunting and Pecking", f.pBytes, bits)
		if err != nil {
			return nil, err
		}
		shiftRight(value, 8*n-bits)
		// pwd-value < p: compared in constant time on the bytes; an
		// out-of-range value is replaced by zero for the arithmetic and
		// can never be taken.
		inRange := lessThan(value, f.pBytes)
		cand := sel(inRange, value, zero)
		xn := f.mustElem(cand)
		take := inRange & f.isSquare(f.curve(xn)) & (found ^ 1)
		x = sel(take, cand, x)
		lsb = subtle.ConstantTimeSelect(take, int(seed[sha256.Size-1]&1), lsb)
		found |= take
	}
	xn := f.mustElem(x)
	y := f.sqrt(f.curve(xn)).Bytes(f.p)
	yNeg := f.neg(f.mustElem(y)).Bytes(f.p)
	y = sel(subtle.ConstantTimeEq(int32(y[n-1]&1), int32(lsb)), y, yNeg)
	return f.point(x, y)
}

// shiftRight shifts the big-endian b right by s < 8 bits (the same work
// for every value).
func shiftRight(b []byte, s int) {
	if s == 0 {
		return
	}
	for i := len(b) - 1; i > 0; i-- {
		b[i] = b[i]>>s | b[i-1]<<(8-s)
	}
	b[0] >>= s
}

// lessThan returns 1 if the big-endian a < b (same length), in constant time.
func lessThan(a, b []byte) int {
	lt, decided := 0, 0
	for i := range a {
		x, y := int(a[i]), int(b[i])
		l := subtle.ConstantTimeLessOrEq(x+1, y) // x < y
		g := subtle.ConstantTimeLessOrEq(y+1, x) // x > y
		lt |= l & (decided ^ 1)
		decided |= l | g
	}
	return lt
}

// PT is the password-dependent element of hash-to-element: derived once
// per group, SSID and password, independent of the MAC addresses.
type PT struct{ e *Element }

// Bytes returns PT as x || y.
func (pt *PT) Bytes() []byte { return pt.e.Bytes() }

// Group returns PT's finite cyclic group.
func (pt *PT) Group() uint16 { return pt.e.Group() }

// DerivePT derives PT for group (802.11-2020 12.4.4.2.3), H the group's
// hash (SHA-256, -384, -512 by the prime's length, 12.4.2):
//
//	pwd-seed = HKDF-Extract-H(ssid, password [|| identifier])
//	len      = olen(p) + ceil(olen(p)/2)   (48, 72, 99 octets)
//	u1 = HKDF-Expand-H(pwd-seed, "SAE Hash to Element u1 P1", len) mod p
//	u2 = HKDF-Expand-H(pwd-seed, "SAE Hash to Element u2 P2", len) mod p
//	PT = SSWU(u1) + SSWU(u2)
//
// len follows 802.11 (and hostapd), which for P-521 is one octet more than
// RFC 9380's L = 98.
func DerivePT(group uint16, ssid, password, identifier []byte) (*PT, error) {
	g, err := lookup(group)
	if err != nil {
		return nil, err
	}
	f := newField(g)
	ikm := append(append([]byte(nil), password...), identifier...)
	seed, err := hkdf.Extract(g.hash, ikm, ssid)
	if err != nil {
		return nil, err
	}
	var ps [2]*Element
	for i, info := range []string{"SAE Hash to Element u1 P1", "SAE Hash to Element u2 P2"} {
		v, err := hkdf.Expand(g.hash, seed, info, g.n+(g.n+1)/2)
		if err != nil {
			return nil, err
		}
		if ps[i], err = f.sswu(f.reduce(v).Bytes(f.p)); err != nil {
			return nil, err
		}
	}
	return &PT{&Element{g: g, p: g.ops.add(ps[0].p, ps[1].p), h2e: true}}, nil
}

// sswu is map_to_curve_simple_swu of RFC 9380 6.6.2 (Z per curve: -10,
// -12, -4), in the straight-line form 802.11-2020 12.4.4.2.3 gives,
// constant time:
//
//	tv1 = inv0(Z^2 u^4 + Z u^2)
//	x1  = (-b/a)(1 + tv1), or b/(Z a) when tv1 = 0
//	x2  = Z u^2 x1
//	(x, y) = (x1, sqrt(g(x1))) if g(x1) is square, else (x2, sqrt(g(x2)))
//	y   = -y when sgn0(u) != sgn0(y)
func (f *field) sswu(uBytes []byte) (*Element, error) {
	n := f.g.n
	u := f.mustElem(uBytes)
	u2 := f.mul(u, u)
	zu2 := f.mul(f.z, u2)
	den := f.add(f.mul(zu2, zu2), zu2)
	tv1 := f.inv(den)
	isZero := int(tv1.IsZero())
	negBOverA := f.mul(f.neg(f.b), f.inv(f.a))
	x1a := f.mul(negBOverA, f.add(f.mustElem(f.one()), tv1)).Bytes(f.p)
	x1b := f.mul(f.b, f.inv(f.mul(f.z, f.a))).Bytes(f.p)
	x1 := f.mustElem(sel(isZero, x1b, x1a))
	gx1 := f.curve(x1)
	x2 := f.mul(zu2, x1)
	gx2 := f.curve(x2)
	sq := f.isSquare(gx1) | int(gx1.IsZero())
	x := sel(sq, x1.Bytes(f.p), x2.Bytes(f.p))
	gx := f.mustElem(sel(sq, gx1.Bytes(f.p), gx2.Bytes(f.p)))
	y := f.sqrt(gx).Bytes(f.p)
	yNeg := f.neg(f.mustElem(y)).Bytes(f.p)
	same := subtle.ConstantTimeEq(int32(y[n-1]&1), int32(uBytes[n-1]&1))
	return f.point(x, sel(same, y, yNeg))
}

func (f *field) one() []byte {
	b := make([]byte, f.g.n)
	b[f.g.n-1] = 1
	return b
}

// PWEFromPT derives the password element for two MAC addresses from PT
// (802.11-2020 12.4.4.2.3), H the group's hash:
//
//	val = HKDF-Extract-H(0^olen(H), max(A,B) || min(A,B)) mod (r-1) + 1
//	PWE = val * PT
//
// val depends on the (public) addresses only.
func PWEFromPT(pt *PT, macA, macB []byte) (*Element, error) {
	g := pt.e.g
	h, err := hkdf.Extract(g.hash, macOrder(macA, macB), make([]byte, g.hash().Size()))
	if err != nil {
		return nil, err
	}
	val := new(big.Int).SetBytes(h)
	val.Mod(val, new(big.Int).Sub(g.curve.N, big.NewInt(1))).Add(val, big.NewInt(1))
	p, err := g.ops.mult(pt.e.p, val.FillBytes(make([]byte, g.n)))
	if err != nil {
		return nil, err
	}
	return &Element{g: g, p: p, h2e: true}, nil
}
