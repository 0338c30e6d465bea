package ie

// Vendor is a decoded Vendor Specific element (9.4.2.26) with a 3-octet OUI.
type Vendor struct {
	OUI  uint32 // 24-bit
	Type uint8  // first octet after the OUI (vendor-defined; WPA=1, WMM=2 for 00:50:F2)
	Data []byte // after the type octet; aliases the element
}

// ParseVendor decodes a vendor element body with at least OUI and type.
func ParseVendor(data []byte) (Vendor, error) {
	if len(data) < 4 {
		return Vendor{}, ErrTruncated
	}
	return Vendor{uint32(data[0])<<16 | uint32(data[1])<<8 | uint32(data[2]), data[3], data[4:]}, nil
}

// AppendVendor appends a vendor element.
func AppendVendor(dst []byte, v *Vendor) []byte {
	n := 4 + len(v.Data)
	dst = append(dst, IDVendor, byte(n), byte(v.OUI>>16), byte(v.OUI>>8), byte(v.OUI), v.Type)
	return append(dst, v.Data...)
}

// Vendor types under OUIMicrosoft.
const (
	VendorTypeWPA = 1
	VendorTypeWMM = 2
)

// FindVendor returns the first vendor element with the given OUI and type.
func FindVendor(b []byte, oui uint32, typ uint8) (Vendor, bool) {
	it := NewIter(b)
	for it.Next() {
		e := it.Element()
		if e.ID != IDVendor {
			continue
		}
		if v, err := ParseVendor(e.Data); err == nil && v.OUI == oui && v.Type == typ {
			return v, true
		}
	}
	return Vendor{}, false
}
