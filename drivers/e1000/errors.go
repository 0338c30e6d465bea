package e1000

import (
	"errors"
	"strings"
)

// Errors callers branch on.
var (
	ErrUnsupported   = errors.New("e1000: device not supported")
	ErrEEPROM        = errors.New("e1000: EEPROM read failed")
	ErrEEPROMSum     = errors.New("e1000: EEPROM checksum mismatch")
	ErrResetTimeout  = errors.New("e1000: reset did not complete")
	ErrPHY           = errors.New("e1000: PHY access failed")
	ErrConfig        = errors.New("e1000: invalid configuration")
	ErrClosed        = errors.New("e1000: device closed")
	ErrSelfTest      = errors.New("e1000: self-test failed")
	ErrNoInterrupts  = errors.New("e1000: interrupts not available")
	ErrLinkDown      = errors.New("e1000: link is down")
	ErrRegisterCheck = errors.New("e1000: register pattern test failed")
)

// OpError is the error returned at the package's API edges: which operation on
// which device failed, why, and what to do about it.
type OpError struct {
	Op   string // "attach", "reset", "eeprom", "selftest", …
	Addr string // PCI address
	Err  error
	Fix  string // what to do; may be empty
}

// Error reads "e1000: Op Addr: Err; Fix", leaving out the empty parts and the
// "e1000: " that Err's text may start with: the one OpError format of every
// gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "e1000: " + e.Op
	if e.Addr != "" {
		s += " " + e.Addr
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "e1000: ")
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
