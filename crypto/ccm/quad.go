package ccm

// SealQuad seals four messages, message i under a[i] (AEADs may repeat),
// and returns each message's error as SealDetached would. With VAES (AES
// on 256-bit registers) the four run interleaved, two per register; without
// it they run as two pairs (SealPair).
func SealQuad(a *[4]*AEAD, m *[4]*Msg) (errs [4]error) {
	return quad(a, m, false, true)
}

// OpenQuad opens four messages in place, message i under a[i], as
// OpenDetached would; see SealQuad.
func OpenQuad(a *[4]*AEAD, m *[4]*Msg) (errs [4]error) {
	return quad(a, m, true, true)
}

// sealQuad is SealQuad; vaes false forces the pairwise path (for tests).
func sealQuad(a *[4]*AEAD, m *[4]*Msg, vaes bool) [4]error { return quad(a, m, false, vaes) }

// openQuad is OpenQuad; vaes false forces the pairwise path (for tests).
func openQuad(a *[4]*AEAD, m *[4]*Msg, vaes bool) [4]error { return quad(a, m, true, vaes) }

// quad is SealQuad (open false) and OpenQuad (open true): the whole blocks
// all four messages have run interleaved in quadRun, the rest of each
// message and its tag one by one.
func quad(a *[4]*AEAD, m *[4]*Msg, open, vaes bool) (errs [4]error) {
	ok := quadable(a, vaes)
	for i := 0; ok && i < 4; i++ {
		ok = a[i].check(m[i], open) == nil
	}
	if !ok {
		if open {
			errs[0], errs[1] = OpenPair(a[0], m[0], a[1], m[1])
			errs[2], errs[3] = OpenPair(a[2], m[2], a[3], m[3])
		} else {
			errs[0], errs[1] = SealPair(a[0], m[0], a[1], m[1])
			errs[2], errs[3] = SealPair(a[2], m[2], a[3], m[3])
		}
		return errs
	}
	var st [4]state
	var ks [4][16]byte
	common := len(m[0].Data)
	for i := range m {
		a[i].init(&st[i], m[i].Nonce, len(m[i].Data), m[i].AAD)
		common = min(common, len(m[i].Data))
	}
	common &^= 15
	if common > 0 {
		quadRun(open, a, &st, &ks, m, common/16)
	}
	for i := range m {
		if !open {
			a[i].sealFrom(&st[i], m[i].Data, m[i].Tag[:a[i].tagSize], m[i].Data, common)
		} else if !openRest(a[i], &st[i], m[i], common, &ks[i], common > 0) {
			errs[i] = ErrOpen
		}
	}
	return errs
}
