package cmac

import (
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

// RFC 4493 section 4: the four examples cover the empty message, one full
// block, a partial last block and four full blocks (both subkeys).
const rfcMsg = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"

func TestRFC4493(t *testing.T) {
	c, err := New(unhex("2b7e151628aed2a6abf7158809cf4f3c"))
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(c.k1[:]) + hex.EncodeToString(c.k2[:]); got != "fbeed618357133667c85e08f7236a8de"+"f7ddac306ae266ccf90bc11ee46d513b" {
		t.Fatalf("subkeys = %s", got)
	}
	msg := unhex(rfcMsg)
	for _, v := range []struct {
		n   int
		mac string
	}{{0, "bb1d6929e95937287fa37d129b756746"}, {16, "070a16b46b4d4144f79bdd9dd04a287c"},
		{40, "dfa66747de9ae63030ca32611497c827"}, {64, "51f0bebf7e3b9d92fc49741779363cfe"}} {
		if got := c.MAC(msg[:v.n]); hex.EncodeToString(got[:]) != v.mac {
			t.Errorf("len %d: MAC = %x; want %s", v.n, got, v.mac)
		}
		// Split writes, and Sum must not disturb the state.
		c.Reset()
		for i := 0; i < v.n; i += 7 {
			c.Write(msg[i:min(i+7, v.n)])
		}
		c.Sum(nil)
		if got := hex.EncodeToString(c.Sum(nil)); got != v.mac {
			t.Errorf("len %d streaming: %s", v.n, got)
		}
		if !c.Verify(unhex(v.mac)[:8], msg[:v.n]) || c.Verify(unhex(v.mac)[:7], msg[:v.n]) {
			t.Errorf("len %d: Verify of truncated tag", v.n)
		}
	}
	if _, err := New(make([]byte, 15)); !errors.Is(err, ErrKeySize) {
		t.Fatalf("15-byte key: %v", err)
	}
}

func BenchmarkMAC64(b *testing.B) {
	c, _ := New(make([]byte, 16))
	aad, body := make([]byte, 20), make([]byte, 44)
	b.SetBytes(64)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c.MAC(aad, body)
	}
}
