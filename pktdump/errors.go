package pktdump

import "strings"

// OpError is the error at pktdump's API edge: which operation on which
// interface failed, the cause, and what to do about it.
type OpError struct {
	Op    string // "open", "socket", "attach filter", "bind", "read", …
	Iface string
	Err   error
	Fix   string // a fix-it suggestion, or ""
}

// Error reads "pktdump: Op Iface: Err; Fix", leaving out the empty parts and
// the "pktdump: " that Err's text may start with: the one OpError format of
// every gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "pktdump: " + e.Op
	if e.Iface != "" {
		s += " " + e.Iface
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "pktdump: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }
