package ccm

// Msg is one message of a two-message call: Data is transformed in place
// and Tag (Overhead() bytes) is written by SealPair and checked by
// OpenPair.
type Msg struct {
	Nonce, AAD, Data, Tag []byte
}

// check validates m for a with the same rules as SealDetached and
// OpenDetached; it returns nil when the fast path may run.
func (a *AEAD) check(m *Msg, open bool) error {
	switch {
	case len(m.Nonce) != NonceSize:
		return ErrNonceSize
	case len(m.Data) > MaxMessage:
		if open {
			return ErrOpen
		}
		return ErrTooLarge
	case open && len(m.Tag) != a.tagSize:
		return ErrOpen
	case !open && len(m.Tag) < a.tagSize:
		return ErrTagSize
	}
	return nil
}

// SealPair seals m1 under a1 and m2 under a2 (which may be the same AEAD)
// and returns each message's error, as SealDetached would. On AES-NI the
// two messages run interleaved, which roughly doubles throughput over two
// SealDetached calls: one message's CBC-MAC chain leaves the AES units
// idle most of the time, and the other's fills them. The soft engine uses
// it to process batches.
func SealPair(a1 *AEAD, m1 *Msg, a2 *AEAD, m2 *Msg) (err1, err2 error) {
	if !pairable(a1, a2) || a1.check(m1, false) != nil || a2.check(m2, false) != nil {
		return a1.SealDetached(m1.Data, m1.Tag, m1.Nonce, m1.Data, m1.AAD),
			a2.SealDetached(m2.Data, m2.Tag, m2.Nonce, m2.Data, m2.AAD)
	}
	var s1, s2 state
	a1.init(&s1, m1.Nonce, len(m1.Data), m1.AAD)
	a2.init(&s2, m2.Nonce, len(m2.Data), m2.AAD)
	common := min(len(m1.Data), len(m2.Data)) &^ 15
	if common > 0 {
		seal2(a1, a2, &s1, &s2, m1.Data[:common], m2.Data[:common])
	}
	a1.sealFrom(&s1, m1.Data, m1.Tag[:a1.tagSize], m1.Data, common)
	a2.sealFrom(&s2, m2.Data, m2.Tag[:a2.tagSize], m2.Data, common)
	return nil, nil
}

// OpenPair opens m1 under a1 and m2 under a2 in place, as OpenDetached
// would, interleaved on AES-NI. Each error is nil or ErrOpen /
// ErrNonceSize; a failed message's Data is cleared.
func OpenPair(a1 *AEAD, m1 *Msg, a2 *AEAD, m2 *Msg) (err1, err2 error) {
	if !pairable(a1, a2) || a1.check(m1, true) != nil || a2.check(m2, true) != nil {
		return a1.OpenDetached(m1.Data, m1.Nonce, m1.Data, m1.Tag, m1.AAD),
			a2.OpenDetached(m2.Data, m2.Nonce, m2.Data, m2.Tag, m2.AAD)
	}
	var s1, s2 state
	var k1, k2 [16]byte
	a1.init(&s1, m1.Nonce, len(m1.Data), m1.AAD)
	a2.init(&s2, m2.Nonce, len(m2.Data), m2.AAD)
	common := min(len(m1.Data), len(m2.Data)) &^ 15
	ks := false
	if common > 0 {
		open2(a1, a2, &s1, &s2, &k1, &k2, m1.Data[:common], m2.Data[:common])
		ks = true
	}
	ok1 := openRest(a1, &s1, m1, common, &k1, ks)
	ok2 := openRest(a2, &s2, m2, common, &k2, ks)
	if !ok1 {
		err1 = ErrOpen
	}
	if !ok2 {
		err2 = ErrOpen
	}
	return err1, err2
}

// openRest finishes one lane after the shared blocks. If the lane has more
// full blocks, the keystream block the pair loop computed ahead is
// discarded and the counter rewound to the next block's.
func openRest(a *AEAD, st *state, m *Msg, done int, ks *[16]byte, ksValid bool) bool {
	if ksValid && done < len(m.Data)&^15 {
		counterBlock(&st.ctr, m.Nonce, uint16(done/16+1))
		ksValid = false
	}
	if len(m.Data) == 0 {
		ksValid = true // nothing to decrypt: skip the keystream
	}
	return a.openFrom(st, m.Data, m.Data, m.Tag, done, ks, ksValid)
}
