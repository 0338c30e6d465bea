package ccm

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unsafe"
)

// NonceSize is the only nonce length supported: 13 bytes, as used by CCMP
// (IEEE 802.11-2016 12.5.3.3.4) and by every RFC 3610 test packet. It
// leaves L = 2 length octets, so a message is at most MaxMessage bytes.
const NonceSize = 13

// MaxMessage is the largest plaintext a 13-byte nonce allows: l(m) must fit
// in L = 2 octets (RFC 3610, section 2.1).
const MaxMessage = 1<<16 - 1

// lenL is L, the size of the length field (RFC 3610, section 2).
const lenL = 15 - NonceSize

// Sentinel errors. Callers branch on them with errors.Is.
var (
	// ErrOpen reports a message that failed authentication. The plaintext
	// buffer has been cleared.
	ErrOpen = errors.New("ccm: message authentication failed")
	// ErrKeySize reports a key that is not 16, 24 or 32 bytes.
	ErrKeySize = errors.New("ccm: invalid key size")
	// ErrTagSize reports a MIC length other than 4, 6, 8, 10, 12, 14 or 16.
	ErrTagSize = errors.New("ccm: invalid tag size")
	// ErrNonceSize reports a nonce that is not NonceSize bytes.
	ErrNonceSize = errors.New("ccm: invalid nonce size")
	// ErrTooLarge reports a message longer than MaxMessage.
	ErrTooLarge = errors.New("ccm: message too large")
	// ErrBuffer reports a destination shorter than the input or
	// overlapping it at a different offset.
	ErrBuffer = errors.New("ccm: destination too short or inexactly overlapping the input")
)

// OpError describes a failed constructor call with a hint on what to fix.
type OpError struct {
	Op  string // "new"
	Err error  // one of the sentinels
	Fix string // what to do about it
}

// Error reads "ccm: Op: Err; Fix", leaving out the empty parts and the "ccm: "
// that Err's text may start with: the one OpError format of every gopkt
// package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "ccm: " + e.Op
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "ccm: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap returns the sentinel.
func (e *OpError) Unwrap() error { return e.Err }

// AEAD is AES in CCM mode (NIST SP 800-38C, RFC 3610) with a 13-byte nonce.
// It implements crypto/cipher.AEAD. An AEAD is safe for concurrent use: Seal
// and Open only read it.
type AEAD struct {
	xk      [maxRoundKeys]byte // expanded key for the assembly path
	nr      int                // AES rounds: 10, 12 or 14
	tagSize int
	asm     bool     // use the AES-NI assembly
	vaes    bool     // the four-message VAES path may run (see quad.go)
	soft    *softAES // portable path; nil when asm is set
}

var _ cipher.AEAD = (*AEAD)(nil)

// New returns AES-CCM with the given key (16 bytes for CCMP-128, 32 bytes for
// CCMP-256; 24 also works) and MIC length tagSize (8 for CCMP-128, 16 for
// CCMP-256). It uses AES-NI assembly when the CPU has it.
func New(key []byte, tagSize int) (*AEAD, error) {
	return newAEAD(key, tagSize, haveAsm())
}

func newAEAD(key []byte, tagSize int, useAsm bool) (*AEAD, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, &OpError{Op: "new", Err: ErrKeySize,
			Fix: fmt.Sprintf("got %d bytes; pass a 16-byte temporal key for CCMP-128 or 32 bytes for CCMP-256", len(key))}
	}
	if tagSize < 4 || tagSize > 16 || tagSize%2 != 0 {
		return nil, &OpError{Op: "new", Err: ErrTagSize,
			Fix: fmt.Sprintf("got %d; CCMP-128 uses 8, CCMP-256 uses 16 (RFC 3610 allows even sizes 4..16)", tagSize)}
	}
	// haveVAES asks CPUID and runs its check once per process, not per
	// call: under a hypervisor each CPUID traps and costs microseconds.
	a := &AEAD{tagSize: tagSize, asm: useAsm, vaes: useAsm && haveVAES()}
	a.nr = expandKey(key, &a.xk)
	if !useAsm {
		a.soft = newSoftAES(&a.xk, a.nr)
	}
	return a, nil
}

// NonceSize returns 13.
func (a *AEAD) NonceSize() int { return NonceSize }

// Overhead returns the MIC length.
func (a *AEAD) Overhead() int { return a.tagSize }

// Seal encrypts and authenticates plaintext, authenticates aad, and appends
// ciphertext||MIC to dst (RFC 3610, section 2.2 and 2.3). To encrypt in
// place use plaintext[:0] as dst; otherwise dst's spare capacity must not
// overlap plaintext. As with every crypto/cipher.AEAD, a wrong nonce length
// or an oversized message is a programming error and panics; Open, which
// sees data from the network, never panics on its input.
func (a *AEAD) Seal(dst, nonce, plaintext, aad []byte) []byte {
	if len(nonce) != NonceSize {
		panic("ccm: incorrect nonce length given to Seal")
	}
	if len(plaintext) > MaxMessage {
		panic("ccm: message too large for a 13-byte nonce")
	}
	n := len(plaintext)
	ret, out := sliceForAppend(dst, n+a.tagSize)
	if inexactOverlap(out, plaintext) {
		panic("ccm: invalid buffer overlap")
	}
	a.seal(out[:n], out[n:], nonce, plaintext, aad)
	return ret
}

// SealDetached encrypts plaintext into dst[:len(plaintext)] (dst may be
// plaintext itself, for in-place use) and writes the MIC into
// tag[:Overhead()]. It is Seal for callers whose MIC does not sit right
// after the data. It returns ErrNonceSize, ErrTooLarge, ErrTagSize or
// ErrBuffer instead of panicking.
func (a *AEAD) SealDetached(dst, tag, nonce, plaintext, aad []byte) error {
	switch {
	case len(nonce) != NonceSize:
		return ErrNonceSize
	case len(plaintext) > MaxMessage:
		return ErrTooLarge
	case len(tag) < a.tagSize:
		return ErrTagSize
	case len(dst) < len(plaintext) || inexactOverlap(dst[:len(plaintext)], plaintext):
		return ErrBuffer
	}
	a.seal(dst[:len(plaintext)], tag[:a.tagSize], nonce, plaintext, aad)
	return nil
}

// state is one message's CCM state between stages: the CBC-MAC x, the
// MIC mask S0 = E(A0) and the next counter block.
type state struct {
	x, s0, ctr [16]byte
}

// init MACs B0 and the AAD and sets the counter to A1.
func (a *AEAD) init(st *state, nonce []byte, n int, aad []byte) {
	a.start(&st.x, &st.s0, nonce, n, aad)
	counterBlock(&st.ctr, nonce, 1)
}

// seal is the body of Seal: out and plaintext have the same length (and
// are the same memory or disjoint), tag has tagSize bytes.
func (a *AEAD) seal(out, tag, nonce, plaintext, aad []byte) {
	var st state
	a.init(&st, nonce, len(plaintext), aad)
	a.sealFrom(&st, out, tag, plaintext, 0)
}

// sealFrom finishes a seal whose first from bytes (a multiple of 16) are
// done: the remaining full blocks, the partial tail, the tag.
func (a *AEAD) sealFrom(st *state, out, tag, plaintext []byte, from int) {
	n := len(plaintext)
	full := n &^ 15
	if from < full {
		a.sealBlocks(&st.x, &st.ctr, out[from:full], plaintext[from:full])
	}
	if full < n {
		var p [16]byte
		copy(p[:], plaintext[full:])
		xorInto(&st.x, p[:])
		a.encrypt2(&st.x, &st.ctr) // MAC the padded block, keystream in ctr
		for i := full; i < n; i++ {
			out[i] = p[i-full] ^ st.ctr[i-full]
		}
	}
	for i := range tag {
		tag[i] = st.x[i] ^ st.s0[i]
	}
}

// Open authenticates aad and ciphertext||MIC and, if the MIC matches,
// decrypts into dst (RFC 3610, section 2.5). To decrypt in place use
// ciphertext[:0] as dst. On failure it returns ErrOpen and clears the bytes
// it wrote. It returns ErrNonceSize or ErrOpen for malformed input instead
// of panicking.
func (a *AEAD) Open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(nonce) != NonceSize {
		return nil, ErrNonceSize
	}
	if len(ciphertext) < a.tagSize || len(ciphertext)-a.tagSize > MaxMessage {
		return nil, ErrOpen
	}
	n := len(ciphertext) - a.tagSize
	ret, out := sliceForAppend(dst, n)
	if inexactOverlap(out, ciphertext) {
		return nil, ErrOpen
	}
	if !a.open(out, nonce, ciphertext[:n], ciphertext[n:], aad) {
		return nil, ErrOpen
	}
	return ret, nil
}

// OpenDetached checks tag (Overhead() bytes) over aad and ciphertext and,
// if it matches, decrypts into dst[:len(ciphertext)] (dst may be
// ciphertext itself). On failure it returns ErrOpen and clears those bytes
// of dst. It never panics on its input.
func (a *AEAD) OpenDetached(dst, nonce, ciphertext, tag, aad []byte) error {
	switch {
	case len(nonce) != NonceSize:
		return ErrNonceSize
	case len(tag) != a.tagSize || len(ciphertext) > MaxMessage:
		return ErrOpen
	case len(dst) < len(ciphertext) || inexactOverlap(dst[:len(ciphertext)], ciphertext):
		return ErrOpen
	}
	if !a.open(dst[:len(ciphertext)], nonce, ciphertext, tag, aad) {
		return ErrOpen
	}
	return nil
}

// open decrypts ciphertext into out (same length, same memory or
// disjoint) and reports whether tag matched; on a mismatch out is cleared.
func (a *AEAD) open(out, nonce, ciphertext, tag, aad []byte) bool {
	var st state
	var ks [16]byte
	a.init(&st, nonce, len(ciphertext), aad)
	return a.openFrom(&st, out, ciphertext, tag, 0, &ks, false)
}

// openFrom finishes an open whose first from bytes (a multiple of 16) are
// done; st.ctr must be the counter block of block from/16. If ksValid, ks
// already holds E(st.ctr) and st.ctr is one past it (the state openBlocks
// leaves); it is only used when no full blocks remain.
func (a *AEAD) openFrom(st *state, out, ciphertext, tag []byte, from int, ks *[16]byte, ksValid bool) bool {
	n := len(ciphertext)
	full := n &^ 15
	if from < full || (full < n && !ksValid) {
		a.openBlocks(&st.x, &st.ctr, ks, out[from:full], ciphertext[from:full])
	}
	if full < n {
		var p [16]byte
		for i := full; i < n; i++ {
			p[i-full] = ciphertext[i] ^ ks[i-full]
		}
		copy(out[full:], p[:n-full])
		a.cbcMac(&st.x, p[:])
	}
	for i := range a.tagSize {
		st.x[i] ^= st.s0[i]
	}
	if subtle.ConstantTimeCompare(st.x[:a.tagSize], tag) != 1 {
		clear(out)
		return false
	}
	return true
}

// start computes the CBC-MAC state after B0 and the encoded AAD (RFC 3610,
// section 2.2) into x, and the keystream block S0 = E(A0) that masks the
// MIC into s0.
func (a *AEAD) start(x, s0 *[16]byte, nonce []byte, n int, aad []byte) {
	// B0: Flags = 64*Adata + 8*M' + L', M' = (M-2)/2, L' = L-1.
	flags := byte((a.tagSize-2)/2)<<3 | byte(lenL-1)
	if len(aad) > 0 {
		flags |= 0x40
	}
	x[0] = flags
	copy(x[1:], nonce)
	binary.BigEndian.PutUint16(x[14:], uint16(n))
	counterBlock(s0, nonce, 0)
	a.encrypt2(x, s0)
	if len(aad) == 0 {
		return
	}
	// l(a) encoding (RFC 3610 2.2): 2 octets below 2^16-2^8, 0xfffe and 4
	// octets below 2^32, else 0xffff and 8 octets.
	var b [16]byte
	var h int
	switch la := uint64(len(aad)); {
	case la < 1<<16-1<<8:
		binary.BigEndian.PutUint16(b[:], uint16(la))
		h = 2
	case la < 1<<32:
		b[0], b[1] = 0xff, 0xfe
		binary.BigEndian.PutUint32(b[2:], uint32(la))
		h = 6
	default:
		b[0], b[1] = 0xff, 0xff
		binary.BigEndian.PutUint64(b[2:], la)
		h = 10
	}
	k := copy(b[h:], aad)
	a.cbcMac(x, b[:])
	rest := aad[k:]
	full := len(rest) &^ 15
	if full > 0 {
		a.cbcMac(x, rest[:full])
	}
	if full < len(rest) {
		b = [16]byte{}
		copy(b[:], rest[full:])
		a.cbcMac(x, b[:])
	}
}

// counterBlock writes A_i = Flags(L') || nonce || i (RFC 3610, section 2.3).
func counterBlock(a *[16]byte, nonce []byte, i uint16) {
	a[0] = lenL - 1
	copy(a[1:], nonce)
	binary.BigEndian.PutUint16(a[14:], i)
}

// incCounter adds one to the big-endian 32-bit word in the last four bytes
// of a counter block, exactly as the assembly does. With L = 2 and at most
// 4097 blocks per message the carry never reaches the nonce.
func incCounter(c *[16]byte) {
	binary.BigEndian.PutUint32(c[12:], binary.BigEndian.Uint32(c[12:])+1)
}

// sliceForAppend extends in by n bytes, reusing its capacity if it can, and
// returns the whole slice and the n new bytes.
func sliceForAppend(in []byte, n int) (head, tail []byte) {
	if total := len(in) + n; cap(in) >= total {
		head = in[:total]
	} else {
		head = make([]byte, total)
		copy(head, in)
	}
	tail = head[len(in):]
	return
}

// inexactOverlap reports whether x and y share memory at different offsets,
// which would make in-place processing read bytes it already overwrote.
func inexactOverlap(x, y []byte) bool {
	if len(x) == 0 || len(y) == 0 || &x[0] == &y[0] {
		return false
	}
	xs, ys := uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&y[0]))
	return xs < ys+uintptr(len(y)) && ys < xs+uintptr(len(x))
}

// Wipe clears the expanded key. The AEAD must not be used afterwards, and
// Wipe must not race with Seal or Open.
func (a *AEAD) Wipe() {
	clear(a.xk[:])
	if a.soft != nil {
		clear(a.soft.w[:])
	}
	a.nr = 0
}
