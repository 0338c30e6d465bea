package frame

import (
	"encoding/binary"
	"net"
)

// Capability Information bits (9.4.1.4).
const (
	CapESS           = 0x0001
	CapIBSS          = 0x0002
	CapPrivacy       = 0x0010
	CapShortPreamble = 0x0020
	CapSpectrumMgmt  = 0x0100
	CapQoS           = 0x0200
	CapShortSlot     = 0x0400
	CapRadioMeas     = 0x1000
)

// Authentication algorithm numbers (9.4.1.1).
const (
	AuthOpen   = 0
	AuthShared = 1
	AuthFT     = 2
	AuthSAE    = 3
)

// Beacon is the body of a Beacon or Probe Response frame (9.3.3.3, 9.3.3.11):
// Timestamp, Beacon Interval, Capability, then elements.
type Beacon []byte

// BeaconFixedLen is the length of the fixed fields.
const BeaconFixedLen = 12

// ParseBeacon checks the fixed fields.
func ParseBeacon(b []byte) (Beacon, error) {
	if len(b) < BeaconFixedLen {
		return nil, ErrTruncated
	}
	return Beacon(b), nil
}

// Timestamp returns the TSF timer value in microseconds.
func (b Beacon) Timestamp() uint64 { return binary.LittleEndian.Uint64(b) }

// Interval returns the beacon interval in time units (1024 µs).
func (b Beacon) Interval() uint16 { return binary.LittleEndian.Uint16(b[8:]) }

// Capability returns the Capability Information field.
func (b Beacon) Capability() uint16 { return binary.LittleEndian.Uint16(b[10:]) }

// Elements returns the element bytes (parse them with package ie).
func (b Beacon) Elements() []byte { return b[BeaconFixedLen:] }

// BeaconFields is the decoded fixed part of a Beacon or Probe Response.
type BeaconFields struct {
	Timestamp  uint64
	Interval   uint16
	Capability uint16
}

// Fields decodes the fixed fields.
func (b Beacon) Fields() BeaconFields {
	return BeaconFields{b.Timestamp(), b.Interval(), b.Capability()}
}

// Encode writes the fixed fields into b (at least BeaconFixedLen long).
func (b Beacon) Encode(f *BeaconFields) {
	binary.LittleEndian.PutUint64(b, f.Timestamp)
	binary.LittleEndian.PutUint16(b[8:], f.Interval)
	binary.LittleEndian.PutUint16(b[10:], f.Capability)
}

// Auth is the body of an Authentication frame (9.3.3.12).
type Auth []byte

// AuthFixedLen is the length of the fixed fields.
const AuthFixedLen = 6

// ParseAuth checks the fixed fields.
func ParseAuth(b []byte) (Auth, error) {
	if len(b) < AuthFixedLen {
		return nil, ErrTruncated
	}
	return Auth(b), nil
}

// Algorithm returns the authentication algorithm number.
func (a Auth) Algorithm() uint16 { return binary.LittleEndian.Uint16(a) }

// Seq returns the authentication transaction sequence number.
func (a Auth) Seq() uint16 { return binary.LittleEndian.Uint16(a[2:]) }

// Status returns the status code (9.4.1.9).
func (a Auth) Status() uint16 { return binary.LittleEndian.Uint16(a[4:]) }

// Elements returns what follows the fixed fields (challenge text, SAE data).
func (a Auth) Elements() []byte { return a[AuthFixedLen:] }

// AuthFields is the decoded fixed part of an Authentication frame.
type AuthFields struct {
	Algorithm, Seq, Status uint16
}

// Fields decodes the fixed fields.
func (a Auth) Fields() AuthFields { return AuthFields{a.Algorithm(), a.Seq(), a.Status()} }

// Encode writes the fixed fields.
func (a Auth) Encode(f *AuthFields) {
	binary.LittleEndian.PutUint16(a, f.Algorithm)
	binary.LittleEndian.PutUint16(a[2:], f.Seq)
	binary.LittleEndian.PutUint16(a[4:], f.Status)
}

// Reason is the body of a Deauthentication or Disassociation frame (9.3.3.13,
// 9.3.3.5): a reason code, optionally followed by vendor elements.
type Reason []byte

// ParseReason checks the reason code is present.
func ParseReason(b []byte) (Reason, error) {
	if len(b) < 2 {
		return nil, ErrTruncated
	}
	return Reason(b), nil
}

// Code returns the reason code (9.4.1.7).
func (r Reason) Code() uint16 { return binary.LittleEndian.Uint16(r) }

// Encode writes the reason code.
func (r Reason) Encode(code uint16) { binary.LittleEndian.PutUint16(r, code) }

// Reason codes used by the layer (9.4.1.7, table 9-45).
const (
	ReasonUnspecified      = 1
	ReasonAuthExpired      = 2
	ReasonDeauthLeaving    = 3
	ReasonInactivity       = 4
	ReasonClass2NotAuth    = 6
	ReasonClass3NotAssoc   = 7
	ReasonDisassocLeaving  = 8
	ReasonNotAuthed        = 9
	ReasonInvalidIE        = 13
	ReasonMICFailure       = 14
	Reason4WayTimeout      = 15
	ReasonGroupKeyTimeout  = 16
	ReasonIEMismatch       = 17
	ReasonInvalidGroupCiph = 18
	ReasonInvalidPairCiph  = 19
	ReasonInvalidAKMP      = 20
	ReasonUnsuppRSNVersion = 21
	ReasonInvalidRSNCaps   = 22
	ReasonCipherRejected   = 24
)

// Status codes used by the layer (9.4.1.9, table 9-46).
const (
	StatusSuccess            = 0
	StatusUnspecified        = 1
	StatusCapsUnsupported    = 10
	StatusAlgUnsupported     = 13
	StatusAuthSeqUnexpected  = 14
	StatusChallengeFail      = 15
	StatusAuthTimeout        = 16
	StatusTooManyStations    = 17
	StatusRatesUnsupported   = 18
	StatusInvalidRSNIE       = 72
	StatusRefusedUnspecified = 37
)

// AssocReq is the body of an Association Request (9.3.3.6) or, with the
// current AP address, a Reassociation Request (9.3.3.8).
type AssocReq struct {
	b       []byte
	reassoc bool
}

// ParseAssocReq checks the fixed fields; reassoc selects the Reassociation
// Request layout (which adds the Current AP Address).
func ParseAssocReq(b []byte, reassoc bool) (AssocReq, error) {
	n := 4
	if reassoc {
		n = 10
	}
	if len(b) < n {
		return AssocReq{}, ErrTruncated
	}
	return AssocReq{b, reassoc}, nil
}

// Capability returns the Capability Information field.
func (a AssocReq) Capability() uint16 { return binary.LittleEndian.Uint16(a.b) }

// ListenInterval returns the listen interval in beacon intervals.
func (a AssocReq) ListenInterval() uint16 { return binary.LittleEndian.Uint16(a.b[2:]) }

// CurrentAP returns the current AP address of a Reassociation Request, else nil.
func (a AssocReq) CurrentAP() net.HardwareAddr {
	if !a.reassoc {
		return nil
	}
	return net.HardwareAddr(a.b[4:10:10])
}

// Elements returns the element bytes.
func (a AssocReq) Elements() []byte {
	if a.reassoc {
		return a.b[10:]
	}
	return a.b[4:]
}

// AssocReqFields is the decoded fixed part of an (Re)Association Request.
type AssocReqFields struct {
	Capability     uint16
	ListenInterval uint16
	CurrentAP      net.HardwareAddr // set only for reassociation
}

// Len returns the encoded length of the fixed fields.
func (f *AssocReqFields) Len() int {
	if f.CurrentAP != nil {
		return 10
	}
	return 4
}

// AppendAssocReq appends the fixed fields to dst.
func AppendAssocReq(dst []byte, f *AssocReqFields) []byte {
	dst = binary.LittleEndian.AppendUint16(dst, f.Capability)
	dst = binary.LittleEndian.AppendUint16(dst, f.ListenInterval)
	if f.CurrentAP != nil {
		dst = append(dst, f.CurrentAP[:6]...)
	}
	return dst
}

// Fields decodes the fixed fields.
func (a AssocReq) Fields() AssocReqFields {
	return AssocReqFields{a.Capability(), a.ListenInterval(), a.CurrentAP()}
}

// AssocResp is the body of an (Re)Association Response (9.3.3.7, 9.3.3.9).
type AssocResp []byte

// AssocRespFixedLen is the length of the fixed fields.
const AssocRespFixedLen = 6

// ParseAssocResp checks the fixed fields.
func ParseAssocResp(b []byte) (AssocResp, error) {
	if len(b) < AssocRespFixedLen {
		return nil, ErrTruncated
	}
	return AssocResp(b), nil
}

// Capability returns the Capability Information field.
func (a AssocResp) Capability() uint16 { return binary.LittleEndian.Uint16(a) }

// Status returns the status code.
func (a AssocResp) Status() uint16 { return binary.LittleEndian.Uint16(a[2:]) }

// AID returns the association ID without the two top bits (9.4.1.8).
func (a AssocResp) AID() uint16 { return binary.LittleEndian.Uint16(a[4:]) & 0x3fff }

// Elements returns the element bytes.
func (a AssocResp) Elements() []byte { return a[AssocRespFixedLen:] }

// AssocRespFields is the decoded fixed part of an Association Response.
type AssocRespFields struct {
	Capability, Status, AID uint16
}

// Fields decodes the fixed fields.
func (a AssocResp) Fields() AssocRespFields {
	return AssocRespFields{a.Capability(), a.Status(), a.AID()}
}

// Encode writes the fixed fields; the AID gets its two top bits set as 9.4.1.8 requires.
func (a AssocResp) Encode(f *AssocRespFields) {
	binary.LittleEndian.PutUint16(a, f.Capability)
	binary.LittleEndian.PutUint16(a[2:], f.Status)
	binary.LittleEndian.PutUint16(a[4:], f.AID|0xc000)
}

// Action is the body of an Action or Action No Ack frame (9.3.3.14).
type Action []byte

// ParseAction checks the category octet is present.
func ParseAction(b []byte) (Action, error) {
	if len(b) < 1 {
		return nil, ErrTruncated
	}
	return Action(b), nil
}

// Category returns the action category (9.4.1.11).
func (a Action) Category() uint8 { return a[0] }

// Protected categories: robust action frames are protected with MFP (table 9-47).
const (
	CategorySpectrum  = 0
	CategoryQoS       = 1
	CategoryBlockAck  = 3
	CategoryPublic    = 4
	CategorySAQuery   = 8
	CategoryHT        = 7
	CategoryVHT       = 21
	CategoryVendor    = 127
	CategoryVendorPrt = 126
)

// ActionCode returns the action field after the category, or -1 if absent.
func (a Action) ActionCode() int {
	if len(a) < 2 {
		return -1
	}
	return int(a[1])
}

// Payload returns the bytes after category and action code.
func (a Action) Payload() []byte {
	if len(a) < 2 {
		return nil
	}
	return a[2:]
}
