package ccm

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// RFC 3610, section 8: packet vectors. "out" is the encrypted payload
// followed by the MIC (the packet minus its cleartext header).
var rfc3610Vectors = []struct {
	name, key, nonce, aad, pt, out string
	tag                            int
}{
	{"packet 1", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000003020100a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
		"588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0", 8},
	{"packet 2", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000004030201a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"72c91a36e135f8cf291ca894085c87e3cc15c439c9e43a3ba091d56e10400916", 8},
	{"packet 3", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000005040302a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
		"51b1e5f44a197d1da46b0f8e2d282ae871e838bb64da8596574adaa76fbd9fb0c5", 8},
	{"packet 4", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000006050403a0a1a2a3a4a5", "000102030405060708090a0b",
		"0c0d0e0f101112131415161718191a1b1c1d1e",
		"a28c6865939a9a79faaa5c4c2a9d4a91cdac8c96c861b9c9e61ef1", 8},
	{"packet 7", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000009080706a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
		"0135d1b2c95f41d5d1d4fec185d166b8094e999dfed96c048c56602c97acbb7490", 10},
	{"packet 8", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "0000000a090807a0a1a2a3a4a5", "0001020304050607",
		"08090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"7b75399ac0831dd2f0bbd75879a2fd8f6cae6b6cd9b7db24c17b4433f434963f34b4", 10},
	{"packet 12", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "0000000e0d0c0ba0a1a2a3a4a5", "000102030405060708090a0b",
		"0c0d0e0f101112131415161718191a1b1c1d1e1f20",
		"c0ffa0d6f05bdb67f24d43a4338d2aa4bed7b20e43cd1aa31662e7ad65d6db", 10},
	{"packet 13", "d7828d13b2b0bdc325a76236df93cc6b", "00412b4ea9cdbe3c9696766cfa", "0be1a88bace018b1",
		"08e8cf97d820ea258460e96ad9cf5289054d895ceac47c",
		"4cb97f86a2a4689a877947ab8091ef5386a6ffbdd080f8e78cf7cb0cddd7b3", 8},
	{"packet 18", "d7828d13b2b0bdc325a76236df93cc6b", "00d560912d3f703c9696766cfa", "cd9044d2b71fdb8120ea60c0",
		"6435acbafb11a82e2f071d7ca4a5ebd93a803ba87f",
		"009769ecabdf48625594c59251e6035722675e04c847099e5ae0704551", 8},
}

// impls returns the implementations this build can run: always the
// portable one, and the assembly when the CPU supports it.
func impls() []bool {
	if haveAsm() {
		return []bool{false, true}
	}
	return []bool{false}
}

func implName(asm bool) string {
	if asm {
		return "asm"
	}
	return "generic"
}

func TestRFC3610(t *testing.T) {
	for _, asm := range impls() {
		for _, v := range rfc3610Vectors {
			t.Run(implName(asm)+"/"+v.name, func(t *testing.T) {
				a, err := newAEAD(unhex(t, v.key), v.tag, asm)
				if err != nil {
					t.Fatal(err)
				}
				nonce, aad, pt, want := unhex(t, v.nonce), unhex(t, v.aad), unhex(t, v.pt), unhex(t, v.out)
				got := a.Seal(nil, nonce, pt, aad)
				if !bytes.Equal(got, want) {
					t.Fatalf("Seal:\n got %x\nwant %x", got, want)
				}
				back, err := a.Open(nil, nonce, want, aad)
				if err != nil || !bytes.Equal(back, pt) {
					t.Fatalf("Open = %x, %v; want %x", back, err, pt)
				}
				// In place, both directions.
				buf := append([]byte(nil), pt...)
				buf = append(buf, make([]byte, v.tag)...)[:len(pt)]
				sealed := a.Seal(buf[:0], nonce, buf, aad)
				if !bytes.Equal(sealed, want) || &sealed[0] != &buf[0] {
					t.Fatalf("in-place Seal = %x", sealed)
				}
				opened, err := a.Open(sealed[:0], nonce, sealed, aad)
				if err != nil || !bytes.Equal(opened, pt) {
					t.Fatalf("in-place Open = %x, %v", opened, err)
				}
			})
		}
	}
}

func TestOpenRejects(t *testing.T) {
	v := rfc3610Vectors[0]
	for _, asm := range impls() {
		a, _ := newAEAD(unhex(t, v.key), v.tag, asm)
		nonce, aad, ct := unhex(t, v.nonce), unhex(t, v.aad), unhex(t, v.out)
		for i := range ct {
			bad := append([]byte(nil), ct...)
			bad[i] ^= 0x01
			dst := make([]byte, 0, len(ct))
			if out, err := a.Open(dst, nonce, bad, aad); !errors.Is(err, ErrOpen) || out != nil {
				t.Fatalf("%s: flipped byte %d: Open = %x, %v; want ErrOpen", implName(asm), i, out, err)
			}
			if bytes.Count(dst[:cap(dst)], []byte{0}) != cap(dst) {
				t.Fatalf("%s: plaintext not cleared after a failed Open", implName(asm))
			}
		}
		badAAD := append([]byte(nil), aad...)
		badAAD[0] ^= 0x80
		if _, err := a.Open(nil, nonce, ct, badAAD); !errors.Is(err, ErrOpen) {
			t.Fatalf("modified AAD: %v", err)
		}
		if _, err := a.Open(nil, nonce[:12], ct, aad); !errors.Is(err, ErrNonceSize) {
			t.Fatalf("short nonce: %v", err)
		}
		if _, err := a.Open(nil, nonce, ct[:7], aad); !errors.Is(err, ErrOpen) {
			t.Fatalf("short ciphertext: %v", err)
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		key, tag int
		want     error
	}{
		{15, 8, ErrKeySize}, {0, 8, ErrKeySize}, {16, 3, ErrTagSize}, {16, 7, ErrTagSize},
		{16, 18, ErrTagSize}, {16, 0, ErrTagSize},
	}
	for _, tt := range tests {
		_, err := New(make([]byte, tt.key), tt.tag)
		var oe *OpError
		if !errors.Is(err, tt.want) || !errors.As(err, &oe) || oe.Fix == "" {
			t.Errorf("New(%d-byte key, tag %d) = %v; want %v with a hint", tt.key, tt.tag, err, tt.want)
		}
	}
	for _, k := range []int{16, 24, 32} {
		for tag := 4; tag <= 16; tag += 2 {
			if _, err := New(make([]byte, k), tag); err != nil {
				t.Errorf("New(%d, %d): %v", k, tag, err)
			}
		}
	}
}

// TestKeyExpansion checks the Go key schedule feeding the assembly against
// crypto/aes by encrypting random blocks with both, for all key sizes, and
// the S-box against FIPS 197 figure 7 entries.
func TestKeyExpansion(t *testing.T) {
	for _, c := range [][2]byte{{0x00, 0x63}, {0x01, 0x7c}, {0x53, 0xed}, {0xff, 0x16}, {0x10, 0xca}} {
		if got := sbox(c[0]); got != c[1] {
			t.Errorf("sbox(%#02x) = %#02x; want %#02x", c[0], got, c[1])
		}
	}
	// FIPS 197 appendix A.1: the last round key of 2b7e1516... is d014f9a8c9ee2589e13f0cc8b6630ca6.
	var xk [maxRoundKeys]byte
	nr := expandKey(unhex(t, "2b7e151628aed2a6abf7158809cf4f3c"), &xk)
	if got := hex.EncodeToString(xk[16*nr : 16*nr+16]); nr != 10 || got != "d014f9a8c9ee2589e13f0cc8b6630ca6" {
		t.Fatalf("AES-128 last round key = %s (nr %d)", got, nr)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{16, 24, 32} {
		for range 50 {
			key := make([]byte, n)
			fill(rng, key)
			a, _ := newAEAD(key, 8, false)
			ref, _ := aes.NewCipher(key)
			var x, want [16]byte
			fill(rng, x[:])
			ref.Encrypt(want[:], x[:])
			if a.soft.encrypt(&x); x != want {
				t.Fatalf("key %x: portable AES differs from crypto/aes", key)
			}
		}
	}
	if !haveAsm() {
		t.Skip("no AES-NI on this CPU: the assembly path cannot run here")
	}
	for _, n := range []int{16, 24, 32} {
		for range 50 {
			key := make([]byte, n)
			fill(rng, key)
			a, _ := newAEAD(key, 8, true)
			ref, _ := aes.NewCipher(key)
			var x, y, wx, wy [16]byte
			fill(rng, x[:])
			fill(rng, y[:])
			ref.Encrypt(wx[:], x[:])
			ref.Encrypt(wy[:], y[:])
			a.encrypt2(&x, &y)
			if x != wx || y != wy {
				t.Fatalf("key %x: asm encrypt differs from crypto/aes", key)
			}
		}
	}
}

func fill(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}
