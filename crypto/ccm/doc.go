// Package ccm is AES-CCM (NIST SP 800-38C, RFC 3610) with a 13-byte nonce,
// the AEAD of CCMP (IEEE 802.11-2016 12.5.3), built for speed with AES-NI.
//
// API summary:
//
//	a, err := ccm.New(tk, 8)                // CCMP-128: 16-byte TK, 8-byte MIC
//	a, err := ccm.New(tk, 16)               // CCMP-256: 32-byte TK, 16-byte MIC
//	out := a.Seal(dst, nonce, plaintext, aad)       // appends ciphertext||MIC
//	pt, err := a.Open(dst, nonce, ciphertext, aad)  // ErrOpen, ErrNonceSize; never panics
//	a.SealDetached(dst, tag, nonce, pt, aad) / a.OpenDetached(dst, nonce, ct, tag, aad)
//	ccm.SealPair(a1, &m1, a2, &m2) / ccm.OpenPair(...)  // two messages interleaved
//	ccm.SealQuad(&aeads, &msgs) / ccm.OpenQuad(...)     // four, with VAES
//
// *AEAD satisfies crypto/cipher.AEAD. In place: Seal(buf[:0], nonce,
// buf[:n], aad) with cap(buf) >= n+MIC, Open(buf[:0], nonce, buf, aad).
// Neither allocates when dst has room.
//
// Where to start: ccm.go has the mode (B0, AAD encoding, counter blocks,
// tag masking); blocks_amd64.s has the hot loops; blocks_generic.go and
// aes_generic.go are the portable path and the reference the assembly is
// tested against.
//
// How it is fast: CCM needs two AES calls per 16-byte block, one in the
// CBC-MAC chain (serial) and one for the CTR keystream (independent). The
// assembly runs both in one round sequence, so the keystream costs nothing
// extra, and it folds "xor the next block" into the last AES round of the
// chain, so the chain is exactly Nr AESENC latencies per block. The key
// schedule (FIPS 197 5.2) is computed in Go; only AESENC/AESENCLAST, PSHUFB
// and PXOR run in assembly. Build tag purego (or a CPU without AES-NI or
// SSSE3, checked with golang.org/x/sys/cpu) selects the portable path, a
// table AES that is correct but slow and not constant time.
//
// Two messages at once: even interleaved, one message's MAC chain keeps
// the AES units busy only part of the time. SealPair and OpenPair
// (pair_amd64.s) run two messages, each with its own key, in one
// instruction stream, which nearly doubles throughput. SealQuad and
// OpenQuad (quad_amd64.s) go further with VAES: one 256-bit register holds
// two messages' blocks, so four messages advance per instruction stream,
// close to three times the single-message rate. VAES is detected once per
// process (CPUID traps under a hypervisor, so never per call), and the
// four-lane path is used only after a known-answer check against the
// one-message path passes on the machine: QEMU 7.2's TCG advertises VAES
// and computes some four-lane results wrongly (quad_amd64.go). crypto/soft
// groups the CCMP ops of each batch this way.
//
// What it does not do: nonce sizes other than 13 (so L = 2 and messages
// are at most 65535 bytes), building the CCMP nonce and AAD from an MPDU
// header (the CCMP cipher in drivers/wifi80211 does that), replay checks.
//
// Concurrency: an AEAD is immutable after New; Seal and Open may run
// concurrently.
package ccm
