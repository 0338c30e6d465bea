package wep

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/gopkt/gopkt/crypto/rc4"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// IEEE P802.11i/D7.0 I.7.2 (carried into 802.11-2016 annex J/M as the WEP
// encapsulation example): key 30 31 32 33 34, IV fb 02 9e (KeyID 2).
var (
	vecIV    = [3]byte{0xfb, 0x02, 0x9e}
	vecKey   = unhex("30 31 32 33 34")
	vecPlain = unhex("aa aa 03 00 00 00 08 00 45 00 00 4e 66 1a 00 00 80 11 be 64 0a 00 01 22" +
		"0a ff ff ff 00 89 00 89 00 3a 00 00 80 a6 01 10 00 01 00 00 00 00 00 00" +
		"20 45 43 45 4a 45 48 45 43 46 43 45 50 46 45 45 49 45 46 46 43 43 41 43" +
		"41 43 41 43 41 43 41 41 41 00 00 20 00 01")
	vecPlainICV = unhex("1b d0 b6 04")
	vecCipher   = unhex("f6 9c 58 06 bd 6c e8 46 26 bc be fb 94 74 65 0a ad 1f 79 09 b0 f6 4d 5f 58 a5" +
		"03 a2 58 b7 ed 22 eb 0e a6 49 30 d3 a0 56 a5 57 42 fc ce 14 1d 48 5f 8a a8 36" +
		"de a1 8d f4 2c 53 80 80 5a d0 c6 1a 5d 6f 58 f4 10 40 b2 4b 7d 1a 69 38 56 ed" +
		"0d 43 98 e7 ae e3 bf 0e")
	vecICV = unhex("2a 2c a8 f7")
)

func TestVector(t *testing.T) {
	var buf [16]byte
	seed, err := Seed(&buf, vecIV, vecKey)
	if err != nil {
		t.Fatal(err)
	}
	var c rc4.Cipher
	data := append([]byte(nil), vecPlain...)
	icv := make([]byte, ICVSize)
	if err := Encrypt(&c, seed, data, icv); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, vecCipher) || !bytes.Equal(icv, vecICV) {
		t.Fatalf("Encrypt:\n got %x %x\nwant %x %x", data, icv, vecCipher, vecICV)
	}
	if err := Decrypt(&c, seed, data, icv); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, vecPlain) || !bytes.Equal(icv, vecPlainICV) {
		t.Fatalf("Decrypt: got %x icv %x", data, icv)
	}
}

func TestDecryptRejects(t *testing.T) {
	var buf [16]byte
	seed, _ := Seed(&buf, vecIV, vecKey)
	var c rc4.Cipher
	for i := 0; i < len(vecCipher)+ICVSize; i++ {
		data := append([]byte(nil), vecCipher...)
		icv := append([]byte(nil), vecICV...)
		if i < len(data) {
			data[i] ^= 0x40
		} else {
			icv[i-len(data)] ^= 0x40
		}
		if err := Decrypt(&c, seed, data, icv); !errors.Is(err, ErrICV) {
			t.Fatalf("flipped byte %d: %v; want ErrICV", i, err)
		}
	}
	if _, err := Seed(&buf, vecIV, make([]byte, 6)); !errors.Is(err, ErrKeySize) {
		t.Fatalf("6-byte key: %v", err)
	}
	if err := Decrypt(&c, seed, vecCipher, vecICV[:3]); !errors.Is(err, ErrICVSize) {
		t.Fatalf("3-byte ICV: %v", err)
	}
}

// FuzzDecrypt: arbitrary ciphertext and ICV never panic, and what we
// encrypt always decrypts.
func FuzzDecrypt(f *testing.F) {
	f.Add(vecCipher, vecICV)
	f.Add([]byte{}, []byte{1, 2, 3, 4})
	f.Add([]byte{1}, []byte{1})
	var buf [16]byte
	seed, _ := Seed(&buf, vecIV, vecKey)
	f.Fuzz(func(t *testing.T, data, icv []byte) {
		var c rc4.Cipher
		_ = Decrypt(&c, seed, append([]byte(nil), data...), append([]byte(nil), icv...))
		d := append([]byte(nil), data...)
		v := make([]byte, ICVSize)
		if err := Encrypt(&c, seed, d, v); err != nil {
			t.Fatal(err)
		}
		if err := Decrypt(&c, seed, d, v); err != nil || !bytes.Equal(d, data) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
