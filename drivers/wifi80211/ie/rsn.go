package ie

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// Suite is a cipher or AKM suite selector: OUI in the top 24 bits, type in
// the low 8 (9.4.2.25.2, tables 9-131 and 9-133).
type Suite uint32

// OUIs of suite selectors.
const (
	OUIIEEE      = 0x000fac
	OUIMicrosoft = 0x0050f2 // WPA (pre-RSN) and WMM
)

// Cipher suites (table 9-131).
const (
	CipherUseGroup Suite = OUIIEEE << 8
	CipherWEP40    Suite = OUIIEEE<<8 | 1
	CipherTKIP     Suite = OUIIEEE<<8 | 2
	CipherCCMP128  Suite = OUIIEEE<<8 | 4
	CipherWEP104   Suite = OUIIEEE<<8 | 5
	CipherBIPCMAC  Suite = OUIIEEE<<8 | 6
	CipherNoGroup  Suite = OUIIEEE<<8 | 7
	CipherGCMP128  Suite = OUIIEEE<<8 | 8
	CipherGCMP256  Suite = OUIIEEE<<8 | 9
	CipherCCMP256  Suite = OUIIEEE<<8 | 10
	// Group management ciphers (12.5.4): BIP-CMAC-128 is CipherBIPCMAC.
	CipherBIPGMAC128 Suite = OUIIEEE<<8 | 11
	CipherBIPGMAC256 Suite = OUIIEEE<<8 | 12
	CipherBIPCMAC256 Suite = OUIIEEE<<8 | 13
)

// AKM suites (table 9-133).
const (
	AKM8021X       Suite = OUIIEEE<<8 | 1
	AKMPSK         Suite = OUIIEEE<<8 | 2
	AKMFT8021X     Suite = OUIIEEE<<8 | 3
	AKMFTPSK       Suite = OUIIEEE<<8 | 4
	AKM8021XSHA256 Suite = OUIIEEE<<8 | 5
	AKMPSKSHA256   Suite = OUIIEEE<<8 | 6
	AKMSAE         Suite = OUIIEEE<<8 | 8
)

// OUI returns the suite's OUI.
func (s Suite) OUI() uint32 { return uint32(s) >> 8 }

// Type returns the suite type.
func (s Suite) Type() uint8 { return uint8(s) }

// ToIEEE maps a WPA (00:50:F2) suite to the IEEE one with the same type.
func (s Suite) ToIEEE() Suite {
	if s.OUI() == OUIMicrosoft {
		return Suite(OUIIEEE<<8 | uint32(s.Type()))
	}
	return s
}

func (s Suite) String() string {
	switch s.ToIEEE() {
	case CipherWEP40:
		return "WEP-40"
	case CipherTKIP:
		return "TKIP"
	case CipherCCMP128:
		return "CCMP-128"
	case CipherWEP104:
		return "WEP-104"
	case CipherGCMP128:
		return "GCMP-128"
	case CipherBIPCMAC:
		return "BIP-CMAC-128"
	case CipherGCMP256:
		return "GCMP-256"
	case CipherCCMP256:
		return "CCMP-256"
	case CipherBIPGMAC128:
		return "BIP-GMAC-128"
	case CipherBIPGMAC256:
		return "BIP-GMAC-256"
	case CipherBIPCMAC256:
		return "BIP-CMAC-256"
	}
	return fmt.Sprintf("%06x:%d", s.OUI(), s.Type())
}

// RSN capability bits (9.4.2.25.4).
const (
	RSNCapPreauth   = 0x0001
	RSNCapNoPair    = 0x0002
	RSNCapMFPR      = 0x0040
	RSNCapMFPC      = 0x0080
	RSNCapPTKSAMask = 0x000c
	RSNCapGTKSAMask = 0x0030
)

// RSN is a decoded RSN element (9.4.2.25) or, with WPA set, a WPA vendor
// element (the pre-RSN format: OUI 00:50:F2 type 1, no capabilities).
type RSN struct {
	WPA          bool
	Version      uint16
	Group        Suite
	Pairwise     []Suite
	AKM          []Suite
	Capabilities uint16
	HasCaps      bool
	PMKIDs       [][16]byte
	GroupMgmt    Suite // 0 when absent
}

// ParseRSN decodes an RSN element body. Fields after the version are
// optional in the standard (defaults CCMP-128 / 802.1X); a list count that
// runs past the body is ErrMalformed.
func ParseRSN(data []byte) (RSN, error) { return parseRSN(data, false) }

// ParseWPA decodes the body of a WPA vendor element starting after its OUI
// and type octets (so data starts at the version).
func ParseWPA(data []byte) (RSN, error) { return parseRSN(data, true) }

func parseRSN(data []byte, wpa bool) (RSN, error) {
	r := RSN{WPA: wpa}
	if len(data) < 2 {
		return r, ErrTruncated
	}
	r.Version = binary.LittleEndian.Uint16(data)
	if r.Version != 1 {
		return r, ErrVersion
	}
	d := data[2:]
	defGroup, defAKM := CipherCCMP128, AKM8021X
	if wpa {
		defGroup, defAKM = Suite(OUIMicrosoft<<8|2), Suite(OUIMicrosoft<<8|1)
	}
	r.Group = defGroup
	if len(d) == 0 {
		r.Pairwise, r.AKM = []Suite{defGroup}, []Suite{defAKM}
		return r, nil
	}
	if len(d) < 4 {
		return r, ErrMalformed
	}
	r.Group = Suite(binary.BigEndian.Uint32(d))
	d = d[4:]
	var err error
	if r.Pairwise, d, err = suiteList(d); err != nil {
		return r, err
	}
	if r.Pairwise == nil {
		r.Pairwise = []Suite{defGroup}
	}
	if r.AKM, d, err = suiteList(d); err != nil {
		return r, err
	}
	if r.AKM == nil {
		r.AKM = []Suite{defAKM}
	}
	if wpa || len(d) == 0 {
		if wpa && len(d) != 0 {
			return r, ErrMalformed
		}
		return r, nil
	}
	if len(d) < 2 {
		return r, ErrMalformed
	}
	r.Capabilities, r.HasCaps = binary.LittleEndian.Uint16(d), true
	d = d[2:]
	if len(d) == 0 {
		return r, nil
	}
	if len(d) < 2 {
		return r, ErrMalformed
	}
	n := int(binary.LittleEndian.Uint16(d))
	d = d[2:]
	if len(d) < 16*n {
		return r, ErrMalformed
	}
	for range n {
		var id [16]byte
		copy(id[:], d)
		r.PMKIDs = append(r.PMKIDs, id)
		d = d[16:]
	}
	if len(d) == 0 {
		return r, nil
	}
	if len(d) != 4 {
		return r, ErrMalformed
	}
	r.GroupMgmt = Suite(binary.BigEndian.Uint32(d))
	return r, nil
}

// suiteList reads a count-prefixed list of suites. An absent list returns
// nil without error; a zero count is ErrMalformed (a present pairwise or AKM
// list holds at least one suite).
func suiteList(d []byte) ([]Suite, []byte, error) {
	if len(d) == 0 {
		return nil, d, nil
	}
	if len(d) < 2 {
		return nil, d, ErrMalformed
	}
	n := int(binary.LittleEndian.Uint16(d))
	d = d[2:]
	if n == 0 || len(d) < 4*n {
		return nil, d, ErrMalformed
	}
	out := make([]Suite, n)
	for i := range out {
		out[i] = Suite(binary.BigEndian.Uint32(d[4*i:]))
	}
	return out, d[4*n:], nil
}

// AppendRSN appends the element: an RSN element (ID 48) or, for WPA, a
// vendor element. Capabilities are written when HasCaps is set or any later
// field is present.
func AppendRSN(dst []byte, r *RSN) []byte {
	start := len(dst)
	if r.WPA {
		dst = append(dst, IDVendor, 0, 0x00, 0x50, 0xf2, 1)
	} else {
		dst = append(dst, IDRSN, 0)
	}
	dst = binary.LittleEndian.AppendUint16(dst, r.Version)
	dst = binary.BigEndian.AppendUint32(dst, uint32(r.Group))
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(r.Pairwise)))
	for _, s := range r.Pairwise {
		dst = binary.BigEndian.AppendUint32(dst, uint32(s))
	}
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(r.AKM)))
	for _, s := range r.AKM {
		dst = binary.BigEndian.AppendUint32(dst, uint32(s))
	}
	if !r.WPA && (r.HasCaps || len(r.PMKIDs) > 0 || r.GroupMgmt != 0) {
		dst = binary.LittleEndian.AppendUint16(dst, r.Capabilities)
		if len(r.PMKIDs) > 0 || r.GroupMgmt != 0 {
			dst = binary.LittleEndian.AppendUint16(dst, uint16(len(r.PMKIDs)))
			for _, id := range r.PMKIDs {
				dst = append(dst, id[:]...)
			}
			if r.GroupMgmt != 0 {
				dst = binary.BigEndian.AppendUint32(dst, uint32(r.GroupMgmt))
			}
		}
	}
	dst[start+1] = byte(len(dst) - start - 2)
	return dst
}

// Equal reports whether two RSN elements advertise the same security
// policy (version, group, pairwise and AKM lists, capabilities), the check
// 12.7.6.4 asks of message 3 against the Beacon/Probe Response.
func (r *RSN) Equal(o *RSN) bool {
	return r.WPA == o.WPA && r.Version == o.Version && r.Group == o.Group &&
		slices.Equal(r.Pairwise, o.Pairwise) && slices.Equal(r.AKM, o.AKM) &&
		r.Capabilities == o.Capabilities && r.GroupMgmt == o.GroupMgmt
}

// HasPairwise reports whether s is among the pairwise suites.
func (r *RSN) HasPairwise(s Suite) bool { return slices.Contains(r.Pairwise, s) }

// HasAKM reports whether s is among the AKM suites.
func (r *RSN) HasAKM(s Suite) bool { return slices.Contains(r.AKM, s) }

// RSN Extension capabilities (802.11-2020 9.4.2.241, figure 9-788e): bit
// numbers in the element's body, whose bits 0-3 give its length minus one.
const (
	RSNXCapProtectedTWT = 4
	RSNXCapSAEH2E       = 5 // the AP derives the SAE PWE by hash-to-element
	RSNXCapSAEPK        = 6
)

// RSNXHas reports whether the RSN Extension body rsnx has capability bit.
func RSNXHas(rsnx []byte, bit uint) bool {
	i := bit / 8
	return int(i) < len(rsnx) && rsnx[i]&(1<<(bit%8)) != 0
}
