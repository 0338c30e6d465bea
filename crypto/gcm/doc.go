// Package gcm is AES-GCM shaped for GCMP (IEEE 802.11-2016 12.5.5): a
// 12-byte nonce (A2 || PN) and a 16-byte MIC.
//
// API summary:
//
//	a, err := gcm.New(tk)                  // 16 bytes: GCMP-128, 32: GCMP-256
//	a.Seal(dst, nonce, plaintext, aad)     // crypto/cipher.AEAD semantics
//	a.Open(dst, nonce, ciphertext, aad)    // ErrOpen / ErrNonceSize, never panics
//
// Layer: a primitive under crypto/, a thin wrapper over the standard
// library's GCM (which uses AES-NI and carry-less multiply here). The
// wrapper pins the sizes GCMP uses and turns the inputs that would make the
// standard library panic in Open into errors. Building the nonce and AAD
// from an MPDU header is the GCMP cipher's job in drivers/wifi80211.
//
// Memory: Seal and Open with enough capacity in dst do not allocate.
package gcm
