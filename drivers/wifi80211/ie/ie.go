package ie

import "errors"

// Element IDs (9.4.2.1, table 9-77).
const (
	IDSSID         = 0
	IDRates        = 1
	IDDSParams     = 3
	IDTIM          = 5
	IDCountry      = 7
	IDChallenge    = 16
	IDPowerConstr  = 32
	IDERP          = 42
	IDHTCaps       = 45
	IDRSN          = 48
	IDExtRates     = 50
	IDMobilityDom  = 54
	IDHTOperation  = 61
	IDRMEnabled    = 70
	IDExtCaps      = 127
	IDVHTCaps      = 191
	IDVHTOperation = 192
	IDVendor       = 221
	IDRSNX         = 244 // RSN Extension element (802.11-2020 9.4.2.241)
	IDMMIE         = 76  // Management MIC element (9.4.2.55)
	IDExtension    = 255
)

// Sentinel errors.
var (
	// ErrTruncated means an element's length runs past the buffer or a
	// typed element is shorter than its fixed part.
	ErrTruncated = errors.New("ie: truncated element")
	// ErrMalformed means an element's content contradicts the standard
	// (bad length, counts that do not fit, reserved values).
	ErrMalformed = errors.New("ie: malformed element")
	// ErrVersion means an RSN or WPA element with a version other than 1.
	ErrVersion = errors.New("ie: unsupported element version")
	// ErrNotFound means the requested element is absent.
	ErrNotFound = errors.New("ie: element not found")
)

// Element is one element: ID and body (without the two header octets).
type Element struct {
	ID   uint8
	Data []byte
}

// Iter walks an element list. The zero Iter is empty.
//
//	for it := ie.NewIter(b); it.Next(); { e := it.Element() ... }
//	if err := it.Err(); err != nil { ... }
type Iter struct {
	b   []byte
	cur Element
	err error
}

// NewIter starts iterating over b.
func NewIter(b []byte) Iter { return Iter{b: b} }

// Next advances to the next element and reports whether there is one.
func (it *Iter) Next() bool {
	if len(it.b) == 0 || it.err != nil {
		return false
	}
	if len(it.b) < 2 || len(it.b) < 2+int(it.b[1]) {
		it.err = ErrTruncated
		return false
	}
	n := 2 + int(it.b[1])
	it.cur = Element{ID: it.b[0], Data: it.b[2:n:n]}
	it.b = it.b[n:]
	return true
}

// Element returns the current element.
func (it *Iter) Element() Element { return it.cur }

// Err returns the error that stopped the iteration, if any.
func (it *Iter) Err() error { return it.err }

// Validate checks that b is a well-formed list of elements.
func Validate(b []byte) error {
	it := NewIter(b)
	for it.Next() {
	}
	return it.Err()
}

// Find returns the body of the first element with the given ID.
func Find(b []byte, id uint8) ([]byte, bool) {
	it := NewIter(b)
	for it.Next() {
		if it.cur.ID == id {
			return it.cur.Data, true
		}
	}
	return nil, false
}

// AppendElement appends one element. Bodies longer than 255 octets are cut
// to 255; callers building longer ones must fragment (unsupported here).
func AppendElement(dst []byte, id uint8, data []byte) []byte {
	if len(data) > 255 {
		data = data[:255]
	}
	dst = append(dst, id, byte(len(data)))
	return append(dst, data...)
}
