package ie

// MaxSSIDLen is the longest SSID (9.4.2.2).
const MaxSSIDLen = 32

// ParseSSID checks an SSID element body: 0 to 32 octets of any value (SSIDs
// are not required to be UTF-8; 9.4.2.2). The result aliases data.
func ParseSSID(data []byte) ([]byte, error) {
	if len(data) > MaxSSIDLen {
		return nil, ErrMalformed
	}
	return data, nil
}

// AppendSSID appends an SSID element.
func AppendSSID(dst, ssid []byte) []byte { return AppendElement(dst, IDSSID, ssid) }

// Rate is one entry of a Supported Rates element: bit 7 marks a basic rate,
// bits 0-6 the rate in 500 kb/s units (9.4.2.3).
type Rate uint8

// Basic reports the basic-rate bit.
func (r Rate) Basic() bool { return r&0x80 != 0 }

// Kbps returns the rate in kb/s.
func (r Rate) Kbps() int { return int(r&0x7f) * 500 }

// Rate value of the BSS membership selectors (9.4.2.3, table 9-78): not rates.
const (
	SelectorHTPHY  = 127
	SelectorVHTPHY = 126
	SelectorSAE    = 123
)

// IsSelector reports whether r is a BSS membership selector, not a rate.
func (r Rate) IsSelector() bool {
	v := r & 0x7f
	return r.Basic() && (v == SelectorHTPHY || v == SelectorVHTPHY || v == SelectorSAE)
}

// ParseRates checks a Supported Rates (1 to 8 octets) or Extended Supported
// Rates (1 to 255) body.
func ParseRates(data []byte, extended bool) ([]Rate, error) {
	if len(data) == 0 || (!extended && len(data) > 8) {
		return nil, ErrMalformed
	}
	out := make([]Rate, len(data))
	for i, v := range data {
		out[i] = Rate(v)
	}
	return out, nil
}

// AppendRates appends a Supported Rates element with the first eight rates
// and, if there are more, an Extended Supported Rates element.
func AppendRates(dst []byte, rates []Rate) []byte {
	n := min(len(rates), 8)
	dst = append(dst, IDRates, byte(n))
	for _, r := range rates[:n] {
		dst = append(dst, byte(r))
	}
	if len(rates) > 8 {
		ext := rates[8:]
		dst = append(dst, IDExtRates, byte(len(ext)))
		for _, r := range ext {
			dst = append(dst, byte(r))
		}
	}
	return dst
}

// ParseDS returns the channel of a DS Parameter Set body (9.4.2.4).
func ParseDS(data []byte) (uint8, error) {
	if len(data) != 1 {
		return 0, ErrMalformed
	}
	return data[0], nil
}

// AppendDS appends a DS Parameter Set element.
func AppendDS(dst []byte, channel uint8) []byte { return append(dst, IDDSParams, 1, channel) }

// TIM is a decoded Traffic Indication Map (9.4.2.6).
type TIM struct {
	DTIMCount  uint8
	DTIMPeriod uint8
	BitmapCtl  uint8  // bit 0: group traffic buffered; bits 1-7: bitmap offset / 2
	Bitmap     []byte // partial virtual bitmap (aliases the element)
}

// ParseTIM decodes a TIM body (at least 4 octets).
func ParseTIM(data []byte) (TIM, error) {
	if len(data) < 4 {
		return TIM{}, ErrTruncated
	}
	return TIM{data[0], data[1], data[2], data[3:]}, nil
}

// Multicast reports the group-addressed traffic bit.
func (t TIM) Multicast() bool { return t.BitmapCtl&1 != 0 }

// HasAID reports whether the partial virtual bitmap has traffic for aid.
func (t TIM) HasAID(aid uint16) bool {
	offset := int(t.BitmapCtl & 0xfe) // N1 = 2 * (offset field), in octets
	octet := int(aid/8) - offset
	if octet < 0 || octet >= len(t.Bitmap) {
		return false
	}
	return t.Bitmap[octet]&(1<<(aid%8)) != 0
}

// AppendTIM appends a TIM element.
func AppendTIM(dst []byte, t *TIM) []byte {
	bm := t.Bitmap
	if len(bm) == 0 {
		bm = []byte{0}
	}
	dst = append(dst, IDTIM, byte(3+len(bm)), t.DTIMCount, t.DTIMPeriod, t.BitmapCtl)
	return append(dst, bm...)
}

// CountryTriplet is a sub-band of a Country element (9.4.2.9).
type CountryTriplet struct {
	FirstChannel uint8
	NumChannels  uint8
	MaxPowerDBm  int8
}

// Country is a decoded Country element.
type Country struct {
	Code     [3]byte // two letters plus environment octet (' ', 'O', 'I', or 'X')
	Triplets []CountryTriplet
}

// ParseCountry decodes a Country body. Operating-class triplets (first octet
// ≥ 201) are kept as raw triplets.
func ParseCountry(data []byte) (Country, error) {
	if len(data) < 3 {
		return Country{}, ErrTruncated
	}
	var c Country
	copy(c.Code[:], data)
	rest := data[3:]
	for len(rest) >= 3 {
		c.Triplets = append(c.Triplets, CountryTriplet{rest[0], rest[1], int8(rest[2])})
		rest = rest[3:]
	}
	// One pad octet keeps the element length even (9.4.2.9); more is malformed.
	if len(rest) > 1 || (len(rest) == 1 && rest[0] != 0) {
		return Country{}, ErrMalformed
	}
	return c, nil
}

// AppendCountry appends a Country element, padded to even length.
func AppendCountry(dst []byte, c *Country) []byte {
	n := 3 + 3*len(c.Triplets)
	pad := n & 1
	dst = append(dst, IDCountry, byte(n+pad))
	dst = append(dst, c.Code[:]...)
	for _, t := range c.Triplets {
		dst = append(dst, t.FirstChannel, t.NumChannels, byte(t.MaxPowerDBm))
	}
	if pad == 1 {
		dst = append(dst, 0)
	}
	return dst
}

// ERP element bits (9.4.2.12).
const (
	ERPNonERPPresent = 0x01
	ERPUseProtection = 0x02
	ERPBarkerPreamb  = 0x04
)

// ParseERP returns the ERP flags octet.
func ParseERP(data []byte) (uint8, error) {
	if len(data) < 1 {
		return 0, ErrTruncated
	}
	return data[0], nil
}
