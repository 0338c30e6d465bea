package prf

import (
	"bytes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// Sentinel errors.
var (
	// ErrPassphrase reports a passphrase outside 8..63 printable ASCII
	// characters (IEEE 802.11-2016 J.4.1).
	ErrPassphrase = errors.New("prf: passphrase must be 8 to 63 printable ASCII characters")
	// ErrSSID reports an SSID longer than 32 bytes.
	ErrSSID = errors.New("prf: SSID longer than 32 bytes")
	// ErrBits reports an output length that is not a positive multiple of 8.
	ErrBits = errors.New("prf: output length must be a positive multiple of 8 bits")
	// ErrAddr reports a MAC address that is not 6 bytes or a nonce that is
	// not 32 bytes.
	ErrAddr = errors.New("prf: addresses must be 6 bytes and nonces 32 bytes")
)

// PRF is the SHA-1 based pseudo-random function of IEEE 802.11-2016
// 12.7.1.2: the concatenation of HMAC-SHA-1(K, A || 0 || B || i) for i =
// 0, 1, ..., truncated to bits. label is A (its ASCII bytes, no NUL), data
// is B. bits is a multiple of 8 (PRF-128, -192, -256, -384, -512, -704).
func PRF(key []byte, label string, data []byte, bits int) ([]byte, error) {
	if bits <= 0 || bits%8 != 0 {
		return nil, ErrBits
	}
	out := make([]byte, 0, (bits/8+sha1.Size-1)/sha1.Size*sha1.Size)
	mac := hmac.New(sha1.New, key)
	var ctr [1]byte
	for i := 0; len(out) < bits/8; i++ {
		mac.Reset()
		mac.Write([]byte(label))
		mac.Write([]byte{0})
		mac.Write(data)
		ctr[0] = byte(i)
		mac.Write(ctr[:])
		out = mac.Sum(out)
	}
	return out[:bits/8], nil
}

// KDF is the key derivation function of IEEE 802.11-2016 12.7.1.7.2,
// KDF-Hash-Length(K, Label, Context): the concatenation of HMAC-Hash(K, i
// || Label || Context || Length) for i = 1, 2, ..., where i and Length are
// 16-bit little-endian and Length is bits. newHash is sha256.New for the
// SHA-256 AKMs (12.7.1.7.1). A Length that is not a multiple of 8 (SAE's
// hunting-and-pecking for P-521 asks for 521 bits, 12.4.4.2.2) gives
// ceil(bits/8) octets whose trailing bits beyond Length are zero: the
// leftmost Length bits of the output stream, left-aligned.
func KDF(newHash func() hash.Hash, key []byte, label string, context []byte, bits int) ([]byte, error) {
	if bits <= 0 || bits > 0xffff {
		return nil, ErrBits
	}
	mac := hmac.New(newHash, key)
	n := (bits + 7) / 8
	out := make([]byte, 0, n+mac.Size())
	var i16, l16 [2]byte
	binary.LittleEndian.PutUint16(l16[:], uint16(bits))
	for i := 1; len(out) < n; i++ {
		mac.Reset()
		binary.LittleEndian.PutUint16(i16[:], uint16(i))
		mac.Write(i16[:])
		mac.Write([]byte(label))
		mac.Write(context)
		mac.Write(l16[:])
		out = mac.Sum(out)
	}
	out = out[:n]
	if r := bits % 8; r != 0 {
		out[n-1] &= byte(0xff << (8 - r))
	}
	return out, nil
}

// KDFSHA256 is KDF with SHA-256.
func KDFSHA256(key []byte, label string, context []byte, bits int) ([]byte, error) {
	return KDF(sha256.New, key, label, context, bits)
}

// PSK maps a passphrase and SSID to the 256-bit PSK (the PMK of WPA2-PSK):
// PBKDF2 with HMAC-SHA-1, the SSID as salt, 4096 iterations (IEEE
// 802.11-2016 J.4.1, RFC 2898).
func PSK(passphrase string, ssid []byte) ([32]byte, error) {
	var psk [32]byte
	// Characters first: only when every one is printable ASCII does the
	// byte count equal the character count the limit is stated in.
	for i, r := range []rune(passphrase) {
		if r < 32 || r > 126 {
			return psk, fmt.Errorf("%w (or 64 hex digits as a PSK): character %d is %q", ErrPassphrase, i+1, r)
		}
	}
	if len(passphrase) < 8 || len(passphrase) > 63 {
		return psk, fmt.Errorf("%w (or 64 hex digits as a PSK): got %d characters", ErrPassphrase, len(passphrase))
	}
	if len(ssid) > 32 {
		return psk, fmt.Errorf("%w: got %d", ErrSSID, len(ssid))
	}
	k, err := pbkdf2.Key(sha1.New, passphrase, ssid, 4096, 32)
	if err != nil {
		return psk, err
	}
	copy(psk[:], k)
	return psk, nil
}

// pairwiseData builds Min(AA,SPA) || Max(AA,SPA) || Min(ANonce,SNonce) ||
// Max(ANonce,SNonce), the PTK derivation's data (12.7.1.3); byte strings
// compare as unsigned big-endian integers.
func pairwiseData(aa, spa, anonce, snonce []byte) ([]byte, error) {
	if len(aa) != 6 || len(spa) != 6 || len(anonce) != 32 || len(snonce) != 32 {
		return nil, fmt.Errorf("%w: AA %d, SPA %d, ANonce %d, SNonce %d bytes", ErrAddr, len(aa), len(spa), len(anonce), len(snonce))
	}
	d := make([]byte, 0, 76)
	lo, hi := aa, spa
	if bytes.Compare(spa, aa) < 0 {
		lo, hi = spa, aa
	}
	d = append(append(d, lo...), hi...)
	lo, hi = anonce, snonce
	if bytes.Compare(snonce, anonce) < 0 {
		lo, hi = snonce, anonce
	}
	return append(append(d, lo...), hi...), nil
}

// PTK derives the pairwise transient key for the SHA-1 AKMs (PSK and
// 802.1X, AKM suites 1 and 2): PRF-bits(PMK, "Pairwise key expansion",
// Min(AA,SPA) || Max(AA,SPA) || Min(ANonce,SNonce) || Max(ANonce,SNonce))
// (IEEE 802.11-2016 12.7.1.3). bits is 384 for CCMP-128 (KCK 16, KEK 16,
// TK 16 bytes) and 512 for TKIP (TK 32 bytes: key, then the Tx and Rx
// Michael keys). Split the result with Split.
func PTK(pmk, aa, spa, anonce, snonce []byte, bits int) ([]byte, error) {
	d, err := pairwiseData(aa, spa, anonce, snonce)
	if err != nil {
		return nil, err
	}
	return PRF(pmk, "Pairwise key expansion", d, bits)
}

// PTKSHA256 is PTK for the SHA-256 AKMs (suites 5 and 6): the same label
// and data through KDF-SHA-256 (12.7.1.3, 12.7.1.7.2).
func PTKSHA256(pmk, aa, spa, anonce, snonce []byte, bits int) ([]byte, error) {
	d, err := pairwiseData(aa, spa, anonce, snonce)
	if err != nil {
		return nil, err
	}
	return KDFSHA256(pmk, "Pairwise key expansion", d, bits)
}

// Keys is a PTK split into its parts (12.7.1.3): KCK protects the
// EAPOL-Key MIC, KEK wraps the key data, TK is the temporal key.
type Keys struct {
	KCK, KEK, TK []byte
}

// Split cuts a PTK into KCK (16 bytes), KEK (16 bytes) and TK (the rest),
// the layout of the PSK and 802.1X AKMs. The slices alias ptk.
func Split(ptk []byte) (Keys, error) {
	if len(ptk) < 48 {
		return Keys{}, fmt.Errorf("%w: a PTK has at least 384 bits, got %d bytes", ErrBits, len(ptk))
	}
	return Keys{KCK: ptk[:16], KEK: ptk[16:32], TK: ptk[32:]}, nil
}

// PMKID is HMAC-SHA-1-128(PMK, "PMK Name" || AA || SPA) (12.7.1.3), the
// identifier a PMKSA is cached under.
func PMKID(pmk, aa, spa []byte) [16]byte {
	mac := hmac.New(sha1.New, pmk)
	mac.Write([]byte("PMK Name"))
	mac.Write(aa)
	mac.Write(spa)
	var id [16]byte
	copy(id[:], mac.Sum(nil))
	return id
}

// GTK derives a group temporal key on the authenticator:
// PRF-bits(GMK, "Group key expansion", AA || GNonce) (12.7.1.5).
func GTK(gmk, aa, gnonce []byte, bits int) ([]byte, error) {
	d := make([]byte, 0, len(aa)+len(gnonce))
	d = append(append(d, aa...), gnonce...)
	return PRF(gmk, "Group key expansion", d, bits)
}
