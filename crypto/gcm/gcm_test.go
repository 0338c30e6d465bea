package gcm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// The GCM specification's (McGrew and Viega) test cases 2, 4 and 16, with
// 96-bit IVs, the nonce size GCMP uses.
var vectors = []struct{ key, iv, pt, aad, ct, tag string }{
	{"00000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "",
		"0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf"},
	{"feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
		"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
		"feedfacedeadbeeffeedfacedeadbeefabaddad2",
		"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
		"5bc94fbc3221a5db94fae95ae7121a47"},
	{"feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
		"d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
		"feedfacedeadbeeffeedfacedeadbeefabaddad2",
		"522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
		"76fc6ece0f4e1768cddf8853bb2d551b"},
}

func TestVectors(t *testing.T) {
	for i, v := range vectors {
		a, err := New(unhex(v.key))
		if err != nil {
			t.Fatal(err)
		}
		want := unhex(v.ct + v.tag)
		got := a.Seal(nil, unhex(v.iv), unhex(v.pt), unhex(v.aad))
		if !bytes.Equal(got, want) {
			t.Fatalf("case %d: Seal = %x; want %x", i, got, want)
		}
		pt, err := a.Open(nil, unhex(v.iv), want, unhex(v.aad))
		if err != nil || !bytes.Equal(pt, unhex(v.pt)) {
			t.Fatalf("case %d: Open = %x, %v", i, pt, err)
		}
		want[0] ^= 1
		if _, err := a.Open(nil, unhex(v.iv), want, unhex(v.aad)); !errors.Is(err, ErrOpen) {
			t.Fatalf("case %d: corrupted Open = %v", i, err)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := New(make([]byte, 24)); !errors.Is(err, ErrKeySize) {
		t.Fatalf("24-byte key: %v", err)
	}
	a, _ := New(make([]byte, 16))
	if _, err := a.Open(nil, make([]byte, 13), make([]byte, 32), nil); !errors.Is(err, ErrNonceSize) {
		t.Fatalf("13-byte nonce: %v", err)
	}
	if _, err := a.Open(nil, make([]byte, 12), make([]byte, 15), nil); !errors.Is(err, ErrOpen) {
		t.Fatalf("short message: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(unhex(vectors[1].iv), unhex(vectors[1].ct+vectors[1].tag), unhex(vectors[1].aad))
	f.Add([]byte{}, []byte{}, []byte{})
	a, _ := New(unhex(vectors[1].key))
	f.Fuzz(func(t *testing.T, nonce, ct, aad []byte) {
		if pt, err := a.Open(nil, nonce, ct, aad); err == nil && len(pt) != len(ct)-TagSize {
			t.Fatalf("Open returned %d bytes for a %d-byte message", len(pt), len(ct))
		}
	})
}

func BenchmarkSeal1500(b *testing.B) {
	a, _ := New(make([]byte, 16))
	nonce, aad := make([]byte, NonceSize), make([]byte, 22)
	buf := make([]byte, 1500+TagSize)
	b.SetBytes(1500)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		a.Seal(buf[:0], nonce, buf[:1500], aad)
	}
}
