package stack

import (
	"errors"
	"strings"
)

// Sentinel errors callers branch on with errors.Is.
var (
	ErrNoInterface  = errors.New("no such interface")
	ErrExists       = errors.New("already exists")
	ErrNoCloner     = errors.New("no cloner for this interface name")
	ErrClosed       = errors.New("stack closed")
	ErrFrozen       = errors.New("protocol tables are fixed once the stack is built")
	ErrBadAddress   = errors.New("bad address")
	ErrNotClonable  = errors.New("interface was not created by a cloner")
	ErrBadName      = errors.New("bad interface name")
	ErrMissingField = errors.New("missing option")
	ErrBadBudget    = errors.New("budget belongs to another pool")
)

// OpError is the error the stack's API returns: which operation, on which
// interface (if any), why, and what to do about it.
type OpError struct {
	Op        string // "attach", "create", "add address", ...
	Interface string // interface name, or ""
	Err       error  // a sentinel above or an underlying error
	Fix       string // what to do, or ""
}

// Error reads "stack: Op Interface: Err; Fix", leaving out the empty parts and
// the "stack: " that Err's text may start with: the one OpError format of
// every gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "stack: " + e.Op
	if e.Interface != "" {
		s += " " + e.Interface
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "stack: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap lets errors.Is match the sentinel.
func (e *OpError) Unwrap() error { return e.Err }
