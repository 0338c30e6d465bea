package ie

// Set is the decoded subset of a Beacon, Probe Response or (Re)Association
// frame's elements that the net80211 layer acts on. Raw keeps the RSN and
// WPA element bytes (header included) for the 4-way handshake, which copies
// them into message 2 and compares message 3 against them (12.7.6.3).
type Set struct {
	SSID     []byte
	HasSSID  bool
	Rates    []Rate // Supported and Extended Supported Rates, in order
	Channel  uint8  // DS Parameter Set; 0 when absent
	TIM      *TIM
	Country  *Country
	RSN      *RSN
	RSNRaw   []byte
	WPA      *RSN
	WPARaw   []byte
	HTCaps   *HTCaps
	HTOp     *HTOperation
	VHTCaps  *VHTCaps
	VHTOp    *VHTOperation
	WMM      *WMM   // WMM Information or Parameter element
	RSNX     []byte // RSN Extension element's body (RSNXCap* bits), nil when absent
	Vendors  int    // number of vendor elements seen
	Elements int    // number of elements seen
}

// ParseSet walks b and decodes the elements it knows. It stops at the first
// malformed known element or a truncated list and returns the error; unknown
// elements are skipped. The result aliases b.
func ParseSet(b []byte) (Set, error) {
	var s Set
	it := NewIter(b)
	for it.Next() {
		e := it.Element()
		s.Elements++
		raw := b[len(b)-len(it.b)-len(e.Data)-2 : len(b)-len(it.b)]
		var err error
		switch e.ID {
		case IDSSID:
			s.SSID, err = ParseSSID(e.Data)
			s.HasSSID = err == nil
		case IDRates, IDExtRates:
			var r []Rate
			r, err = ParseRates(e.Data, e.ID == IDExtRates)
			s.Rates = append(s.Rates, r...)
		case IDDSParams:
			s.Channel, err = ParseDS(e.Data)
		case IDTIM:
			var t TIM
			if t, err = ParseTIM(e.Data); err == nil {
				s.TIM = &t
			}
		case IDCountry:
			var c Country
			if c, err = ParseCountry(e.Data); err == nil {
				s.Country = &c
			}
		case IDRSN:
			var r RSN
			if r, err = ParseRSN(e.Data); err == nil {
				s.RSN, s.RSNRaw = &r, raw
			}
		case IDHTCaps:
			var h HTCaps
			if h, err = ParseHTCaps(e.Data); err == nil {
				s.HTCaps = &h
			}
		case IDHTOperation:
			var o HTOperation
			if o, err = ParseHTOperation(e.Data); err == nil {
				s.HTOp = &o
			}
		case IDVHTCaps:
			var v VHTCaps
			if v, err = ParseVHTCaps(e.Data); err == nil {
				s.VHTCaps = &v
			}
		case IDVHTOperation:
			var v VHTOperation
			if v, err = ParseVHTOperation(e.Data); err == nil {
				s.VHTOp = &v
			}
		case IDRSNX:
			if len(e.Data) == 0 {
				err = ErrTruncated
			} else {
				s.RSNX = e.Data
			}
		case IDVendor:
			s.Vendors++
			v, verr := ParseVendor(e.Data)
			switch {
			case verr == nil && v.OUI == OUIMicrosoft && v.Type == VendorTypeWPA:
				var r RSN
				if r, err = ParseWPA(v.Data); err == nil {
					s.WPA, s.WPARaw = &r, raw
				}
			case verr == nil && v.OUI == OUIMicrosoft && v.Type == VendorTypeWMM && s.WMM == nil:
				// Other WMM subtypes (TSPEC) and versions are skipped as
				// unknown, not errors.
				if w, werr := ParseWMM(v.Data); werr == nil {
					s.WMM = &w
				}
			}
		}
		if err != nil {
			return s, err
		}
	}
	return s, it.Err()
}
