package soft

import (
	"errors"

	"github.com/gopkt/gopkt/crypto"
	"github.com/gopkt/gopkt/crypto/ccm"
)

// runBatch processes ops in submission order, except that CCMP ops are
// grouped per direction and run four at a time (ccm.SealQuad/OpenQuad:
// VAES, two messages per 256-bit register) or two at a time
// (ccm.SealPair/OpenPair) for the remainder. That is what a batch buys a
// software engine: a single frame's CBC-MAC chain is latency-bound and
// leaves most of the AES hardware idle.
func runBatch(ops []*crypto.Op, c *counts) {
	var group [2][4]*crypto.Op // CCMP ops waiting for partners, per Dir
	var n [2]int
	for _, op := range ops {
		if s := pairableCCMP(op); s != nil {
			d := op.Dir - crypto.Encrypt
			group[d][n[d]] = op
			if n[d]++; n[d] == 4 {
				runQuad(&group[d], c)
				n[d] = 0
			}
			continue
		}
		c.add(op, process(op))
	}
	for d := range group {
		g := group[d][:n[d]]
		if len(g) >= 2 {
			e1, e2 := runPair(g[0], g[1])
			c.add(g[0], e1)
			c.add(g[1], e2)
			g = g[2:]
		}
		for _, op := range g {
			c.add(op, process(op))
		}
	}
}

// runQuad runs four CCMP ops of the same direction together.
func runQuad(g *[4]*crypto.Op, c *counts) {
	var a [4]*ccm.AEAD
	var msgs [4]ccm.Msg
	var m [4]*ccm.Msg
	for i, op := range g {
		a[i] = op.Session.(*ccmSession).aead
		msgs[i] = ccm.Msg{Nonce: op.Nonce, AAD: op.AAD, Data: op.Data, Tag: op.Tag}
		m[i] = &msgs[i]
	}
	var errs [4]error
	if g[0].Dir == crypto.Encrypt {
		errs = ccm.SealQuad(&a, &m)
	} else {
		errs = ccm.OpenQuad(&a, &m)
		for i := range errs {
			errs[i] = ccmOpenErr(errs[i])
		}
	}
	for i, op := range g {
		c.add(op, errs[i])
	}
}

// pairableCCMP returns op's CCMP session if op is a well-formed CCMP op on
// an open software session; anything else takes the ordinary path, which
// reports the error.
func pairableCCMP(op *crypto.Op) *ccmSession {
	s, ok := op.Session.(*ccmSession)
	if !ok || s.closed.Load() || crypto.CheckOp(op, s.alg) != nil {
		return nil
	}
	return s
}

// runPair runs two CCMP ops of the same direction together.
func runPair(o1, o2 *crypto.Op) (error, error) {
	s1, s2 := o1.Session.(*ccmSession), o2.Session.(*ccmSession)
	m1 := ccm.Msg{Nonce: o1.Nonce, AAD: o1.AAD, Data: o1.Data, Tag: o1.Tag}
	m2 := ccm.Msg{Nonce: o2.Nonce, AAD: o2.AAD, Data: o2.Data, Tag: o2.Tag}
	if o1.Dir == crypto.Encrypt {
		return ccm.SealPair(s1.aead, &m1, s2.aead, &m2)
	}
	e1, e2 := ccm.OpenPair(s1.aead, &m1, s2.aead, &m2)
	return ccmOpenErr(e1), ccmOpenErr(e2)
}

// ccmOpenErr maps ccm's verification failure to crypto.ErrAuth.
func ccmOpenErr(err error) error {
	if errors.Is(err, ccm.ErrOpen) {
		return crypto.ErrAuth
	}
	return err
}
