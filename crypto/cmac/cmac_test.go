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

// TestSP80038BAES256: NIST SP 800-38B appendix D.3, examples 9 to 12
// (AES-256, the same four messages as RFC 4493): the CMAC under
// BIP-CMAC-256 (IEEE 802.11-2020 12.5.4).
func TestSP80038BAES256(t *testing.T) {
	c, err := New(unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"))
	if err != nil {
		t.Fatal(err)
	}
	msg := unhex(rfcMsg)
	for _, v := range []struct {
		n   int
		mac string
	}{{0, "028962f61b7bf89efc6b551f4667d983"}, {16, "28a7023f452e8f82bd4bf28d8c37c35c"},
		{40, "aaf3d8f1de5640c232f5b169b9c911e6"}, {64, "e1992190549f6ed5696a2c056c315410"}} {
		if got := c.MAC(msg[:v.n]); hex.EncodeToString(got[:]) != v.mac {
			t.Errorf("len %d: MAC = %x; want %s", v.n, got, v.mac)
		}
	}
}

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
