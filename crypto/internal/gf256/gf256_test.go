package gf256

import "testing"

// FIPS 197 figure 7 (S-box) entries and section 4.2.1's worked product.
func TestSBox(t *testing.T) {
	for _, c := range [][2]byte{{0x00, 0x63}, {0x01, 0x7c}, {0x53, 0xed}, {0xff, 0x16}, {0x10, 0xca}, {0x9a, 0xb8}} {
		if got := SBox(c[0]); got != c[1] {
			t.Errorf("SBox(%#02x) = %#02x; want %#02x", c[0], got, c[1])
		}
	}
	if got := Mul(0x57, 0x13); got != 0xfe {
		t.Errorf("Mul(0x57, 0x13) = %#02x; want 0xfe (FIPS 197 4.2.1)", got)
	}
	seen := map[byte]bool{}
	for i := range 256 {
		seen[SBox(byte(i))] = true
	}
	if len(seen) != 256 {
		t.Errorf("S-box is not a permutation: %d distinct outputs", len(seen))
	}
}

// Mul against the textbook shift-and-add with a branch, on all 65536
// input pairs.
func TestMulExhaustive(t *testing.T) {
	ref := func(a, b byte) byte {
		var p byte
		for b != 0 {
			if b&1 != 0 {
				p ^= a
			}
			if a&0x80 != 0 {
				a = a<<1 ^ 0x1b
			} else {
				a <<= 1
			}
			b >>= 1
		}
		return p
	}
	for a := range 256 {
		for b := range 256 {
			if got, want := Mul(byte(a), byte(b)), ref(byte(a), byte(b)); got != want {
				t.Fatalf("Mul(%#02x, %#02x) = %#02x; want %#02x", a, b, got, want)
			}
		}
	}
}
