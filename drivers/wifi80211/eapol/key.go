package eapol

import "encoding/binary"

// Key descriptor types (12.7.2; WPA uses the 254 descriptor).
const (
	DescRSN = 2
	DescWPA = 254
)

// Key Information bits (12.7.2, figure 12-33).
const (
	InfoVersionMask = 0x0007 // Key Descriptor Version
	InfoPairwise    = 0x0008 // Key Type: 1 pairwise, 0 group
	InfoKeyIdxMask  = 0x0030 // WPA only: key index of a group key
	InfoInstall     = 0x0040
	InfoAck         = 0x0080
	InfoMIC         = 0x0100
	InfoSecure      = 0x0200
	InfoError       = 0x0400
	InfoRequest     = 0x0800
	InfoEncData     = 0x1000 // Encrypted Key Data
	InfoSMK         = 0x2000
)

// Key Descriptor Versions (12.7.2 b.1).
const (
	VersionMD5RC4   = 1 // HMAC-MD5 MIC, RC4 key wrap (TKIP)
	VersionSHA1AES  = 2 // HMAC-SHA1-128 MIC, AES key wrap (CCMP)
	VersionCMACAES  = 3 // AES-128-CMAC MIC, AES key wrap
	VersionAKMChose = 0 // defined by the AKM
)

// Field offsets in the EAPOL-Key body (12.7.2, figure 12-32).
const (
	offDesc      = 0
	offInfo      = 1
	offKeyLen    = 3
	offReplay    = 5
	offNonce     = 13
	offIV        = 45
	offRSC       = 61
	offReserved  = 69
	offMIC       = 77
	NonceLen     = 32
	DefaultMIC   = 16
	fixedWithout = 77 + 2 // everything but the MIC
)

// Key is a view of an EAPOL-Key body (after the EAPOL header).
type Key struct {
	b      []byte
	micLen int
}

// ParseKey checks an EAPOL-Key body for a MIC of micLen octets (16 for
// AKMs 1-6, 24 for the SHA-384 ones): fixed fields present, descriptor type
// RSN or WPA, and Key Data Length within the body.
func ParseKey(body []byte, micLen int) (Key, error) {
	if micLen != 16 && micLen != 24 {
		return Key{}, ErrMalformed
	}
	if len(body) < fixedWithout+micLen {
		return Key{}, ErrTruncated
	}
	if d := body[offDesc]; d != DescRSN && d != DescWPA {
		return Key{}, ErrMalformed
	}
	k := Key{body, micLen}
	if k.keyDataOff()+k.KeyDataLen() > len(body) {
		return Key{}, ErrTruncated
	}
	return k, nil
}

// ParseKeyFrame checks an EAPOL PDU of type Key and returns its Key view.
func ParseKeyFrame(b []byte, micLen int) (EAPOL, Key, error) {
	e, err := ParseEAPOL(b)
	if err != nil {
		return nil, Key{}, err
	}
	if e.Type() != TypeKey {
		return nil, Key{}, ErrType
	}
	k, err := ParseKey(e.Body(), micLen)
	return e, k, err
}

func (k Key) keyDataOff() int { return offMIC + k.micLen + 2 }

// Bytes returns the whole body.
func (k Key) Bytes() []byte { return k.b }

// Descriptor returns the descriptor type.
func (k Key) Descriptor() uint8 { return k.b[offDesc] }

// Info returns the Key Information field.
func (k Key) Info() uint16 { return binary.BigEndian.Uint16(k.b[offInfo:]) }

// DescVersion returns the Key Descriptor Version.
func (k Key) DescVersion() uint16 { return k.Info() & InfoVersionMask }

// KeyLen returns the Key Length field (pairwise cipher key length).
func (k Key) KeyLen() uint16 { return binary.BigEndian.Uint16(k.b[offKeyLen:]) }

// ReplayCounter returns the Key Replay Counter.
func (k Key) ReplayCounter() uint64 { return binary.BigEndian.Uint64(k.b[offReplay:]) }

// Nonce returns the Key Nonce (32 octets, aliased).
func (k Key) Nonce() []byte { return k.b[offNonce : offNonce+NonceLen] }

// IV returns the EAPOL-Key IV (16 octets).
func (k Key) IV() []byte { return k.b[offIV : offIV+16] }

// RSC returns the Key RSC: the group key's receive sequence counter,
// little-endian in the first 6 octets (12.7.2 h).
func (k Key) RSC() uint64 { return binary.LittleEndian.Uint64(k.b[offRSC:]) }

// MIC returns the Key MIC field (aliased).
func (k Key) MIC() []byte { return k.b[offMIC : offMIC+k.micLen] }

// MICLen returns the MIC length the view was parsed with.
func (k Key) MICLen() int { return k.micLen }

// MICOffset returns the MIC's offset within the EAPOL frame (header included).
func (k Key) MICOffset() int { return HeaderLen + offMIC }

// KeyDataLen returns the Key Data Length field.
func (k Key) KeyDataLen() int { return int(binary.BigEndian.Uint16(k.b[offMIC+k.micLen:])) }

// KeyData returns the Key Data (aliased; encrypted when InfoEncData is set).
func (k Key) KeyData() []byte {
	o := k.keyDataOff()
	return k.b[o : o+k.KeyDataLen()]
}

// KeyFields is the decoded form of an EAPOL-Key frame.
type KeyFields struct {
	EAPOLVersion  uint8 // EAPOL header version (1 or 2)
	Descriptor    uint8
	Info          uint16
	KeyLen        uint16
	ReplayCounter uint64
	Nonce         [NonceLen]byte
	IV            [16]byte
	RSC           uint64
	MIC           []byte // nil for a zero MIC of MICLen octets
	MICLen        int    // 0 means 16
	KeyData       []byte
}

// Fields decodes the view (slices alias it).
func (k Key) Fields() KeyFields {
	f := KeyFields{
		Descriptor: k.Descriptor(), Info: k.Info(), KeyLen: k.KeyLen(), ReplayCounter: k.ReplayCounter(),
		RSC: k.RSC(), MIC: k.MIC(), MICLen: k.micLen, KeyData: k.KeyData(),
	}
	copy(f.Nonce[:], k.Nonce())
	copy(f.IV[:], k.IV())
	return f
}

// AppendKey appends a complete EAPOL frame (header + EAPOL-Key body) for f
// and returns dst. The MIC field is written from f.MIC or zeroed, so the
// caller can compute the MIC over the result and patch it in at MICOffset.
func AppendKey(dst []byte, f *KeyFields) []byte {
	micLen := f.MICLen
	if micLen == 0 {
		micLen = DefaultMIC
	}
	bodyLen := fixedWithout + micLen + len(f.KeyData)
	v := f.EAPOLVersion
	if v == 0 {
		v = 2
	}
	dst = append(dst, v, TypeKey, byte(bodyLen>>8), byte(bodyLen), f.Descriptor)
	dst = binary.BigEndian.AppendUint16(dst, f.Info)
	dst = binary.BigEndian.AppendUint16(dst, f.KeyLen)
	dst = binary.BigEndian.AppendUint64(dst, f.ReplayCounter)
	dst = append(dst, f.Nonce[:]...)
	dst = append(dst, f.IV[:]...)
	dst = binary.LittleEndian.AppendUint64(dst, f.RSC)
	dst = append(dst, make([]byte, 8)...) // reserved
	mic := len(dst)
	dst = append(dst, make([]byte, micLen)...)
	copy(dst[mic:], f.MIC)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(f.KeyData)))
	return append(dst, f.KeyData...)
}
