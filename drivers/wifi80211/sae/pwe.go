package sae

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"math/big"

	"filippo.io/nistec"

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

// PWEHuntAndPeck derives the password element by hunting and pecking
// (802.11-2020 12.4.4.2.2, 12.4.4.3.2) for the two MAC addresses:
//
//	pwd-seed  = HMAC-SHA-256(max(A,B) || min(A,B), password [|| identifier] || counter)
//	pwd-value = KDF-SHA-256-256(pwd-seed, "SAE Hunting and Pecking", p)
//
// and the first pwd-value < p for which x^3 + ax + b is a quadratic
// residue is x; y is the root whose parity equals pwd-seed's. Every round
// does the same work; the found element is kept by constant-time selects.
// identifier is nil without a password identifier.
func PWEHuntAndPeck(password, identifier, macA, macB []byte) (*nistec.P256Point, error) {
	f := newField()
	key := macOrder(macA, macB)
	x := make([]byte, Len)
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
		value, err := prf.KDFSHA256(seed, "SAE Hunting and Pecking", f.pBytes, 8*Len)
		if err != nil {
			return nil, err
		}
		// pwd-value < p: compared in constant time on the bytes; an
		// out-of-range value is replaced by zero for the arithmetic and
		// can never be taken.
		inRange := lessThan(value, f.pBytes)
		cand := sel(inRange, value, make([]byte, Len))
		xn := f.mustElem(cand)
		take := inRange & f.isSquare(f.curve(xn)) & (found ^ 1)
		x = sel(take, cand, x)
		lsb = subtle.ConstantTimeSelect(take, int(seed[Len-1]&1), lsb)
		found |= take
	}
	xn := f.mustElem(x)
	y := f.sqrt(f.curve(xn)).Bytes(f.p)
	yNeg := f.neg(f.mustElem(y)).Bytes(f.p)
	y = sel(subtle.ConstantTimeEq(int32(y[Len-1]&1), int32(lsb)), y, yNeg)
	return point(x, y)
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
// per SSID and password, independent of the MAC addresses.
type PT struct{ p *nistec.P256Point }

// Bytes returns PT as x || y.
func (pt *PT) Bytes() []byte { return pt.p.Bytes()[1:] }

// DerivePT derives PT (802.11-2020 12.4.4.2.3):
//
//	pwd-seed = HKDF-Extract(ssid, password [|| identifier])
//	u1 = HKDF-Expand(pwd-seed, "SAE Hash to Element u1 P1", 48) mod p
//	u2 = HKDF-Expand(pwd-seed, "SAE Hash to Element u2 P2", 48) mod p
//	PT = SSWU(u1) + SSWU(u2)
func DerivePT(ssid, password, identifier []byte) (*PT, error) {
	f := newField()
	ikm := append(append([]byte(nil), password...), identifier...)
	seed, err := hkdf.Extract(sha256.New, ikm, ssid)
	if err != nil {
		return nil, err
	}
	var ps [2]*nistec.P256Point
	for i, info := range []string{"SAE Hash to Element u1 P1", "SAE Hash to Element u2 P2"} {
		v, err := hkdf.Expand(sha256.New, seed, info, Len+Len/2)
		if err != nil {
			return nil, err
		}
		if ps[i], err = f.sswu(f.reduce48(v).Bytes(f.p)); err != nil {
			return nil, err
		}
	}
	return &PT{nistec.NewP256Point().Add(ps[0], ps[1])}, nil
}

// sswu is map_to_curve_simple_swu of RFC 9380 6.6.2 for P-256 (Z = -10),
// in the straight-line form 802.11-2020 12.4.4.2.3 gives, constant time:
//
//	tv1 = inv0(Z^2 u^4 + Z u^2)
//	x1  = (-b/a)(1 + tv1), or b/(Z a) when tv1 = 0
//	x2  = Z u^2 x1
//	(x, y) = (x1, sqrt(g(x1))) if g(x1) is square, else (x2, sqrt(g(x2)))
//	y   = -y when sgn0(u) != sgn0(y)
func (f *field) sswu(uBytes []byte) (*nistec.P256Point, error) {
	u := f.mustElem(uBytes)
	u2 := f.mul(u, u)
	zu2 := f.mul(f.z, u2)
	den := f.add(f.mul(zu2, zu2), zu2)
	tv1 := f.inv(den)
	isZero := int(tv1.IsZero())
	negBOverA := f.mul(f.neg(f.b), f.inv(f.a))
	x1a := f.mul(negBOverA, f.add(f.mustElem(one()), tv1)).Bytes(f.p)
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
	same := subtle.ConstantTimeEq(int32(y[Len-1]&1), int32(uBytes[Len-1]&1))
	return point(x, sel(same, y, yNeg))
}

func one() []byte {
	b := make([]byte, Len)
	b[Len-1] = 1
	return b
}

// PWEFromPT derives the password element for two MAC addresses from PT
// (802.11-2020 12.4.4.2.3):
//
//	val = HKDF-Extract(0^32, max(A,B) || min(A,B)) mod (r-1) + 1
//	PWE = val * PT
//
// val depends on the (public) addresses only.
func PWEFromPT(pt *PT, macA, macB []byte) (*nistec.P256Point, error) {
	f := newField()
	h, err := hkdf.Extract(sha256.New, macOrder(macA, macB), make([]byte, sha256.Size))
	if err != nil {
		return nil, err
	}
	val := new(big.Int).SetBytes(h)
	val.Mod(val, f.rMinus1).Add(val, big.NewInt(1))
	return nistec.NewP256Point().ScalarMult(pt.p, val.FillBytes(make([]byte, Len)))
}
