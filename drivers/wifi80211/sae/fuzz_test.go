package sae

import (
	"bytes"
	"crypto/rand"
	"testing"
)

// FuzzParse feeds arbitrary bodies to the Commit, Confirm and token-request
// parsers and, when a Commit parses, to Exchange.Process: errors only,
// never a panic; what parses re-encodes to a prefix-compatible body.
func FuzzParse(f *testing.F) {
	ma, mb := []byte{2, 0, 0, 0, 0, 1}, []byte{2, 0, 0, 0, 0, 2}
	pwe, err := PWEHuntAndPeck(Group19, []byte("fuzz passphrase"), nil, ma, mb)
	if err != nil {
		f.Fatal(err)
	}
	peer, err := NewExchange(pwe, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	c := peer.Commit()
	f.Add(AppendCommit(nil, &c, false), false)
	c.Token = []byte("token")
	f.Add(AppendCommit(nil, &c, true), true)
	f.Add([]byte{19, 0, 255, 4, 93, 1, 2, 3}, true)
	f.Add(AppendConfirm(nil, &Confirm{SendConfirm: 1, Confirm: make([]byte, 32)}), false)
	f.Add([]byte{19, 0}, false)
	for _, g := range []uint16{Group20, Group21} {
		p, err := PWEHuntAndPeck(g, []byte("fuzz passphrase"), nil, ma, mb)
		if err != nil {
			f.Fatal(err)
		}
		x, err := NewExchange(p, rand.Reader)
		if err != nil {
			f.Fatal(err)
		}
		x.SetRejectedGroups([]uint16{Group19})
		c := x.Commit()
		f.Add(AppendCommit(nil, &c, false), false)
		f.Add(AppendCommit(nil, &c, true), true)
		f.Add(AppendConfirm(nil, &Confirm{SendConfirm: 1, Confirm: make([]byte, HashLen(g))}), false)
	}
	f.Fuzz(func(t *testing.T, b []byte, h2e bool) {
		x, err := NewExchange(pwe, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		if c, err := ParseCommit(b, h2e, 0); err == nil {
			if n := ElementLen(c.Group); len(c.Scalar) != n || len(c.Element) != 2*n {
				t.Fatalf("commit fields of %d and %d octets", len(c.Scalar), len(c.Element))
			}
			if !bytes.HasPrefix(b, AppendCommit(nil, &Commit{Group: c.Group, Scalar: c.Scalar, Element: c.Element}, h2e)) {
				t.Fatal("commit does not re-encode")
			}
			if err := x.Process(&c); err == nil {
				cf, err := x.Confirm(1)
				if err != nil {
					t.Fatal(err)
				}
				_ = x.Verify(&cf) // our own confirm is not the peer's
			}
		}
		if cf, err := ParseConfirm(b); err == nil {
			if !bytes.Equal(AppendConfirm(nil, &cf), b) {
				t.Fatal("confirm does not re-encode")
			}
			if err := x.Verify(&cf); err != ErrState {
				t.Fatalf("confirm before keys: %v", err)
			}
		}
		_, _, _ = ParseTokenRequest(b, h2e)
	})
}
