package ccm

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// SealPair and OpenPair must give exactly what two single calls give, for
// every combination of lengths (equal, unequal, empty, partial blocks),
// keys (shared or not, all sizes) and tag sizes, and a corrupted message
// must fail alone.
func TestPairMatchesSingle(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	lens := []int{0, 1, 15, 16, 17, 32, 100, 1500, 1504, 2304}
	for i := range 300 {
		keyLen := []int{16, 16, 32, 24}[i%4]
		k1, k2 := make([]byte, keyLen), make([]byte, keyLen)
		fill(rng, k1)
		fill(rng, k2)
		a1, _ := New(k1, 8+8*(i%2))
		a2 := a1
		if i%3 != 0 {
			a2, _ = New(k2, 8)
		}
		mk := func(a *AEAD, n int) (*Msg, []byte) {
			pt := make([]byte, n)
			fill(rng, pt)
			m := &Msg{Nonce: make([]byte, NonceSize), AAD: make([]byte, rng.IntN(40)), Data: append([]byte(nil), pt...), Tag: make([]byte, a.Overhead())}
			fill(rng, m.Nonce)
			fill(rng, m.AAD)
			return m, pt
		}
		n1, n2 := lens[rng.IntN(len(lens))], lens[rng.IntN(len(lens))]
		if i%5 == 0 {
			n2 = n1
		}
		m1, p1 := mk(a1, n1)
		m2, p2 := mk(a2, n2)
		if e1, e2 := SealPair(a1, m1, a2, m2); e1 != nil || e2 != nil {
			t.Fatalf("case %d: SealPair: %v, %v", i, e1, e2)
		}
		for j, c := range []struct {
			a  *AEAD
			m  *Msg
			pt []byte
		}{{a1, m1, p1}, {a2, m2, p2}} {
			want := c.a.Seal(nil, c.m.Nonce, c.pt, c.m.AAD)
			if got := append(append([]byte{}, c.m.Data...), c.m.Tag...); !bytes.Equal(got, want) {
				t.Fatalf("case %d lane %d (lens %d/%d): SealPair differs from Seal", i, j+1, n1, n2)
			}
		}
		bad := i%4 == 1 && n2 > 0
		if bad {
			m2.Data[rng.IntN(n2)] ^= 0x20
		}
		e1, e2 := OpenPair(a1, m1, a2, m2)
		if e1 != nil || !bytes.Equal(m1.Data, p1) {
			t.Fatalf("case %d: lane 1 OpenPair = %v", i, e1)
		}
		if bad {
			if !errors.Is(e2, ErrOpen) || bytes.Count(m2.Data, []byte{0}) != n2 {
				t.Fatalf("case %d: corrupted lane 2: %v", i, e2)
			}
		} else if e2 != nil || !bytes.Equal(m2.Data, p2) {
			t.Fatalf("case %d: lane 2 OpenPair = %v (lens %d/%d)", i, e2, n1, n2)
		}
	}
}

func TestPairRejectsBadMessages(t *testing.T) {
	a, _ := New(make([]byte, 16), 8)
	good := func() *Msg {
		return &Msg{Nonce: make([]byte, 13), Data: make([]byte, 40), Tag: make([]byte, 8)}
	}
	bad := good()
	bad.Nonce = bad.Nonce[:12]
	if e1, e2 := SealPair(a, good(), a, bad); e1 != nil || !errors.Is(e2, ErrNonceSize) {
		t.Fatalf("SealPair with a short nonce: %v, %v", e1, e2)
	}
	m := good()
	SealPair(a, m, a, good())
	short := good()
	short.Tag = short.Tag[:4]
	if e1, e2 := OpenPair(a, m, a, short); e1 != nil || !errors.Is(e2, ErrOpen) {
		t.Fatalf("OpenPair with a short tag: %v, %v", e1, e2)
	}
}

func benchPair(b *testing.B, open bool) {
	a, _ := New(make([]byte, 16), 8)
	mk := func() (*Msg, []byte) {
		m := &Msg{Nonce: make([]byte, 13), AAD: make([]byte, 22), Data: make([]byte, 1500), Tag: make([]byte, 8)}
		SealPair(a, m, a, &Msg{Nonce: make([]byte, 13), Data: make([]byte, 16), Tag: make([]byte, 8)})
		return m, append(append([]byte{}, m.Data...), m.Tag...)
	}
	m1, c1 := mk()
	m2, c2 := mk()
	b.SetBytes(2 * 1500)
	b.ReportAllocs()
	for range b.N {
		if open {
			copy(m1.Data, c1)
			copy(m2.Data, c2)
			if e1, e2 := OpenPair(a, m1, a, m2); e1 != nil || e2 != nil {
				b.Fatal(e1, e2)
			}
		} else {
			SealPair(a, m1, a, m2)
		}
	}
}

func BenchmarkSealPair1500(b *testing.B) { benchPair(b, false) }
func BenchmarkOpenPair1500(b *testing.B) { benchPair(b, true) }
