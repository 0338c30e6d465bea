package net80211

import (
	"crypto/subtle"
	"encoding/binary"

	"github.com/gopkt/gopkt/crypto/cmac"
	"github.com/gopkt/gopkt/crypto/gcm"
	"github.com/gopkt/gopkt/drivers/wifi80211/frame"
	"github.com/gopkt/gopkt/drivers/wifi80211/ie"
)

// The Broadcast/multicast Integrity Protocol (802.11-2020 12.5.4): a
// group-addressed robust management frame ends with a Management MIC
// element (MME, 9.4.2.54: ID 76, Key ID 2 octets, IPN 6 octets, MIC) whose
// MIC covers the BIP AAD (12.5.4.3: Frame Control with Retry, Power
// Management and More Data masked, then A1, A2, A3) and the frame body
// with the MIC field zeroed. Four group management cipher suites:
//
//	BIP-CMAC-128 (00-0F-AC:6)  AES-128-CMAC, MIC its first 8 octets
//	BIP-GMAC-128 (00-0F-AC:11) AES-128-GMAC, 16-octet MIC
//	BIP-GMAC-256 (00-0F-AC:12) AES-256-GMAC, 16-octet MIC
//	BIP-CMAC-256 (00-0F-AC:13) AES-256-CMAC, 16-octet MIC
//
// BIP-GMAC is GCM with nothing to encrypt: the nonce is A2 followed by the
// IPN most significant octet first (12.5.4.5: "nonce = A2 || IPN", the
// IPN as an integer, as hostapd's bip_gmac and the 802.11ac Annex M
// vectors have it), the AAD || body is GCM's additional data, the tag the
// MIC. The IGTK is 16 octets for the 128-bit suites, 32 for the 256-bit.

// bipAADLen is the BIP AAD length: Frame Control and three addresses.
const bipAADLen = 2 + 3*6

// BIPKeyLen returns the IGTK length of a group management cipher suite, 0
// for one this package does not have.
func BIPKeyLen(s ie.Suite) int {
	switch s {
	case ie.CipherBIPCMAC, ie.CipherBIPGMAC128:
		return 16
	case ie.CipherBIPGMAC256, ie.CipherBIPCMAC256:
		return 32
	}
	return 0
}

// BIPMICLen returns the MME MIC length of a group management cipher suite:
// 8 for BIP-CMAC-128, 16 for the others (9.4.2.54).
func BIPMICLen(s ie.Suite) int {
	if s == ie.CipherBIPCMAC {
		return 8
	}
	return 16
}

// BIP is one integrity group temporal key (IGTK) with its group
// management cipher. Protect and Check do not allocate once the scratch
// space has grown to the largest frame seen. A BIP is used by one
// goroutine at a time.
type BIP struct {
	suite  ie.Suite
	id     uint16
	micLen int
	key    [32]byte
	keyLen int
	cmac   *cmac.CMAC
	gmac   *gcm.AEAD
	// scratch holds AAD || body for GMAC, whose additional data must be
	// one slice; tag receives the computed MIC.
	scratch []byte
	tag     [16]byte
	nonce   [gcm.NonceSize]byte
}

// NewBIP prepares the IGTK key with key ID id (4 or 5 for an IGTK,
// 12.7.2) for the group management cipher suite.
func NewBIP(suite ie.Suite, id uint16, key []byte) (*BIP, error) {
	n := BIPKeyLen(suite)
	if n == 0 {
		return nil, opErr("new IGTK", "", ErrNotSupported, "group management cipher %v is not one of BIP-CMAC-128, BIP-GMAC-128, BIP-GMAC-256, BIP-CMAC-256", suite)
	}
	if len(key) != n {
		return nil, opErr("new IGTK", "", ErrKeyInvalid, "%v needs a %d-octet IGTK, got %d", suite, n, len(key))
	}
	if allZero(key) {
		return nil, opErr("new IGTK", "", ErrKeyInvalid, "refusing an all-zero %v IGTK", suite)
	}
	b := &BIP{suite: suite, id: id, micLen: BIPMICLen(suite), keyLen: n}
	copy(b.key[:], key)
	var err error
	switch suite {
	case ie.CipherBIPCMAC, ie.CipherBIPCMAC256:
		b.cmac, err = cmac.New(key)
	default:
		b.gmac, err = gcm.New(key)
	}
	if err != nil {
		return nil, opErr("new IGTK", "", ErrKeyInvalid, "%v: %v", suite, err)
	}
	return b, nil
}

// Suite returns the group management cipher suite.
func (b *BIP) Suite() ie.Suite { return b.suite }

// ID returns the key ID.
func (b *BIP) ID() uint16 { return b.id }

// MICLen returns the MME MIC length.
func (b *BIP) MICLen() int { return b.micLen }

// MMELen returns the length of the Management MIC element, header
// included: 18 for BIP-CMAC-128, 26 for the others.
func (b *BIP) MMELen() int { return 2 + 8 + b.micLen }

// SameKey reports whether b holds exactly key, in constant time.
func (b *BIP) SameKey(key []byte) bool {
	return b != nil && len(key) == b.keyLen && subtle.ConstantTimeCompare(key, b.key[:b.keyLen]) == 1
}

// Protect appends the MME for packet number ipn to the management frame f
// (a 24-octet header and its body) and returns the protected frame
// (12.5.4.5). It allocates only when f lacks the capacity.
func (b *BIP) Protect(f []byte, ipn uint64) ([]byte, error) {
	if len(f) < 24 || len(f) < frame.Frame(f).HeaderLen() {
		return nil, ErrTruncated
	}
	f = append(f, ie.IDMMIE, byte(8+b.micLen))
	f = binary.LittleEndian.AppendUint16(f, b.id)
	f = append(f, byte(ipn), byte(ipn>>8), byte(ipn>>16), byte(ipn>>24), byte(ipn>>32), byte(ipn>>40))
	f = append(f, make([]byte, b.micLen)...)
	mic := b.mic(frame.Frame(f), ipn)
	copy(f[len(f)-b.micLen:], mic)
	return f, nil
}

// Check verifies the MME of the group-addressed management frame f: the
// MME must be the last element, of this suite's length, name this key,
// and carry the MIC the IGTK gives. It returns the frame's IPN; the
// replay check (the IPN above the last one accepted, 12.5.4.6) is the
// caller's. It returns ErrTruncated for a frame without a well-formed MME,
// ErrKeyID for another key's, ErrDecrypt for a wrong MIC.
func (b *BIP) Check(f frame.Frame) (uint64, error) {
	ipn, id, err := MMEFields(f, b.micLen)
	if err != nil {
		return 0, err
	}
	if id != b.id {
		return 0, ErrKeyID
	}
	// Compare against the MIC computed with the field zeroed: the frame
	// itself is not modified.
	body := f.Body()
	got := body[len(body)-b.micLen:]
	want := b.mic(f, ipn)
	if subtle.ConstantTimeCompare(want, got) != 1 {
		return 0, ErrDecrypt
	}
	return ipn, nil
}

// MMEFields returns the IPN and key ID of the Management MIC element that
// ends f, which must have a MIC of micLen octets.
func MMEFields(f frame.Frame, micLen int) (ipn uint64, keyID uint16, err error) {
	if len(f) < 24 || len(f) < f.HeaderLen() {
		return 0, 0, ErrTruncated
	}
	body := f.Body()
	n := 2 + 8 + micLen
	if len(body) < n || body[len(body)-n] != ie.IDMMIE || int(body[len(body)-n+1]) != 8+micLen {
		return 0, 0, ErrTruncated
	}
	m := body[len(body)-n+2:]
	keyID = binary.LittleEndian.Uint16(m)
	ipn = uint64(binary.LittleEndian.Uint32(m[2:])) | uint64(binary.LittleEndian.Uint16(m[6:]))<<32
	return ipn, keyID, nil
}

// mic computes the MIC of f, whose last b.micLen octets are the MME's MIC
// field (taken as zero whatever they hold), into b.tag.
func (b *BIP) mic(f frame.Frame, ipn uint64) []byte {
	var aad [bipAADLen]byte
	fc := f.FC() &^ (frame.FlagRetry | frame.FlagPwrMgt | frame.FlagMoreData)
	aad[0], aad[1] = byte(fc), byte(fc>>8)
	copy(aad[2:], f[4:22])
	body := f.Body()
	head := body[:len(body)-b.micLen]
	var zero [16]byte
	if b.cmac != nil {
		b.tag = b.cmac.MAC(aad[:], head, zero[:b.micLen])
		return b.tag[:b.micLen]
	}
	s := append(b.scratch[:0], aad[:]...)
	s = append(s, head...)
	s = append(s, zero[:b.micLen]...)
	b.scratch = s
	copy(b.nonce[:6], f[10:16])
	for i := range 6 {
		b.nonce[6+i] = byte(ipn >> (40 - 8*i))
	}
	b.gmac.Seal(b.tag[:0], b.nonce[:], nil, s)
	return b.tag[:]
}
