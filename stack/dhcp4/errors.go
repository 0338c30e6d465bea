package dhcp4

import (
	"errors"
	"strings"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrTruncated means a message is shorter than the fixed BOOTP header
	// plus the magic cookie, or an option runs past the end of its area.
	ErrTruncated = errors.New("dhcp4: truncated")
	// ErrBadCookie means the four bytes after the BOOTP header are not the
	// DHCP magic cookie 99.130.83.99 (RFC 2131 §3): a plain BOOTP message.
	ErrBadCookie = errors.New("dhcp4: no DHCP magic cookie")
	// ErrBadHeader means a fixed field is impossible (hlen above 16, an
	// unknown op).
	ErrBadHeader = errors.New("dhcp4: bad header")
	// ErrBadOption means an option has a length its type does not allow
	// (a 3-byte lease time, a message type outside 1..8).
	ErrBadOption = errors.New("dhcp4: bad option")
	// ErrShortBuffer means an Encode destination is too small.
	ErrShortBuffer = errors.New("dhcp4: destination buffer too short")
	// ErrMissingField means a required Config field is unset.
	ErrMissingField = errors.New("dhcp4: missing field")
	// ErrClosed means the client was stopped.
	ErrClosed = errors.New("dhcp4: client closed")
	// ErrRunning means Start was called twice.
	ErrRunning = errors.New("dhcp4: client already started")
	// ErrNotBound means the client holds no lease (Release without one).
	ErrNotBound = errors.New("dhcp4: no lease")
)

// OpError is the error at the package's API edge: which operation, on
// which interface, why, and what to do about it.
type OpError struct {
	Op        string // "start", "release", "wait", ...
	Interface string
	Err       error
	Fix       string
}

// Error reads "dhcp4: Op Interface: Err; Fix", leaving out the empty parts and
// the "dhcp4: " that Err's text may start with: the one OpError format of
// every gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "dhcp4: " + e.Op
	if e.Interface != "" {
		s += " " + e.Interface
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "dhcp4: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap lets errors.Is match the sentinel.
func (e *OpError) Unwrap() error { return e.Err }
