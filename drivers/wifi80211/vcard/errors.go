package vcard

import (
	"errors"
	"fmt"
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

func (e *OpError) Error() string {
	s := fmt.Sprintf("vcard %s %s: %v", e.Op, e.Addr, e.Err)
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

func (e *OpError) Unwrap() error { return e.Err }

func (d *Device) opErr(op string, err error, fix string) error {
	return &OpError{Op: op, Addr: d.f.Addr(), Err: err, Fix: fix}
}
