package sae

import (
	"crypto/rand"
	"fmt"
	"testing"
)

// BenchmarkPWEHuntAndPeck: one hunting-and-pecking derivation (40 rounds)
// per group.
func BenchmarkPWEHuntAndPeck(b *testing.B) {
	ma, mb := []byte{2, 0, 0, 0, 0, 1}, []byte{2, 0, 0, 0, 0, 2}
	for _, g := range Groups() {
		b.Run(fmt.Sprint(g), func(b *testing.B) {
			for b.Loop() {
				if _, err := PWEHuntAndPeck(g, []byte("the right passphrase"), nil, ma, mb); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDerivePT: the hash-to-element PT (two SSWU maps, one addition)
// per group.
func BenchmarkDerivePT(b *testing.B) {
	for _, g := range Groups() {
		b.Run(fmt.Sprint(g), func(b *testing.B) {
			for b.Loop() {
				if _, err := DerivePT(g, []byte("gopkt-wlan"), []byte("the right passphrase"), nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExchange: one side's commit, the peer commit's processing and
// both confirms, with the PWE given (H2E's per-AP cost is PWEFromPT plus
// this).
func BenchmarkExchange(b *testing.B) {
	ma, mb := []byte{2, 0, 0, 0, 0, 1}, []byte{2, 0, 0, 0, 0, 2}
	pwe, err := PWEHuntAndPeck(Group19, []byte("the right passphrase"), nil, ma, mb)
	if err != nil {
		b.Fatal(err)
	}
	peer, err := NewExchange(pwe, rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	pc := peer.Commit()
	for b.Loop() {
		x, err := NewExchange(pwe, rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		if err := x.Process(&pc); err != nil {
			b.Fatal(err)
		}
		if _, err := x.Confirm(1); err != nil {
			b.Fatal(err)
		}
	}
}
