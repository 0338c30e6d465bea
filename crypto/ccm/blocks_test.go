package ccm

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestAsmMatchesGeneric cross-checks the AES-NI block loops against the
// portable ones on random keys, lengths, AAD sizes (both l(a) encodings)
// and in-place use, for every key size and a spread of tag sizes.
func TestAsmMatchesGeneric(t *testing.T) {
	if !haveAsm() {
		t.Skip("no AES-NI on this CPU: only the portable path exists here")
	}
	rng := rand.New(rand.NewPCG(7, 11))
	lengths := []int{0, 1, 15, 16, 17, 31, 32, 33, 100, 1500, 2304, 4096 + 7}
	aadLens := []int{0, 1, 14, 15, 22, 30, 200, 1<<16 - 1<<8 - 1, 1<<16 - 1<<8, 70000}
	for i := 0; i < 200; i++ {
		keyLen := []int{16, 24, 32}[i%3]
		tag := 4 + 2*(i%7)
		key := make([]byte, keyLen)
		fill(rng, key)
		gen, _ := newAEAD(key, tag, false)
		asm, _ := newAEAD(key, tag, true)
		n := lengths[i%len(lengths)]
		if i >= len(lengths)*3 {
			n = rng.IntN(3000)
		}
		aad := make([]byte, aadLens[i%len(aadLens)])
		fill(rng, aad)
		nonce := make([]byte, NonceSize)
		fill(rng, nonce)
		pt := make([]byte, n)
		fill(rng, pt)

		want := gen.Seal(nil, nonce, pt, aad)
		got := asm.Seal(nil, nonce, pt, aad)
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d (key %d, tag %d, len %d, aad %d): Seal differs", i, keyLen, tag, n, len(aad))
		}
		buf := append(append([]byte(nil), pt...), make([]byte, tag)...)
		inPlace := asm.Seal(buf[:0], nonce, buf[:n], aad)
		if !bytes.Equal(inPlace, want) {
			t.Fatalf("case %d: in-place Seal differs", i)
		}
		for _, a := range []*AEAD{gen, asm} {
			out, err := a.Open(nil, nonce, want, aad)
			if err != nil || !bytes.Equal(out, pt) {
				t.Fatalf("case %d asm=%v: Open = %v", i, a.asm, err)
			}
		}
		if n > 0 {
			bad := append([]byte(nil), want...)
			bad[rng.IntN(len(bad))] ^= byte(1 + rng.IntN(255))
			if _, err := asm.Open(nil, nonce, bad, aad); err == nil {
				t.Fatalf("case %d: asm Open accepted a corrupted message", i)
			}
		}
	}
}

// TestBlockLoopsContract checks the loop primitives directly, including the
// keystream block that openBlocks leaves for a partial tail.
func TestBlockLoopsContract(t *testing.T) {
	if !haveAsm() {
		t.Skip("no AES-NI on this CPU: only the portable path exists here")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, keyLen := range []int{16, 24, 32} {
		key := make([]byte, keyLen)
		fill(rng, key)
		gen, _ := newAEAD(key, 8, false)
		asm, _ := newAEAD(key, 8, true)
		for _, blocks := range []int{0, 1, 2, 3, 17, 94} {
			src := make([]byte, 16*blocks)
			fill(rng, src)
			var x0, c0 [16]byte
			fill(rng, x0[:])
			fill(rng, c0[:12])
			c0[15] = 1

			x1, c1, x2, c2 := x0, c0, x0, c0
			d1, d2 := make([]byte, len(src)), make([]byte, len(src))
			if blocks > 0 {
				gen.sealBlocks(&x1, &c1, d1, src)
				asm.sealBlocks(&x2, &c2, d2, src)
			}
			if x1 != x2 || c1 != c2 || !bytes.Equal(d1, d2) {
				t.Fatalf("key %d, %d blocks: sealBlocks differs", keyLen, blocks)
			}
			var k1, k2 [16]byte
			x1, c1, x2, c2 = x0, c0, x0, c0
			gen.openBlocks(&x1, &c1, &k1, d1, src)
			asm.openBlocks(&x2, &c2, &k2, d2, src)
			if x1 != x2 || c1 != c2 || k1 != k2 || !bytes.Equal(d1, d2) {
				t.Fatalf("key %d, %d blocks: openBlocks differs", keyLen, blocks)
			}
			x1, x2 = x0, x0
			gen.cbcMac(&x1, src)
			asm.cbcMac(&x2, src)
			if x1 != x2 {
				t.Fatalf("key %d, %d blocks: cbcMac differs", keyLen, blocks)
			}
		}
	}
}
