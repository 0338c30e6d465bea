//go:build !amd64 || purego

package ccm

// Without AES-NI the pair functions run the messages one after the other.
func pairable(a1, a2 *AEAD) bool { return false }

func seal2(a1, a2 *AEAD, s1, s2 *state, d1, d2 []byte) { panic("ccm: no two-lane path in this build") }

func open2(a1, a2 *AEAD, s1, s2 *state, k1, k2 *[16]byte, d1, d2 []byte) {
	panic("ccm: no two-lane path in this build")
}
