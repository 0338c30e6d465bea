package rc4

import (
	stdrc4 "crypto/rc4"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"
)

// RFC 6229 section 2: keystream of the 40-bit key 0102030405 at offsets 0
// and 16.
func TestRFC6229(t *testing.T) {
	c, err := New([]byte{1, 2, 3, 4, 5})
	if err != nil {
		t.Fatal(err)
	}
	ks := make([]byte, 32)
	c.XORKeyStream(ks, ks)
	if got := hex.EncodeToString(ks); got != "b2396305f03dc027ccc3524a0a1118a86982944f18fc82d589c403a47a0d0919" {
		t.Fatalf("keystream = %s", got)
	}
}

// The standard library is the peer: same keystream for random keys and
// random split points, including after a Reset.
func TestMatchesStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var c Cipher
	for range 200 {
		key := make([]byte, 1+rng.IntN(32))
		for i := range key {
			key[i] = byte(rng.Uint32())
		}
		ref, _ := stdrc4.NewCipher(key)
		if err := c.Reset(key); err != nil {
			t.Fatal(err)
		}
		src := make([]byte, rng.IntN(600))
		want, got := make([]byte, len(src)), append([]byte(nil), src...)
		ref.XORKeyStream(want, src)
		cut := 0
		if len(src) > 0 {
			cut = rng.IntN(len(src))
		}
		c.XORKeyStream(got[:cut], got[:cut])
		c.XORKeyStream(got[cut:], got[cut:])
		if string(got) != string(want) {
			t.Fatalf("key %x: keystream differs from crypto/rc4", key)
		}
	}
}

func TestKeySize(t *testing.T) {
	var c Cipher
	for _, n := range []int{0, 257} {
		if err := c.Reset(make([]byte, n)); !errors.Is(err, ErrKeySize) {
			t.Errorf("Reset(%d bytes) = %v; want ErrKeySize", n, err)
		}
	}
}

func BenchmarkResetAndXOR1500(b *testing.B) {
	var c Cipher
	key := make([]byte, 16)
	buf := make([]byte, 1500)
	b.SetBytes(1500)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		key[0] = byte(i)
		c.Reset(key)
		c.XORKeyStream(buf, buf)
	}
}
