package sae

import (
	"encoding/binary"
	"errors"
)

// Sentinel errors.
var (
	// ErrMalformed: a Commit, Confirm or token request that does not
	// parse (too short, elements that run past the frame).
	ErrMalformed = errors.New("sae: malformed message")
	// ErrGroup: the peer uses a finite cyclic group other than 19.
	ErrGroup = errors.New("sae: unsupported finite cyclic group")
	// ErrScalar: the peer's scalar is not in (1, r).
	ErrScalar = errors.New("sae: commit scalar out of range")
	// ErrElement: the peer's element is not a point of the curve.
	ErrElement = errors.New("sae: commit element not on the curve")
	// ErrReflection: the peer sent our own scalar and element back
	// (12.4.5.4).
	ErrReflection = errors.New("sae: commit reflected")
	// ErrConfirm: the peer's Confirm does not verify: it used another
	// password (or is forged).
	ErrConfirm = errors.New("sae: confirm does not verify")
	// ErrNoElement: no password element within the loop's bound.
	ErrNoElement = errors.New("sae: no password element found")
	// ErrState: a call out of the exchange's order.
	ErrState = errors.New("sae: out of order")
)

// Status codes of SAE Authentication frames (802.11-2020 9.4.1.9).
const (
	StatusSuccess       = 0
	StatusTokenRequired = 76  // ANTI_CLOGGING_TOKEN_REQUIRED
	StatusGroupRefused  = 77  // FINITE_CYCLIC_GROUP_NOT_SUPPORTED
	StatusUnknownPWID   = 123 // UNKNOWN_PASSWORD_IDENTIFIER
	StatusHashToElement = 126 // SAE_HASH_TO_ELEMENT
	StatusPK            = 127 // SAE_PK
	AuthSeqCommit       = 1
	AuthSeqConfirm      = 2
	elementIDExtension  = 255
	extIDPasswordID     = 33 // Password Identifier element (9.4.2.216)
	extIDRejectedGroups = 92 // Rejected Groups element (9.4.2.245)
	extIDTokenContainer = 93 // Anti-Clogging Token Container (9.4.2.246)
	commitFixedLen      = 2 + Len + 2*Len
	confirmLen          = 2 + Len
)

// Commit is a parsed SAE Commit body (802.11-2020 9.3.3.12, table 9-41):
// the fields after the Authentication frame's algorithm, sequence and
// status. The slices alias the frame.
type Commit struct {
	Group   uint16
	Token   []byte // anti-clogging token, when present
	Scalar  []byte // Len octets
	Element []byte // 2*Len octets: x || y
}

// ParseCommit parses a Commit body for group 19. h2e says which framing the
// exchange uses (status 126): then a token can only come in a container
// element after the element; with hunting-and-pecking it sits between
// the group and the scalar, and its length is what remains once the
// fixed fields and any trailing elements are accounted for. tokenLen is
// the length of the token we expect there (the one we sent; 0 for a
// Commit from an AP, which never carries one).
func ParseCommit(b []byte, h2e bool, tokenLen int) (Commit, error) {
	var c Commit
	if len(b) < 2 {
		return c, ErrMalformed
	}
	c.Group = binary.LittleEndian.Uint16(b)
	if c.Group != Group {
		return c, ErrGroup
	}
	rest := b[2:]
	if !h2e && tokenLen > 0 {
		if len(rest) < tokenLen {
			return c, ErrMalformed
		}
		c.Token, rest = rest[:tokenLen], rest[tokenLen:]
	}
	if len(rest) < Len+2*Len {
		return c, ErrMalformed
	}
	c.Scalar, c.Element, rest = rest[:Len], rest[Len:3*Len], rest[3*Len:]
	// Trailing elements: Password Identifier, Rejected Groups, the token
	// container. Each must be whole; unknown ones are skipped.
	for len(rest) > 0 {
		if len(rest) < 2 || len(rest) < 2+int(rest[1]) {
			return c, ErrMalformed
		}
		body := rest[2 : 2+int(rest[1])]
		if rest[0] == elementIDExtension && len(body) >= 1 && body[0] == extIDTokenContainer {
			if !h2e {
				return c, ErrMalformed
			}
			c.Token = body[1:]
		}
		rest = rest[2+int(rest[1]):]
	}
	return c, nil
}

// AppendCommit appends a Commit body: group, (hunting-and-pecking) token,
// scalar, element, (H2E) token container.
func AppendCommit(b []byte, c *Commit, h2e bool) []byte {
	b = binary.LittleEndian.AppendUint16(b, c.Group)
	if !h2e {
		b = append(b, c.Token...)
	}
	b = append(append(b, c.Scalar...), c.Element...)
	if h2e && len(c.Token) > 0 {
		b = append(b, elementIDExtension, byte(1+len(c.Token)), extIDTokenContainer)
		b = append(b, c.Token...)
	}
	return b
}

// ParseTokenRequest parses the body of an Authentication frame with status
// 76 (12.4.6): the group, then the token (raw with hunting-and-pecking, in
// a container element with H2E).
func ParseTokenRequest(b []byte, h2e bool) (group uint16, token []byte, err error) {
	if len(b) < 3 {
		return 0, nil, ErrMalformed
	}
	group, rest := binary.LittleEndian.Uint16(b), b[2:]
	if !h2e {
		return group, rest, nil
	}
	if len(rest) < 3 || rest[0] != elementIDExtension || int(rest[1]) != len(rest)-2 || rest[1] < 2 || rest[2] != extIDTokenContainer {
		return 0, nil, ErrMalformed
	}
	return group, rest[3:], nil
}

// Confirm is a parsed SAE Confirm body: send-confirm counter and the
// confirm value. Confirm aliases the frame.
type Confirm struct {
	SendConfirm uint16
	Confirm     []byte // Len octets
}

// ParseConfirm parses a Confirm body (exactly 2 + 32 octets for group 19).
func ParseConfirm(b []byte) (Confirm, error) {
	if len(b) != confirmLen {
		return Confirm{}, ErrMalformed
	}
	return Confirm{SendConfirm: binary.LittleEndian.Uint16(b), Confirm: b[2:]}, nil
}

// AppendConfirm appends a Confirm body.
func AppendConfirm(b []byte, c *Confirm) []byte {
	return append(binary.LittleEndian.AppendUint16(b, c.SendConfirm), c.Confirm...)
}
