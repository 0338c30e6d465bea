//go:build amd64 && !purego

package ccm

import "unsafe"

//go:noescape
func seal2Asm(nr int, xk1, xk2 *byte, x1, c1, x2, c2 *[16]byte, d1, s1, d2, s2 *byte, n int)

//go:noescape
func open2Asm(nr int, xk1, xk2 *byte, x1, c1, x2, c2 *[16]byte, d1, s1, d2, s2 *byte, n int, k1, k2 *[16]byte)

// pairable reports whether the two-lane assembly can run a1 and a2
// together: both on AES-NI with the same number of rounds.
func pairable(a1, a2 *AEAD) bool { return a1.asm && a2.asm && a1.nr == a2.nr }

// seal2 runs the whole blocks of d1 and d2 (equal lengths, in place).
func seal2(a1, a2 *AEAD, s1, s2 *state, d1, d2 []byte) {
	p1, p2 := unsafe.SliceData(d1), unsafe.SliceData(d2)
	seal2Asm(a1.nr, &a1.xk[0], &a2.xk[0], &s1.x, &s1.ctr, &s2.x, &s2.ctr, p1, p1, p2, p2, len(d1)/16)
}

// open2 decrypts the whole blocks of d1 and d2 (equal lengths, at least
// one block, in place); k1 and k2 receive each lane's next keystream block.
func open2(a1, a2 *AEAD, s1, s2 *state, k1, k2 *[16]byte, d1, d2 []byte) {
	p1, p2 := unsafe.SliceData(d1), unsafe.SliceData(d2)
	open2Asm(a1.nr, &a1.xk[0], &a2.xk[0], &s1.x, &s1.ctr, &s2.x, &s2.ctr, p1, p1, p2, p2, len(d1)/16, k1, k2)
}
