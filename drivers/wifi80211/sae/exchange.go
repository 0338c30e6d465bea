package sae

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"hash"
	"io"

	"filippo.io/bigmod"

	"github.com/gopkt/gopkt/crypto/prf"
)

// PMKLen is the length of SAE's PMK for AKM 8 whatever the group
// (12.4.5.4; hostapd's SAE_PMK_LEN). AKM 24 (SAE-EXT-KEY, with a PMK as
// long as the group's hash) is a different AKM, not implemented.
const PMKLen = 32

// Keys are what a completed exchange yields (12.4.5.4).
type Keys struct {
	// KCK is 32 octets with hunting-and-pecking in every group, and as
	// long as the group's hash with hash-to-element (32, 48, 64).
	KCK   []byte
	PMK   [PMKLen]byte
	PMKID [16]byte
}

// Exchange is one side of one SAE exchange: our commit (rand, mask,
// scalar, element) and, after Process, the keys. Not safe for concurrent
// use.
type Exchange struct {
	f        *field
	pwe      *Element
	rand     *bigmod.Nat
	scalar   []byte
	element  []byte
	rejected []byte // our Rejected Groups list (H2E), LE uint16s
	peerSc   []byte
	peerEl   []byte
	keys     Keys
	haveKeys bool
	sc       uint16 // send-confirm of our last Confirm
}

// NewExchange starts an exchange with password element pwe (its group is
// the exchange's): it draws rand and mask from rng with 1 < rand, mask < r
// and (rand + mask) mod r > 1, and computes our commit scalar and element
// (12.4.5.2):
//
//	commit-scalar  = (rand + mask) mod r
//	COMMIT-ELEMENT = inverse(mask * PWE)
func NewExchange(pwe *Element, rng io.Reader) (*Exchange, error) {
	f := newField(pwe.g)
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
// olen(r) octets), for the published test vectors.
func NewExchangeValues(pwe *Element, rand, mask []byte) (*Exchange, error) {
	f := newField(pwe.g)
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

// randScalar draws a scalar in (1, r) by rejection sampling: olen(r)
// random octets, the bits above len(r) cleared (P-521's order has 521
// bits in 66 octets), retried while not below r.
func randScalar(f *field, rng io.Reader) (*bigmod.Nat, error) {
	b := make([]byte, f.g.n)
	top := byte(0xff >> (8*f.g.n - f.g.curve.N.BitLen()))
	for {
		if _, err := io.ReadFull(rng, b); err != nil {
			return nil, err
		}
		b[0] &= top
		n, err := bigmod.NewNat().SetBytes(b, f.r)
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

func newExchange(f *field, pwe *Element, r, m *bigmod.Nat) (*Exchange, error) {
	sc := bigmod.NewNat().ExpandFor(f.r).Add(r, f.r).Add(m, f.r)
	scalar := sc.Bytes(f.r)
	if smallScalar(scalar) {
		return nil, ErrScalar
	}
	ops := f.g.ops
	me, err := ops.mult(pwe.p, m.Bytes(f.r))
	if err != nil {
		return nil, err
	}
	el := ops.encode(ops.negate(me))
	if len(el) != 1+2*f.g.n {
		return nil, ErrElement // mask * PWE was the identity
	}
	return &Exchange{f: f, pwe: pwe, rand: r, scalar: scalar, element: el[1:]}, nil
}

// Group returns the exchange's finite cyclic group.
func (x *Exchange) Group() uint16 { return x.f.g.group }

// SetRejectedGroups records the groups the peer refused (status 77) before
// this exchange, for hash-to-element (12.4.4.2.3, 12.4.5.4): our Commit
// carries them in a Rejected Groups element and they are the salt of
// keyseed, so a downgrade shows as a Confirm that does not verify. Call it
// before Commit and Process; ignored with hunting-and-pecking.
func (x *Exchange) SetRejectedGroups(groups []uint16) {
	x.rejected = x.rejected[:0]
	if !x.pwe.h2e {
		return
	}
	for _, g := range groups {
		x.rejected = binary.LittleEndian.AppendUint16(x.rejected, g)
	}
}

// Commit returns our commit (token set by the caller).
func (x *Exchange) Commit() Commit {
	return Commit{Group: x.f.g.group, Scalar: x.scalar, Element: x.element, RejectedGroups: x.rejected}
}

// hashes returns the KDF hash and its length: SHA-256 with
// hunting-and-pecking in every group, the group's hash with
// hash-to-element (12.4.5.4; hostapd 2.10 sae_derive_keys).
func (x *Exchange) hashes() (func() hash.Hash, int) {
	if x.pwe.h2e {
		return x.f.g.hash, x.f.g.hash().Size()
	}
	return sha256.New, sha256.Size
}

// Process takes the peer's commit, checks it and derives the keys
// (12.4.5.4), H the KDF hash (hashes) of length hl:
//
//	K       = rand * (peer-commit-scalar * PWE + PEER-COMMIT-ELEMENT)
//	keyseed = HMAC-H(salt, K.x), salt 0^hl or the Rejected Groups list (H2E)
//	KCK || PMK = KDF-H-(8 hl + 256)(keyseed, "SAE KCK and PMK", (commit-scalar + peer-commit-scalar) mod r)
//	PMKID   = the first 16 octets of that context
//
// A commit the peer repeats (same scalar and element) is accepted again and
// yields the same keys.
func (x *Exchange) Process(c *Commit) error {
	f, g := x.f, x.f.g
	if c.Group != g.group {
		return ErrGroup
	}
	if len(c.Scalar) != g.n || len(c.Element) != 2*g.n {
		return ErrMalformed
	}
	ps, err := bigmod.NewNat().SetBytes(c.Scalar, f.r)
	if err != nil || smallScalar(c.Scalar) {
		return ErrScalar
	}
	pe, err := g.point(c.Element[:g.n], c.Element[g.n:])
	if err != nil {
		return ErrElement
	}
	if subtle.ConstantTimeCompare(c.Scalar, x.scalar) == 1 && subtle.ConstantTimeCompare(c.Element, x.element) == 1 {
		return ErrReflection
	}
	t, err := g.ops.mult(x.pwe.p, c.Scalar)
	if err != nil {
		return err
	}
	k, err := g.ops.mult(g.ops.add(t, pe), x.rand.Bytes(f.r))
	if err != nil {
		return err
	}
	kx, err := g.ops.x(k)
	if err != nil {
		return ErrElement // K is the identity: refuse (12.4.5.4)
	}
	h, hl := x.hashes()
	salt := make([]byte, hl)
	switch {
	case !x.pwe.h2e:
	case len(x.rejected) > 0:
		salt = x.rejected
	case len(c.RejectedGroups) > 0:
		salt = c.RejectedGroups
	}
	m := hmac.New(h, salt)
	m.Write(kx)
	keyseed := m.Sum(nil)
	ctx := bigmod.NewNat().ExpandFor(f.r).Add(ps, f.r)
	own, _ := bigmod.NewNat().SetBytes(x.scalar, f.r)
	context := ctx.Add(own, f.r).Bytes(f.r)
	out, err := prf.KDF(h, keyseed, "SAE KCK and PMK", context, 8*(hl+PMKLen))
	if err != nil {
		return err
	}
	x.keys.KCK = append(x.keys.KCK[:0], out[:hl]...)
	copy(x.keys.PMK[:], out[hl:])
	copy(x.keys.PMKID[:], context[:16])
	x.peerSc = append(x.peerSc[:0], c.Scalar...)
	x.peerEl = append(x.peerEl[:0], c.Element...)
	x.haveKeys = true
	return nil
}

// ConfirmLen returns the length of the confirm value this exchange sends
// and expects: the KCK's (12.4.5.5).
func (x *Exchange) ConfirmLen() int {
	_, hl := x.hashes()
	return hl
}

// confirmValue is CN (12.4.5.5): HMAC-H(KCK, send-confirm || scalar1 ||
// element1 || scalar2 || element2), H the KDF hash.
func (x *Exchange) confirmValue(sc uint16, s1, e1, s2, e2 []byte) []byte {
	h, _ := x.hashes()
	m := hmac.New(h, x.keys.KCK)
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
// constant time. A confirm value of the wrong length is ErrMalformed.
func (x *Exchange) Verify(c *Confirm) error {
	if !x.haveKeys {
		return ErrState
	}
	if len(c.Confirm) != x.ConfirmLen() {
		return ErrMalformed
	}
	want := x.confirmValue(c.SendConfirm, x.peerSc, x.peerEl, x.scalar, x.element)
	if subtle.ConstantTimeCompare(want, c.Confirm) != 1 {
		return ErrConfirm
	}
	return nil
}

// Keys returns KCK, PMK and PMKID once Process succeeded.
func (x *Exchange) Keys() (Keys, bool) { return x.keys, x.haveKeys }
