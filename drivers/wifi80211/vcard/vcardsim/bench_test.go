package vcardsim

import (
	"testing"

	"github.com/gopkt/gopkt/crypto/ccm"
)

// BenchmarkCCMP compares the key cache's CCMP engine (MPDU in, protected
// MPDU out: AAD and nonce from the header, CCMP header, MIC) with a bare
// crypto/ccm Seal/Open of the same 1500-byte body, in one run.
func BenchmarkCCMP(b *testing.B) {
	key := make([]byte, 16)
	a, err := ccm.New(key, 8)
	if err != nil {
		b.Fatal(err)
	}
	k := &slot{aead: a}
	hdr := []byte{0x88, 0x02, 0, 0, 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 2, 0x10, 0, 3, 0}
	plain := append(append([]byte(nil), hdr...), make([]byte, 1500)...)
	prot := make([]byte, len(plain)+16)
	out := make([]byte, len(prot))
	var nonce [13]byte
	aad := make([]byte, 24)
	b.Run("keycache-encrypt", func(b *testing.B) {
		b.SetBytes(1500)
		b.ReportAllocs()
		for i := range b.N {
			copy(prot, hdr)
			if encrypt(prot, plain[len(hdr):], len(hdr), k, uint64(i+1)) == 0 {
				b.Fatal("encrypt")
			}
		}
	})
	copy(prot, hdr)
	n := encrypt(prot, plain[len(hdr):], len(hdr), k, 7)
	b.Run("keycache-decrypt", func(b *testing.B) {
		b.SetBytes(1500)
		b.ReportAllocs()
		for range b.N {
			if decrypt(out, prot[:n], len(hdr), k, 7, false) == 0 {
				b.Fatal("decrypt")
			}
		}
	})
	b.Run("software-seal", func(b *testing.B) {
		b.SetBytes(1500)
		b.ReportAllocs()
		for range b.N {
			a.Seal(out[:0], nonce[:], plain[len(hdr):], aad)
		}
	})
	sealed := a.Seal(nil, nonce[:], plain[len(hdr):], aad)
	b.Run("software-open", func(b *testing.B) {
		b.SetBytes(1500)
		b.ReportAllocs()
		for range b.N {
			if _, err := a.Open(out[:0], nonce[:], sealed, aad); err != nil {
				b.Fatal(err)
			}
		}
	})
}
