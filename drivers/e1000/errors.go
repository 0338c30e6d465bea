package e1000

import (
	"errors"
	"fmt"
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

func (e *OpError) Error() string {
	s := fmt.Sprintf("e1000 %s %s: %v", e.Op, e.Addr, e.Err)
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

func (e *OpError) Unwrap() error { return e.Err }

func (d *Device) opErr(op string, err error, fix string) error {
	return &OpError{Op: op, Addr: d.f.Addr(), Err: err, Fix: fix}
}
