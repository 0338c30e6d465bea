// Package cmac is AES-CMAC (RFC 4493; NIST SP 800-38B), the MIC of BIP
// management frame protection (IEEE 802.11-2016 12.5.4) and of AKM suites
// whose EAPOL-Key MIC is AES-128-CMAC (12.7.2, descriptor version 3).
//
// API summary:
//
//	c, err := cmac.New(key)        // 16- or 32-byte key
//	c.MAC(aad, body) [16]byte      // one shot over concatenated parts
//	c.Verify(tag, aad, body) bool  // 8..16-byte tag, constant time
//	c.Reset(); c.Write(p); c.Sum16() // streaming; *CMAC is a hash.Hash
//
// Layer: a primitive under crypto/. Truncation to the 8-byte BIP MIC, the
// MMIE and the IPN replay counter belong to the BIP cipher.
//
// Memory: a CMAC holds its own buffers and never allocates after New (the
// variadic MAC and Verify do not either when the caller passes the parts
// directly). Not safe for concurrent use.
package cmac
