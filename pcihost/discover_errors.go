package pcihost

import (
	"errors"
	"strings"
)

// Errors of discovery and binding that callers branch on.
var (
	ErrNoDevice   = errors.New("pci: no such device")
	ErrBadAddr    = errors.New("pci: malformed PCI address")
	ErrInUse      = errors.New("pci: device's network interface is in use")
	ErrNoDriver   = errors.New("pci: driver not available")
	ErrPermission = errors.New("pci: permission denied")
	ErrState      = errors.New("pci: bind state file unreadable")
)

// OpError is the error of a discovery or bind operation: what was done to
// which device, the sentinel, the underlying cause, and what to do about it.
type OpError struct {
	Op     string // "discover", "bind", "unbind", "load"
	Addr   string // PCI address, if any
	Err    error  // sentinel (ErrNoDevice, ErrInUse, ...) or nil
	Cause  error  // underlying error, or nil
	Detail string // specifics, e.g. "eth0 is up with 198.18.0.1/24"
	Fix    string // what the operator should do
}

// Error reads "pci: Op Addr: Err: Detail: Cause; Fix", leaving out the empty
// parts and the "pci: " that Err's text may start with: the one OpError format
// of every gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "pci: " + e.Op
	if e.Addr != "" {
		s += " " + e.Addr
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "pci: ")
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap returns both the sentinel and the cause for errors.Is and As.
func (e *OpError) Unwrap() []error {
	var errs []error
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}
