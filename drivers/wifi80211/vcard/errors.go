package vcard

import (
	"errors"
	"strings"
)

// Errors callers branch on.
var (
	ErrUnsupported  = errors.New("vcard: device not supported")
	ErrConfig       = errors.New("vcard: invalid configuration")
	ErrResetTimeout = errors.New("vcard: reset did not complete")
	ErrClosed       = errors.New("vcard: device closed")
	ErrCacheFull    = errors.New("vcard: key cache full")
	ErrCipher       = errors.New("vcard: cipher not implemented by the key cache")
	ErrKey          = errors.New("vcard: invalid key")
	ErrCommand      = errors.New("vcard: key-cache command failed")
	ErrChannel      = errors.New("vcard: invalid channel")
)

// OpError is the error at the package's API edges: which operation on which
// device failed, why, and what to do about it.
type OpError struct {
	Op   string // "attach", "reset", "key", "channel", ...
	Addr string // PCI address
	Err  error
	Fix  string // what to do; may be empty
}

// Error reads "vcard: Op Addr: Err; Fix", leaving out the empty parts and the
// "vcard: " that Err's text may start with: the one OpError format of every
// gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "vcard: " + e.Op
	if e.Addr != "" {
		s += " " + e.Addr
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "vcard: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

func (e *OpError) Unwrap() error { return e.Err }

func (d *Device) opErr(op string, err error, fix string) error {
	return &OpError{Op: op, Addr: d.f.Addr(), Err: err, Fix: fix}
}
