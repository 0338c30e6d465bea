package ccm

// The portable block loops over softAES. They define the contract the
// assembly in blocks_amd64.s must meet bit for bit; blocks_test.go checks
// that on random inputs. All lengths are whole blocks.

// encrypt2Generic encrypts two independent blocks in place.
func (a *AEAD) encrypt2Generic(x, y *[16]byte) {
	a.soft.encrypt(x)
	a.soft.encrypt(y)
}

// cbcMacGeneric folds src (a multiple of 16 bytes) into the CBC-MAC x.
func (a *AEAD) cbcMacGeneric(x *[16]byte, src []byte) {
	for i := 0; i+16 <= len(src); i += 16 {
		xorInto(x, src[i:i+16])
		a.soft.encrypt(x)
	}
}

// sealBlocksGeneric MACs each plaintext block into x and encrypts it with
// the keystream E(ctr), ctr = A_i, A_i+1, ...; on return ctr holds the next
// unused counter block. dst may equal src.
func (a *AEAD) sealBlocksGeneric(x, ctr *[16]byte, dst, src []byte) {
	var s [16]byte
	for i := 0; i+16 <= len(src); i += 16 {
		xorInto(x, src[i:i+16])
		a.soft.encrypt(x)
		s = *ctr
		a.soft.encrypt(&s)
		incCounter(ctr)
		xorBlock(dst[i:i+16], src[i:i+16], &s)
	}
}

// openBlocksGeneric decrypts each ciphertext block and MACs the plaintext
// into x. It always produces one keystream block more than it uses: on
// return ks = E(ctr_first+n), for a partial last block, and ctr is the
// counter block after that. dst may equal src.
func (a *AEAD) openBlocksGeneric(x, ctr, ks *[16]byte, dst, src []byte) {
	*ks = *ctr
	a.soft.encrypt(ks)
	incCounter(ctr)
	for i := 0; i+16 <= len(src); i += 16 {
		xorBlock(dst[i:i+16], src[i:i+16], ks)
		xorInto(x, dst[i:i+16])
		a.soft.encrypt(x)
		*ks = *ctr
		a.soft.encrypt(ks)
		incCounter(ctr)
	}
}

// xorInto sets x ^= b[:16].
func xorInto(x *[16]byte, b []byte) {
	_ = b[15]
	for i := range x {
		x[i] ^= b[i]
	}
}

// xorBlock sets dst[:16] = src[:16] ^ k; dst may equal src.
func xorBlock(dst, src []byte, k *[16]byte) {
	_, _ = dst[15], src[15]
	for i := range k {
		dst[i] = src[i] ^ k[i]
	}
}
