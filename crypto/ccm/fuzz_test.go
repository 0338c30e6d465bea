package ccm

import (
	"bytes"
	"testing"
)

// FuzzOpen feeds arbitrary nonces, ciphertexts and AAD to Open: it must
// return an error or a plaintext, never panic, and the assembly and the
// portable path must agree. Messages we seal ourselves must round-trip.
func FuzzOpen(f *testing.F) {
	for _, v := range rfc3610Vectors {
		f.Add(unhexF(v.nonce), unhexF(v.out), unhexF(v.aad))
	}
	f.Add([]byte{}, []byte{}, []byte{})
	f.Add(make([]byte, 13), make([]byte, 7), []byte{1})
	key := unhexF(rfc3610Vectors[0].key)
	gen, _ := newAEAD(key, 8, false)
	fast, _ := New(key, 8)
	f.Fuzz(func(t *testing.T, nonce, ct, aad []byte) {
		p1, e1 := gen.Open(nil, nonce, ct, aad)
		p2, e2 := fast.Open(nil, nonce, ct, aad)
		if (e1 == nil) != (e2 == nil) || !bytes.Equal(p1, p2) {
			t.Fatalf("paths disagree: %v / %v", e1, e2)
		}
		if len(nonce) == NonceSize && len(ct) <= MaxMessage {
			sealed := fast.Seal(nil, nonce, ct, aad)
			back, err := gen.Open(nil, nonce, sealed, aad)
			if err != nil || !bytes.Equal(back, ct) {
				t.Fatalf("round trip failed: %v", err)
			}
		}
	})
}

func unhexF(s string) []byte {
	b := make([]byte, len(s)/2)
	for i := range b {
		b[i] = fromHex(s[2*i])<<4 | fromHex(s[2*i+1])
	}
	return b
}

func fromHex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// FuzzOpenPair: OpenPair and OpenQuad on arbitrary input must agree with
// Open and never panic.
func FuzzOpenPair(f *testing.F) {
	v1, v2 := rfc3610Vectors[0], rfc3610Vectors[2]
	f.Add(unhexF(v1.nonce), unhexF(v1.out), unhexF(v1.aad), unhexF(v2.nonce), unhexF(v2.out), unhexF(v2.aad))
	f.Add([]byte{}, []byte{}, []byte{}, make([]byte, 13), make([]byte, 40), []byte{})
	a, _ := New(unhexF(v1.key), 8)
	f.Fuzz(func(t *testing.T, n1, c1, aad1, n2, c2, aad2 []byte) {
		split := func(c []byte) *Msg {
			c = append([]byte(nil), c...)
			k := max(len(c)-8, 0)
			return &Msg{Data: c[:k], Tag: c[k:]}
		}
		m1, m2 := split(c1), split(c2)
		m1.Nonce, m1.AAD, m2.Nonce, m2.AAD = n1, aad1, n2, aad2
		_, w1 := a.Open(nil, n1, c1, aad1)
		_, w2 := a.Open(nil, n2, c2, aad2)
		m3, m4 := split(c1), split(c2)
		m3.Nonce, m3.AAD, m4.Nonce, m4.AAD = n1, aad1, n2, aad2
		e1, e2 := OpenPair(a, m1, a, m2)
		if (e1 == nil) != (w1 == nil) || (e2 == nil) != (w2 == nil) {
			t.Fatalf("OpenPair = %v, %v; Open = %v, %v", e1, e2, w1, w2)
		}
		m1, m2 = split(c1), split(c2)
		m1.Nonce, m1.AAD, m2.Nonce, m2.AAD = n1, aad1, n2, aad2
		q := OpenQuad(&[4]*AEAD{a, a, a, a}, &[4]*Msg{m1, m2, m3, m4})
		for i, w := range []error{w1, w2, w1, w2} {
			if (q[i] == nil) != (w == nil) {
				t.Fatalf("OpenQuad message %d = %v; Open = %v", i, q[i], w)
			}
		}
	})
}
