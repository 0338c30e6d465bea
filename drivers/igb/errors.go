package igb

import (
	"errors"
	"strings"
)

// Sentinels callers branch on; API edges wrap them in *OpError.
var (
	ErrNotIGB      = errors.New("igb: not an 82576")
	ErrConfig      = errors.New("igb: invalid configuration")
	ErrResetTimout = errors.New("igb: device reset did not complete")
	ErrQueueEnable = errors.New("igb: queue did not report enabled")
	ErrNoLink      = errors.New("igb: no link")
)

// OpError is the error returned at the package's API edges: which operation on
// which device failed, why, and what to do about it.
type OpError struct {
	Op   string // "attach", "reset", "queue", ...
	Addr string // PCI address
	Err  error
	Fix  string // what to do; may be empty
}

// Error reads "igb: Op Addr: Err; Fix", leaving out the empty parts and the
// "igb: " that Err's text may start with: the one OpError format of every
// gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "igb: " + e.Op
	if e.Addr != "" {
		s += " " + e.Addr
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "igb: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

func (e *OpError) Unwrap() error { return e.Err }
