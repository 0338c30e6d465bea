package sae

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"io"

	"filippo.io/bigmod"
	"filippo.io/nistec"

	"github.com/gopkt/gopkt/crypto/prf"
)

// Keys are what a completed exchange yields (12.4.5.4).
type Keys struct {
	KCK   [Len]byte
	PMK   [32]byte
	PMKID [16]byte
}

// Exchange is one side of one SAE exchange: our commit (rand, mask,
// scalar, element) and, after Process, the keys. Not safe for concurrent
// use.
type Exchange struct {
	f        *field
	pwe      *nistec.P256Point
	rand     *bigmod.Nat
	scalar   []byte
	element  []byte
	peerSc   []byte
	peerEl   []byte
	keys     Keys
	haveKeys bool
	sc       uint16 // send-confirm of our last Confirm
}

// NewExchange starts an exchange with password element pwe: it draws rand
// and mask from rng with 1 < rand, mask < r and (rand + mask) mod r > 1,
// and computes our commit scalar and element (12.4.5.2):
//
//	commit-scalar  = (rand + mask) mod r
//	COMMIT-ELEMENT = inverse(mask * PWE)
func NewExchange(pwe *nistec.P256Point, rng io.Reader) (*Exchange, error) {
	f := newField()
	for range 100 {
		r, err := randScalar(f, rng)
		if err != nil {
			return nil, err
		}
		m, err := randScalar(f, rng)
		if err != nil {
			return nil, err
		}
		if x, err := newExchange(f, pwe, r, m); err == nil {
			return x, nil
		}
	}
	return nil, ErrNoElement
}

// NewExchangeValues is NewExchange with given rand and mask (big-endian,
// Len octets), for the published test vectors.
func NewExchangeValues(pwe *nistec.P256Point, rand, mask []byte) (*Exchange, error) {
	f := newField()
	r, err := bigmod.NewNat().SetBytes(rand, f.r)
	if err != nil {
		return nil, ErrScalar
	}
	m, err := bigmod.NewNat().SetBytes(mask, f.r)
	if err != nil {
		return nil, ErrScalar
	}
	return newExchange(f, pwe, r, m)
}

func randScalar(f *field, rng io.Reader) (*bigmod.Nat, error) {
	var b [Len]byte
	for {
		if _, err := io.ReadFull(rng, b[:]); err != nil {
			return nil, err
		}
		n, err := bigmod.NewNat().SetBytes(b[:], f.r)
		if err == nil && !smallScalar(n.Bytes(f.r)) {
			return n, nil
		}
	}
}

// smallScalar reports whether the scalar s is 0 or 1.
func smallScalar(s []byte) bool {
	var acc byte
	for _, c := range s[:len(s)-1] {
		acc |= c
	}
	return acc == 0 && s[len(s)-1] <= 1
}

func newExchange(f *field, pwe *nistec.P256Point, r, m *bigmod.Nat) (*Exchange, error) {
	sc := bigmod.NewNat().ExpandFor(f.r).Add(r, f.r).Add(m, f.r)
	scalar := sc.Bytes(f.r)
	if smallScalar(scalar) {
		return nil, ErrScalar
	}
	me, err := nistec.NewP256Point().ScalarMult(pwe, m.Bytes(f.r))
	if err != nil {
		return nil, err
	}
	el := nistec.NewP256Point().Negate(me).Bytes()
	if len(el) != 1+2*Len {
		return nil, ErrElement // mask * PWE was the identity
	}
	return &Exchange{f: f, pwe: pwe, rand: r, scalar: scalar, element: el[1:]}, nil
}

// Commit returns our commit for group 19 (token set by the caller).
func (x *Exchange) Commit() Commit {
	return Commit{Group: Group, Scalar: x.scalar, Element: x.element}
}

// Process takes the peer's commit, checks it and derives the keys
// (12.4.5.4):
//
//	K       = rand * (peer-commit-scalar * PWE + PEER-COMMIT-ELEMENT)
//	keyseed = HMAC-SHA-256(0^32, K.x)
//	KCK || PMK = KDF-SHA-256-512(keyseed, "SAE KCK and PMK", (commit-scalar + peer-commit-scalar) mod r)
//	PMKID   = the first 16 octets of that context
//
// A commit the peer repeats (same scalar and element) is accepted again and
// yields the same keys.
func (x *Exchange) Process(c *Commit) error {
	f := x.f
	if c.Group != Group {
		return ErrGroup
	}
	if len(c.Scalar) != Len {
		return ErrMalformed
	}
	ps, err := bigmod.NewNat().SetBytes(c.Scalar, f.r)
	if err != nil || smallScalar(c.Scalar) {
		return ErrScalar
	}
	if len(c.Element) != 2*Len || len(c.Scalar) != Len {
		return ErrMalformed
	}
	pe, err := point(c.Element[:Len], c.Element[Len:])
	if err != nil {
		return ErrElement
	}
	if subtle.ConstantTimeCompare(c.Scalar, x.scalar) == 1 && subtle.ConstantTimeCompare(c.Element, x.element) == 1 {
		return ErrReflection
	}
	t, err := nistec.NewP256Point().ScalarMult(x.pwe, c.Scalar)
	if err != nil {
		return err
	}
	t.Add(t, pe)
	k, err := nistec.NewP256Point().ScalarMult(t, x.rand.Bytes(f.r))
	if err != nil {
		return err
	}
	kx, err := k.BytesX()
	if err != nil {
		return ErrElement // K is the identity: refuse (12.4.5.4)
	}
	m := hmac.New(sha256.New, make([]byte, sha256.Size))
	m.Write(kx)
	keyseed := m.Sum(nil)
	ctx := bigmod.NewNat().ExpandFor(f.r).Add(ps, f.r)
	own, _ := bigmod.NewNat().SetBytes(x.scalar, f.r)
	context := ctx.Add(own, f.r).Bytes(f.r)
	out, err := prf.KDFSHA256(keyseed, "SAE KCK and PMK", context, 512)
	if err != nil {
		return err
	}
	copy(x.keys.KCK[:], out[:Len])
	copy(x.keys.PMK[:], out[Len:])
	copy(x.keys.PMKID[:], context[:16])
	x.peerSc = append(x.peerSc[:0], c.Scalar...)
	x.peerEl = append(x.peerEl[:0], c.Element...)
	x.haveKeys = true
	return nil
}

// confirmValue is CN (12.4.5.5): HMAC-SHA-256(KCK, send-confirm ||
// scalar1 || element1 || scalar2 || element2).
func (x *Exchange) confirmValue(sc uint16, s1, e1, s2, e2 []byte) []byte {
	m := hmac.New(sha256.New, x.keys.KCK[:])
	m.Write(binary.LittleEndian.AppendUint16(nil, sc))
	m.Write(s1)
	m.Write(e1)
	m.Write(s2)
	m.Write(e2)
	return m.Sum(nil)
}

// Confirm returns our Confirm with send-confirm sc (12.4.5.5: ours first,
// the peer's second).
func (x *Exchange) Confirm(sc uint16) (Confirm, error) {
	if !x.haveKeys {
		return Confirm{}, ErrState
	}
	x.sc = sc
	return Confirm{SendConfirm: sc, Confirm: x.confirmValue(sc, x.scalar, x.element, x.peerSc, x.peerEl)}, nil
}

// Verify checks the peer's Confirm (its commit first, ours second) in
// constant time.
func (x *Exchange) Verify(c *Confirm) error {
	if !x.haveKeys {
		return ErrState
	}
	want := x.confirmValue(c.SendConfirm, x.peerSc, x.peerEl, x.scalar, x.element)
	if subtle.ConstantTimeCompare(want, c.Confirm) != 1 {
		return ErrConfirm
	}
	return nil
}

// Keys returns KCK, PMK and PMKID once Process succeeded.
func (x *Exchange) Keys() (Keys, bool) { return x.keys, x.haveKeys }
