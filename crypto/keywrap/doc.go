// Package keywrap is the AES key wrap of RFC 3394 (NIST SP 800-38F KW),
// which protects the Key Data field of EAPOL-Key frames (IEEE 802.11-2016
// 12.7.2: the GTK and IGTK in message 3 and in group-key messages).
//
// API summary:
//
//	keywrap.Wrap(kek, plaintext) ([]byte, error)    // len(plaintext) % 8 == 0, >= 16
//	keywrap.Unwrap(kek, ciphertext) ([]byte, error) // ErrUnwrap on integrity failure
//
// Layer: a primitive under crypto/, used by the supplicant and the test AP.
// Key Data padding (0xdd followed by zeros, 12.7.2) is the caller's job.
//
// Memory: both functions allocate their result; they run once per
// handshake, not per frame.
package keywrap
