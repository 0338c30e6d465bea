package eapol

import (
	"encoding/binary"
	"errors"
)

// EtherType of EAPOL (IEEE 802.1X-2010 11.1).
const EtherType = 0x888e

// Packet types (IEEE 802.1X-2010 11.3.2).
const (
	TypeEAP    = 0
	TypeStart  = 1
	TypeLogoff = 2
	TypeKey    = 3
)

// Sentinel errors.
var (
	ErrTruncated = errors.New("eapol: truncated")
	ErrMalformed = errors.New("eapol: malformed")
	ErrType      = errors.New("eapol: not an EAPOL-Key frame")
)

// HeaderLen is the EAPOL header length.
const HeaderLen = 4

// EAPOL is a view of an EAPOL PDU: version, type, body length, body.
type EAPOL []byte

// ParseEAPOL checks the header and that the body length fits. Trailing octets
// after the announced body (Ethernet padding) are allowed; Body excludes them.
func ParseEAPOL(b []byte) (EAPOL, error) {
	if len(b) < HeaderLen {
		return nil, ErrTruncated
	}
	if int(binary.BigEndian.Uint16(b[2:])) > len(b)-HeaderLen {
		return nil, ErrTruncated
	}
	return EAPOL(b), nil
}

// Version returns the protocol version (1, 2 or 3).
func (e EAPOL) Version() uint8 { return e[0] }

// Type returns the packet type.
func (e EAPOL) Type() uint8 { return e[1] }

// BodyLen returns the announced body length.
func (e EAPOL) BodyLen() int { return int(binary.BigEndian.Uint16(e[2:])) }

// Body returns the body (exactly BodyLen octets).
func (e EAPOL) Body() []byte { return e[HeaderLen : HeaderLen+e.BodyLen()] }

// Frame returns header and body without trailing padding: the bytes a MIC covers.
func (e EAPOL) Frame() []byte { return e[:HeaderLen+e.BodyLen()] }
