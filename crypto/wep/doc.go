// Package wep is WEP encapsulation: the per-frame RC4 seed and the CRC-32
// integrity check value (IEEE 802.11-2016 12.3.2). TKIP reuses Encrypt and
// Decrypt with its mixed 16-byte key as the seed (12.5.2.1).
//
// API summary:
//
//	wep.Seed(&buf, iv, key) ([]byte, error)       // IV || key, the RC4 key for a frame
//	wep.Encrypt(&rc4c, seed, data, icv) error     // data and ICV encrypted in place
//	wep.Decrypt(&rc4c, seed, data, icv) error     // ErrICV on mismatch
//
// Layer: a primitive under crypto/; the WEP cipher in drivers/wifi80211
// parses and builds the IV/KeyID header and picks the key, and the soft
// engine (crypto/soft) wraps these calls as the WEP40/WEP104 algorithms.
//
// It does not choose IVs (the cipher does), and it does not pretend WEP is
// secure: it exists for interoperability tests only.
//
// Memory: no allocation; the caller owns the rc4.Cipher state.
package wep
