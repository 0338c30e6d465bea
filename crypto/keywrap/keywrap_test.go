package keywrap

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

// RFC 3394 section 4.
var vectors = []struct{ name, kek, data, wrapped string }{
	{"4.1 128-bit data, 128-bit KEK", "000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
		"1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"},
	{"4.2 128-bit data, 192-bit KEK", "000102030405060708090a0b0c0d0e0f1011121314151617", "00112233445566778899aabbccddeeff",
		"96778b25ae6ca435f92b5b97c050aed2468ab8a17ad84e5d"},
	{"4.3 128-bit data, 256-bit KEK", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "00112233445566778899aabbccddeeff",
		"64e8c3f9ce0f5ba263e9777905818a2a93c8191e7d6e8ae7"},
	{"4.5 192-bit data, 256-bit KEK", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"00112233445566778899aabbccddeeff0001020304050607",
		"a8f9bc1612c68b3ff6e6f4fbe30e71e4769c8b80a32cb8958cd5d17d6b254da1"},
	{"4.6 256-bit data, 256-bit KEK", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
		"28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21"},
}

func TestRFC3394(t *testing.T) {
	for _, v := range vectors {
		got, err := Wrap(unhex(v.kek), unhex(v.data))
		if err != nil || hex.EncodeToString(got) != v.wrapped {
			t.Errorf("%s: Wrap = %x, %v", v.name, got, err)
		}
		back, err := Unwrap(unhex(v.kek), unhex(v.wrapped))
		if err != nil || !bytes.Equal(back, unhex(v.data)) {
			t.Errorf("%s: Unwrap = %x, %v", v.name, back, err)
		}
		bad := unhex(v.wrapped)
		bad[len(bad)-1] ^= 1
		if _, err := Unwrap(unhex(v.kek), bad); !errors.Is(err, ErrUnwrap) {
			t.Errorf("%s: corrupted Unwrap = %v", v.name, err)
		}
	}
}

func TestErrors(t *testing.T) {
	kek := make([]byte, 16)
	for _, n := range []int{0, 8, 15, 17} {
		if _, err := Wrap(kek, make([]byte, n)); !errors.Is(err, ErrLength) {
			t.Errorf("Wrap(%d bytes) = %v", n, err)
		}
	}
	for _, n := range []int{0, 8, 16, 23, 25} {
		if _, err := Unwrap(kek, make([]byte, n)); !errors.Is(err, ErrUnwrap) {
			t.Errorf("Unwrap(%d bytes) = %v", n, err)
		}
	}
	if _, err := Unwrap(make([]byte, 5), make([]byte, 24)); !errors.Is(err, ErrKeySize) {
		t.Errorf("5-byte KEK: %v", err)
	}
}

// FuzzUnwrap: garbage returns ErrUnwrap (or, astronomically rarely, key
// data that rewraps to the same bytes), never a panic.
func FuzzUnwrap(f *testing.F) {
	for _, v := range vectors {
		f.Add(unhex(v.kek)[:16], unhex(v.wrapped))
	}
	f.Add(make([]byte, 16), []byte{})
	f.Add(make([]byte, 16), make([]byte, 23))
	f.Fuzz(func(t *testing.T, kek, ct []byte) {
		out, err := Unwrap(kek, ct)
		if err != nil {
			if !errors.Is(err, ErrUnwrap) && !errors.Is(err, ErrKeySize) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		again, err := Wrap(kek, out)
		if err != nil || !bytes.Equal(again, ct) {
			t.Fatalf("accepted ciphertext does not rewrap: %v", err)
		}
	})
}
