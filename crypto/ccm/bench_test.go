package ccm

import "testing"

// CCMP-128 shape: 16-byte key, 13-byte nonce, 8-byte MIC, 22-byte AAD (a
// data frame's AAD without QoS), 1500-byte payload, in place.
func benchCCMP(b *testing.B, asm, open bool) {
	if asm && !haveAsm() {
		b.Skip("no AES-NI on this CPU")
	}
	key := make([]byte, 16)
	a, _ := newAEAD(key, 8, asm)
	nonce := make([]byte, NonceSize)
	aad := make([]byte, 22)
	buf := make([]byte, 1500+8)
	sealed := a.Seal(nil, nonce, buf[:1500], aad)
	b.SetBytes(1500)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if open {
			copy(buf, sealed)
			if _, err := a.Open(buf[:0], nonce, buf, aad); err != nil {
				b.Fatal(err)
			}
		} else {
			nonce[12] = byte(i)
			a.Seal(buf[:0], nonce, buf[:1500], aad)
		}
	}
}

func BenchmarkSeal1500(b *testing.B)        { benchCCMP(b, true, false) }
func BenchmarkOpen1500(b *testing.B)        { benchCCMP(b, true, true) }
func BenchmarkSeal1500Generic(b *testing.B) { benchCCMP(b, false, false) }
func BenchmarkOpen1500Generic(b *testing.B) { benchCCMP(b, false, true) }
