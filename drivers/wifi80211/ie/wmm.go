package ie

// WMM (Wi-Fi Multimedia, the Wi-Fi Alliance profile of IEEE 802.11 EDCA)
// elements are vendor elements under OUI 00:50:F2, type 2, followed by an
// OUI subtype and version 1 (WMM Specification 1.2, 2.2.1 and 2.2.2). An
// AP announces the Parameter element in Beacons and Association
// Responses; a station asks for QoS with the Information element in its
// Association Request.

// WMM OUI subtypes.
const (
	WMMSubtypeInfo  = 0 // Information element (7 octets body)
	WMMSubtypeParam = 1 // Parameter element (24 octets body)
)

// WMM is a decoded WMM Information or Parameter element.
type WMM struct {
	Subtype uint8
	// QoSInfo: for an AP, the parameter set count (bits 0-3) and U-APSD
	// (bit 7); for a station, the U-APSD flags per AC and Max SP Length.
	QoSInfo uint8
	// AC holds the four AC parameter records (AC_BE, AC_BK, AC_VI,
	// AC_VO: ACI/AIFSN, ECWmin/ECWmax, TXOP limit) of a Parameter
	// element, as sent; zero for an Information element.
	AC [4][4]byte
}

// ParseWMM decodes the data of a vendor element already known to be OUI
// 00:50:F2 type 2 (Vendor.Data: subtype, version, ...). Only version 1
// exists; other subtypes (TSPEC) are ErrMalformed for this decoder.
func ParseWMM(data []byte) (WMM, error) {
	if len(data) < 3 {
		return WMM{}, ErrTruncated
	}
	if data[1] != 1 {
		return WMM{}, ErrVersion
	}
	w := WMM{Subtype: data[0], QoSInfo: data[2]}
	switch w.Subtype {
	case WMMSubtypeInfo:
		if len(data) != 3 {
			return WMM{}, ErrMalformed
		}
	case WMMSubtypeParam:
		// QoS Info, reserved, then four 4-octet AC records.
		if len(data) != 3+1+16 {
			return WMM{}, ErrMalformed
		}
		for i := range w.AC {
			copy(w.AC[i][:], data[4+4*i:])
		}
	default:
		return WMM{}, ErrMalformed
	}
	return w, nil
}

// AppendWMMInfo appends a WMM Information element with QoS Info qosInfo
// (0: no U-APSD), the element a station puts in its Association Request.
func AppendWMMInfo(dst []byte, qosInfo uint8) []byte {
	return AppendVendor(dst, &Vendor{OUI: OUIMicrosoft, Type: VendorTypeWMM, Data: []byte{WMMSubtypeInfo, 1, qosInfo}})
}
