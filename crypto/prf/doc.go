// Package prf is the 802.11 key hierarchy arithmetic: the SHA-1 PRF
// (IEEE 802.11-2016 12.7.1.2), the SHA-256 KDF (12.7.1.7.2), passphrase to
// PSK (J.4.1), the pairwise key expansion (12.7.1.3), PMKID and the group
// key expansion (12.7.1.5).
//
// API summary:
//
//	prf.PSK(passphrase, ssid) ([32]byte, error)          // PBKDF2-HMAC-SHA1, 4096 iterations
//	prf.PTK(pmk, aa, spa, anonce, snonce, bits) ([]byte, error) // min/max ordering inside
//	prf.PTKSHA256(...)                                    // SHA-256 AKMs
//	prf.Split(ptk) (prf.Keys{KCK, KEK, TK}, error)
//	prf.PRF(key, label, data, bits) / prf.KDF(sha256.New, key, label, ctx, bits)
//	prf.PMKID(pmk, aa, spa) [16]byte; prf.GTK(gmk, aa, gnonce, bits)
//
// Layer: a primitive under crypto/, used by the supplicant and the test AP
// once per handshake; it allocates freely. It does not compute EAPOL-Key
// MICs (HMAC-SHA1-128 or AES-CMAC over the frame) or parse frames: that is
// the supplicant's job in drivers/wifi80211.
package prf
