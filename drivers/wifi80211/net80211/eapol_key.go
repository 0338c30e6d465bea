package net80211

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/subtle"

	"github.com/gopkt/gopkt/crypto/cmac"
	"github.com/gopkt/gopkt/crypto/keywrap"
	"github.com/gopkt/gopkt/crypto/rc4"
	"github.com/gopkt/gopkt/drivers/wifi80211/eapol"
)

// EAPOLMIC computes the Key MIC of an EAPOL frame whose MIC field is zero
// (802.11-2016 12.7.2 b.1): HMAC-MD5 for descriptor version 1, the first
// 128 bits of HMAC-SHA1 for version 2, AES-128-CMAC for version 3.
func EAPOLMIC(ver uint16, kck, pdu []byte) ([]byte, error) {
	switch ver {
	case eapol.VersionMD5RC4:
		m := hmac.New(md5.New, kck)
		m.Write(pdu)
		return m.Sum(nil)[:16], nil
	case eapol.VersionSHA1AES:
		m := hmac.New(sha1.New, kck)
		m.Write(pdu)
		return m.Sum(nil)[:16], nil
	case eapol.VersionCMACAES:
		c, err := cmac.New(kck)
		if err != nil {
			return nil, err
		}
		t := c.MAC(pdu)
		return t[:], nil
	}
	return nil, ErrNotSupported
}

// VerifyEAPOLMIC checks the MIC of the EAPOL frame pdu (header included,
// padding excluded) whose Key view is k.
func VerifyEAPOLMIC(ver uint16, kck []byte, pdu []byte, k eapol.Key) bool {
	scratch := append([]byte(nil), pdu...)
	off := k.MICOffset()
	clear(scratch[off : off+k.MICLen()])
	mic, err := EAPOLMIC(ver, kck, scratch)
	return err == nil && subtle.ConstantTimeCompare(mic, k.MIC()) == 1
}

// SetEAPOLMIC computes and writes the MIC of an EAPOL-Key frame built with
// a zero MIC field (eapol.AppendKey).
func SetEAPOLMIC(ver uint16, kck, pdu []byte) error {
	mic, err := EAPOLMIC(ver, kck, pdu)
	if err != nil {
		return err
	}
	copy(pdu[eapol.HeaderLen+77:], mic)
	return nil
}

// DecryptKeyData decrypts the Key Data field (12.7.2 j): AES key unwrap
// (RFC 3394) with the KEK for versions 2 and 3; for version 1, RC4 keyed
// with EAPOL-Key IV || KEK after discarding 256 octets of keystream.
func DecryptKeyData(ver uint16, kek, iv, data []byte) ([]byte, error) {
	switch ver {
	case eapol.VersionSHA1AES, eapol.VersionCMACAES:
		if len(data) < 24 || len(data)%8 != 0 {
			return nil, eapol.ErrMalformed
		}
		return keywrap.Unwrap(kek, data)
	case eapol.VersionMD5RC4:
		return rc4KeyData(kek, iv, data)
	}
	return nil, ErrNotSupported
}

// EncryptKeyData is the inverse of DecryptKeyData (used by the test AP);
// plain must already be padded for AES key wrap.
func EncryptKeyData(ver uint16, kek, iv, plain []byte) ([]byte, error) {
	switch ver {
	case eapol.VersionSHA1AES, eapol.VersionCMACAES:
		return keywrap.Wrap(kek, plain)
	case eapol.VersionMD5RC4:
		return rc4KeyData(kek, iv, plain)
	}
	return nil, ErrNotSupported
}

func rc4KeyData(kek, iv, data []byte) ([]byte, error) {
	key := append(append([]byte(nil), iv...), kek...)
	c, err := rc4.New(key)
	if err != nil {
		return nil, err
	}
	var skip [256]byte
	c.XORKeyStream(skip[:], skip[:])
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out, nil
}
