package prf

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func rep(b byte, n int) []byte { return []byte(strings.Repeat(string([]byte{b}), n)) }

// PRF-512 vectors: IEEE 802.11-2016 J.3 (test cases with labels "prefix"
// and "prefix-2") and the IEEE 802.11i-draft cases carried in hostapd's
// crypto module tests.
func TestPRF(t *testing.T) {
	vectors := []struct {
		key   []byte
		label string
		data  []byte
		want  string
	}{
		{rep(0x0b, 20), "prefix", []byte("Hi There"),
			"bcd4c650b30b9684951829e0d75f9d54b862175ed9f00606e17d8da35402ffee75df78c3d31e0f889f012120c0862beb67753e7439ae242edb8373698356cf5a"},
		{[]byte("Jefe"), "prefix-2", []byte("what do ya want for nothing?"),
			"47c4908e30c947521ad20be9053450ecbea23d3aa604b77326d8b3825ff7475c06f51fb9c5313d1e9f90d897d134b72e090fc23150bc8414382043418678e700"},
		{[]byte("Jefe"), "prefix", []byte("what do ya want for nothing?"),
			"51f4de5b33f249adf81aeb713a3c20f4fe631446fabdfa58244759ae58ef9009a99abf4eac2ca5fa87e692c440eb40023e7babb206d61de7b92f41529092b8fc"},
		{rep(0xaa, 20), "prefix", rep(0xdd, 50),
			"e1ac546ec4cb636f9976487be5c86be17a0252ca5d8d8df12cfb0473525249ce9dd8d177ead710bc9b590547239107aef7b4abd43d87f0a68f1cbd9e2b6f7607"},
	}
	for i, v := range vectors {
		got, err := PRF(v.key, v.label, v.data, 512)
		if err != nil || hex.EncodeToString(got) != v.want {
			t.Errorf("case %d: PRF-512 = %x, %v", i, got, err)
		}
		short, _ := PRF(v.key, v.label, v.data, 192)
		if hex.EncodeToString(short) != v.want[:48] {
			t.Errorf("case %d: PRF-192 is not a prefix of PRF-512", i)
		}
	}
	if _, err := PRF(nil, "x", nil, 12); !errors.Is(err, ErrBits) {
		t.Errorf("12 bits: %v", err)
	}
}

// IEEE 802.11-2016 J.4.2 passphrase-to-PSK vectors.
func TestPSK(t *testing.T) {
	vectors := []struct{ pass, ssid, psk string }{
		{"password", "IEEE", "f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e"},
		{"ThisIsAPassword", "ThisIsASSID", "0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af"},
		{strings.Repeat("a", 32), strings.Repeat("Z", 32), "becb93866bb8c3832cb777c2f559807c8c59afcb6eae734885001300a981cc62"},
	}
	for _, v := range vectors {
		got, err := PSK(v.pass, []byte(v.ssid))
		if err != nil || hex.EncodeToString(got[:]) != v.psk {
			t.Errorf("PSK(%q, %q) = %x, %v", v.pass, v.ssid, got, err)
		}
	}
	for _, bad := range []string{"short", strings.Repeat("x", 64), "tab\there!"} {
		if _, err := PSK(bad, []byte("ssid")); !errors.Is(err, ErrPassphrase) {
			t.Errorf("PSK(%q) = %v; want ErrPassphrase", bad, err)
		}
	}
	// The messages count characters: 40 two-byte characters are named as
	// the first non-ASCII character, never as 80 "characters".
	for bad, want := range map[string]string{
		strings.Repeat("é", 40): `character 1 is 'é'`,
		"passw\x00rd":           `character 6 is '\x00'`,
		"short":                 "got 5 characters",
		strings.Repeat("x", 64): "got 64 characters",
	} {
		if _, err := PSK(bad, []byte("ssid")); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "64 hex digits") {
			t.Errorf("PSK(%q) = %v; want %q and the hex alternative", bad, err, want)
		}
	}
	if _, err := PSK("password", make([]byte, 33)); !errors.Is(err, ErrSSID) {
		t.Errorf("33-byte SSID: %v", err)
	}
}

// RFC 6070 PBKDF2-HMAC-SHA1 vectors, through the same primitive PSK uses
// (the 16777216-iteration case is left out: it takes seconds).
func TestRFC6070(t *testing.T) {
	vectors := []struct {
		p, s  string
		c, n  int
		dkHex string
	}{
		{"password", "salt", 1, 20, "0c60c80f961f0e71f3a9b524af6012062fe037a6"},
		{"password", "salt", 2, 20, "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957"},
		{"password", "salt", 4096, 20, "4b007901b765489abead49d926f721d065a429c1"},
		{"passwordPASSWORDpassword", "saltSALTsaltSALTsaltSALTsaltSALTsalt", 4096, 25, "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038"},
		{"pass\x00word", "sa\x00lt", 4096, 16, "56fa6aa75548099dcc37d7f03425e0c3"},
	}
	for _, v := range vectors {
		dk, err := pbkdf2.Key(sha1.New, v.p, []byte(v.s), v.c, v.n)
		if err != nil || hex.EncodeToString(dk) != v.dkHex {
			t.Errorf("PBKDF2(%q, %q, %d) = %x, %v", v.p, v.s, v.c, dk, err)
		}
	}
}

// IEEE 802.11-2016 J.7.1 inputs; J.7.2 (CCMP, table J-14) and J.7.3 (TKIP,
// table J-15) outputs.
func TestPTK(t *testing.T) {
	pmk := unhex("0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af")
	aa, spa := unhex("a0a1a1a3a4a5"), unhex("b0b1b2b3b4b5")
	snonce := unhex("c0c1c2c3c4c5c6c7c8c9d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5")
	anonce := unhex("e0e1e2e3e4e5e6e7e8e9f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff000102030405")

	ptk, err := PTK(pmk, aa, spa, anonce, snonce, 384)
	if err != nil {
		t.Fatal(err)
	}
	k, _ := Split(ptk)
	if hex.EncodeToString(k.KCK) != "379f9852d0199236b94e407ce4c00ec8" ||
		hex.EncodeToString(k.KEK) != "47c9edc01c2c6e5b4910caddfb3e51a7" ||
		hex.EncodeToString(k.TK) != "b2360c79e9710fdd58bea93deaf06599" {
		t.Fatalf("CCMP PTK = %x", ptk)
	}
	tkip, _ := PTK(pmk, aa, spa, anonce, snonce, 512)
	if k, _ := Split(tkip); hex.EncodeToString(k.TK) != "b2360c79e9710fdd58bea93deaf06599db980afbc29c152855740a6ce5ae3827" {
		t.Fatalf("TKIP TK = %x", k.TK)
	}
	// Min/max ordering: swapping the roles' arguments gives the same key.
	swapped, _ := PTK(pmk, spa, aa, snonce, anonce, 384)
	if hex.EncodeToString(swapped) != hex.EncodeToString(ptk) {
		t.Fatal("PTK depends on argument order")
	}
	if _, err := PTK(pmk, aa[:5], spa, anonce, snonce, 384); !errors.Is(err, ErrAddr) {
		t.Fatalf("5-byte AA: %v", err)
	}
}

// KDF: the standard gives no stand-alone vector here, so the check is
// against the 12.7.1.7.2 formula written out with the standard library's
// HMAC, at lengths that need one, two and three blocks, plus the property
// that the length is bound into every block.
func TestKDFSHA256(t *testing.T) {
	key, ctx := []byte("key material"), []byte("context bytes")
	for _, bits := range []int{128, 256, 384, 512, 704} {
		got, err := KDFSHA256(key, "Pairwise key expansion", ctx, bits)
		if err != nil {
			t.Fatal(err)
		}
		var want []byte
		for i := 1; len(want) < bits/8; i++ {
			m := hmac.New(sha256.New, key)
			m.Write(binary.LittleEndian.AppendUint16(nil, uint16(i)))
			m.Write([]byte("Pairwise key expansion"))
			m.Write(ctx)
			m.Write(binary.LittleEndian.AppendUint16(nil, uint16(bits)))
			want = m.Sum(want)
		}
		if hex.EncodeToString(got) != hex.EncodeToString(want[:bits/8]) {
			t.Fatalf("KDF-%d differs from the formula", bits)
		}
	}
	a, _ := KDFSHA256(key, "L", ctx, 256)
	b, _ := KDFSHA256(key, "L", ctx, 384)
	if hex.EncodeToString(a) == hex.EncodeToString(b[:32]) {
		t.Fatal("KDF output does not depend on Length")
	}
}

func TestPMKIDAndGTK(t *testing.T) {
	pmk := rep(0x11, 32)
	aa, spa := unhex("020000000100"), unhex("020000000200")
	id := PMKID(pmk, aa, spa)
	m := hmac.New(sha1.New, pmk)
	m.Write([]byte("PMK Name"))
	m.Write(aa)
	m.Write(spa)
	if hex.EncodeToString(id[:]) != hex.EncodeToString(m.Sum(nil)[:16]) {
		t.Fatal("PMKID differs from HMAC-SHA1-128 over \"PMK Name\" || AA || SPA")
	}
	g, err := GTK(rep(0x22, 32), aa, rep(0x33, 32), 128)
	if err != nil || len(g) != 16 {
		t.Fatalf("GTK = %x, %v", g, err)
	}
	want, _ := PRF(rep(0x22, 32), "Group key expansion", append(append([]byte{}, aa...), rep(0x33, 32)...), 128)
	if hex.EncodeToString(g) != hex.EncodeToString(want) {
		t.Fatal("GTK differs from PRF over AA || GNonce")
	}
}
