package sae

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
)

// Sentinel errors.
var (
	// ErrMalformed: a Commit, Confirm or token request that does not
	// parse (too short, elements that run past the frame).
	ErrMalformed = errors.New("sae: malformed message")
	// ErrGroup: a finite cyclic group other than 19, 20 and 21, or not the
	// exchange's.
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
)

// Commit is a parsed SAE Commit body (802.11-2020 9.3.3.12, table 9-41):
// the fields after the Authentication frame's algorithm, sequence and
// status. The slices alias the frame.
type Commit struct {
	Group   uint16
	Token   []byte // anti-clogging token, when present
	Scalar  []byte // ElementLen(Group) octets
	Element []byte // 2*ElementLen(Group) octets: x || y
	// RejectedGroups is the body of a Rejected Groups element (H2E,
	// 9.4.2.245): the groups the peer refused, 2 octets each, little endian.
	RejectedGroups []byte
}

// ParseCommit parses a Commit body for group 19, 20 or 21 (ErrGroup for
// another: the caller answers status 77). h2e says which framing the
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
	n := ElementLen(c.Group)
	if n == 0 {
		return c, ErrGroup
	}
	rest := b[2:]
	if !h2e && tokenLen > 0 {
		if len(rest) < tokenLen {
			return c, ErrMalformed
		}
		c.Token, rest = rest[:tokenLen], rest[tokenLen:]
	}
	if len(rest) < 3*n {
		return c, ErrMalformed
	}
	c.Scalar, c.Element, rest = rest[:n], rest[n:3*n], rest[3*n:]
	// Trailing elements: Password Identifier, Rejected Groups, the token
	// container. Each must be whole; unknown ones are skipped.
	for len(rest) > 0 {
		if len(rest) < 2 || len(rest) < 2+int(rest[1]) {
			return c, ErrMalformed
		}
		body := rest[2 : 2+int(rest[1])]
		switch {
		case rest[0] != elementIDExtension || len(body) < 1:
		case body[0] == extIDTokenContainer:
			if !h2e {
				return c, ErrMalformed
			}
			c.Token = body[1:]
		case body[0] == extIDRejectedGroups:
			if !h2e || len(body) < 3 || len(body)%2 != 1 {
				return c, ErrMalformed
			}
			c.RejectedGroups = body[1:]
		}
		rest = rest[2+int(rest[1]):]
	}
	return c, nil
}

// AppendCommit appends a Commit body: group, (hunting-and-pecking) token,
// scalar, element, (H2E) Rejected Groups element, (H2E) token container
// (the order of 9.3.3.12, table 9-41).
func AppendCommit(b []byte, c *Commit, h2e bool) []byte {
	b = binary.LittleEndian.AppendUint16(b, c.Group)
	if !h2e {
		b = append(b, c.Token...)
	}
	b = append(append(b, c.Scalar...), c.Element...)
	if h2e && len(c.RejectedGroups) > 0 {
		b = append(b, elementIDExtension, byte(1+len(c.RejectedGroups)), extIDRejectedGroups)
		b = append(b, c.RejectedGroups...)
	}
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
	Confirm     []byte // 32, 48 or 64 octets (Exchange.ConfirmLen)
}

// ParseConfirm parses a Confirm body: exactly 2 octets of send-confirm and
// a confirm value as long as one of the hashes (32, 48, 64 octets);
// Exchange.Verify checks the length is the exchange's.
func ParseConfirm(b []byte) (Confirm, error) {
	switch len(b) - 2 {
	case sha256.Size, sha512.Size384, sha512.Size:
	default:
		return Confirm{}, ErrMalformed
	}
	return Confirm{SendConfirm: binary.LittleEndian.Uint16(b), Confirm: b[2:]}, nil
}

// AppendConfirm appends a Confirm body.
func AppendConfirm(b []byte, c *Confirm) []byte {
	return append(binary.LittleEndian.AppendUint16(b, c.SendConfirm), c.Confirm...)
}
