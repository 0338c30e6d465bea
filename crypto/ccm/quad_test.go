package ccm

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// quadPaths are the four-message implementations this machine can run:
// the VAES loop when the CPU has it, and always the pairwise fallback.
func quadPaths() []bool {
	if haveVAES() {
		return []bool{false, true}
	}
	return []bool{false}
}

// SealQuad and OpenQuad must match four Seal/Open calls for any mix of
// lengths, keys (shared, distinct, 128/192/256-bit) and tag sizes, and a
// corrupted message must fail alone.
func TestQuadMatchesSingle(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	lens := []int{0, 1, 15, 16, 17, 48, 100, 1500, 1504, 2304}
	for _, vaes := range quadPaths() {
		for i := range 200 {
			keyLen := []int{16, 16, 32, 24}[i%4]
			var a [4]*AEAD
			var m [4]*Msg
			var pts [4][]byte
			shared, _ := New(randBytes(rng, keyLen), 8)
			n0 := lens[rng.IntN(len(lens))]
			for j := range a {
				a[j] = shared
				if (i+j)%3 == 0 {
					a[j], _ = New(randBytes(rng, keyLen), 8+2*(j%5))
				}
				n := lens[rng.IntN(len(lens))]
				if i%4 == 0 {
					n = n0 // all equal: the whole message runs in the quad loop
				}
				pts[j] = randBytes(rng, n)
				m[j] = &Msg{Nonce: randBytes(rng, NonceSize), AAD: randBytes(rng, rng.IntN(40)),
					Data: append([]byte(nil), pts[j]...), Tag: make([]byte, a[j].Overhead())}
			}
			if errs := sealQuad(&a, &m, vaes); errs != [4]error{} {
				t.Fatalf("vaes=%v case %d: sealQuad: %v", vaes, i, errs)
			}
			for j := range m {
				want := a[j].Seal(nil, m[j].Nonce, pts[j], m[j].AAD)
				if got := append(append([]byte{}, m[j].Data...), m[j].Tag...); !bytes.Equal(got, want) {
					t.Fatalf("vaes=%v case %d message %d (len %d): sealQuad differs from Seal", vaes, i, j, len(pts[j]))
				}
			}
			bad := -1
			if i%3 == 1 {
				bad = rng.IntN(4)
				m[bad].Tag[0] ^= 0x80
			}
			errs := openQuad(&a, &m, vaes)
			for j := range m {
				if j == bad {
					if !errors.Is(errs[j], ErrOpen) || bytes.Count(m[j].Data, []byte{0}) != len(m[j].Data) {
						t.Fatalf("vaes=%v case %d: corrupted message %d: %v", vaes, i, j, errs[j])
					}
					continue
				}
				if errs[j] != nil || !bytes.Equal(m[j].Data, pts[j]) {
					t.Fatalf("vaes=%v case %d message %d: openQuad = %v", vaes, i, j, errs[j])
				}
			}
		}
	}
}

func TestQuadRejectsBadMessages(t *testing.T) {
	k, _ := New(make([]byte, 16), 8)
	a := [4]*AEAD{k, k, k, k}
	for _, vaes := range quadPaths() {
		var m [4]*Msg
		for j := range m {
			m[j] = &Msg{Nonce: make([]byte, 13), Data: make([]byte, 64), Tag: make([]byte, 8)}
		}
		m[2].Nonce = m[2].Nonce[:5]
		errs := sealQuad(&a, &m, vaes)
		if errs[0] != nil || errs[1] != nil || !errors.Is(errs[2], ErrNonceSize) || errs[3] != nil {
			t.Fatalf("vaes=%v: sealQuad with one short nonce = %v", vaes, errs)
		}
	}
}

func randBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	fill(rng, b)
	return b
}

func benchQuad(b *testing.B, open bool) {
	k, _ := New(make([]byte, 16), 8)
	a := [4]*AEAD{k, k, k, k}
	var m [4]*Msg
	var sealed [4][]byte
	for j := range m {
		m[j] = &Msg{Nonce: make([]byte, 13), AAD: make([]byte, 22), Data: make([]byte, 1500), Tag: make([]byte, 8)}
		m[j].Nonce[0] = byte(j)
	}
	SealQuad(&a, &m)
	for j := range m {
		sealed[j] = append(append([]byte{}, m[j].Data...), m[j].Tag...)
	}
	b.SetBytes(4 * 1500)
	b.ReportAllocs()
	for range b.N {
		if open {
			for j := range m {
				copy(m[j].Data, sealed[j][:1500])
				copy(m[j].Tag, sealed[j][1500:])
			}
			if errs := OpenQuad(&a, &m); errs != [4]error{} {
				b.Fatal(errs)
			}
		} else {
			SealQuad(&a, &m)
		}
	}
}

func BenchmarkSealQuad1500(b *testing.B) { benchQuad(b, false) }
func BenchmarkOpenQuad1500(b *testing.B) { benchQuad(b, true) }
