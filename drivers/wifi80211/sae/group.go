package sae

import (
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"hash"

	"filippo.io/nistec"
)

// Finite cyclic groups: the IANA "Group Description" numbers of the NIST
// curves SAE runs on (802.11-2020 12.4.4.3; dot11RSNAConfigDLCGroup).
const (
	Group19 uint16 = 19 // NIST P-256
	Group20 uint16 = 20 // NIST P-384
	Group21 uint16 = 21 // NIST P-521
)

// Groups returns the supported groups in the order a station offers them
// by default: the cheapest first, as hostapd's default sae_groups is 19
// alone and every WPA3 device must have it.
func Groups() []uint16 { return []uint16{Group19, Group20, Group21} }

// Supported reports whether group is one this package implements.
func Supported(group uint16) bool { return ElementLen(group) > 0 }

// ElementLen returns olen(p) for the group: the octets of a field
// element, of each coordinate of a point and of a scalar (for all three
// curves the order has as many octets as the prime). 0 for a group this
// package does not implement.
func ElementLen(group uint16) int {
	switch group {
	case Group19:
		return 32
	case Group20:
		return 48
	case Group21:
		return 66
	}
	return 0
}

// HashLen returns the output length of the hash the group uses where the
// standard makes it depend on the prime's length (12.4.2: SHA-256 up to
// 256 bits, SHA-384 up to 384, SHA-512 above): hash-to-element's PT and
// PWE, and with hash-to-element the KCK, keyseed and confirm (12.4.5.4,
// 12.4.5.5). 0 for an unknown group.
func HashLen(group uint16) int {
	switch group {
	case Group19:
		return sha256.Size
	case Group20:
		return sha512.Size384
	case Group21:
		return sha512.Size
	}
	return 0
}

// params are one group's domain parameters (FIPS 186-4 D.1.2.3-5, as
// crypto/elliptic carries them; every curve is y^2 = x^3 - 3x + b) and
// what the derivations need of it.
type params struct {
	group uint16
	curve *elliptic.CurveParams // P, N (the order r), B, BitSize
	n     int                   // olen(p) = olen(r)
	z     int64                 // Z of the simplified SWU map (RFC 9380 8.2, 8.3, 8.4)
	hash  func() hash.Hash      // 12.4.2, by len(p)
	ops   ops
}

// lookup returns the group's parameters; built per call, no package state.
func lookup(group uint16) (*params, error) {
	g := &params{group: group, n: ElementLen(group)}
	switch group {
	case Group19:
		g.curve, g.z, g.hash, g.ops = elliptic.P256().Params(), -10, sha256.New, nistOps[*nistec.P256Point]{nistec.NewP256Point}
	case Group20:
		g.curve, g.z, g.hash, g.ops = elliptic.P384().Params(), -12, sha512.New384, nistOps[*nistec.P384Point]{nistec.NewP384Point}
	case Group21:
		g.curve, g.z, g.hash, g.ops = elliptic.P521().Params(), -4, sha512.New, nistOps[*nistec.P521Point]{nistec.NewP521Point}
	default:
		return nil, ErrGroup
	}
	return g, nil
}

// nistPoint is the method set filippo.io/nistec gives each curve's point
// type; ops erases the type so one Exchange serves every group.
type nistPoint[P any] interface {
	Bytes() []byte
	BytesX() ([]byte, error)
	SetBytes([]byte) (P, error)
	Add(P, P) P
	Negate(P) P
	ScalarMult(P, []byte) (P, error)
}

// ops are the point operations of one curve on type-erased points. The
// nistec implementations are constant time (complete formulas, fixed
// window scalar multiplication with constant-time table lookups).
type ops interface {
	decode(uncompressed []byte) (any, error) // 0x04 || x || y, on-curve checked
	encode(a any) []byte                     // 0x04 || x || y; 0x00 for the identity
	x(a any) ([]byte, error)                 // affine x; an error for the identity
	add(a, b any) any
	negate(a any) any
	mult(a any, scalar []byte) (any, error) // scalar: exactly olen(r) octets
}

type nistOps[P nistPoint[P]] struct{ newPoint func() P }

func (o nistOps[P]) decode(b []byte) (any, error) { return o.newPoint().SetBytes(b) }
func (o nistOps[P]) encode(a any) []byte          { return a.(P).Bytes() }
func (o nistOps[P]) x(a any) ([]byte, error)      { return a.(P).BytesX() }
func (o nistOps[P]) add(a, b any) any             { return o.newPoint().Add(a.(P), b.(P)) }
func (o nistOps[P]) negate(a any) any             { return o.newPoint().Negate(a.(P)) }
func (o nistOps[P]) mult(a any, s []byte) (any, error) {
	return o.newPoint().ScalarMult(a.(P), s)
}

// Element is a point of one group's curve: a password element (PWE), a
// hash-to-element PT, or a commit element.
type Element struct {
	g   *params
	p   any  // *nistec.P256Point, *P384Point or *P521Point
	h2e bool // derived by hash-to-element: the exchange's KDF uses the group's hash
}

// Group returns the element's finite cyclic group.
func (e *Element) Group() uint16 { return e.g.group }

// Bytes returns the element as x || y (2 olen(p) octets), the encoding of
// 802.11-2020 12.4.7.2.4.
func (e *Element) Bytes() []byte { return e.g.ops.encode(e.p)[1:] }

// point builds a point of the group from affine coordinates (n octets
// each; the on-curve check is nistec's).
func (g *params) point(x, y []byte) (any, error) {
	enc := make([]byte, 1+2*g.n)
	enc[0] = 4
	copy(enc[1:], x)
	copy(enc[1+g.n:], y)
	return g.ops.decode(enc)
}
