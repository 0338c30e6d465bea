package igb

import (
	"errors"
	"fmt"
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

func (e *OpError) Error() string {
	s := fmt.Sprintf("igb %s %s: %v", e.Op, e.Addr, e.Err)
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

func (e *OpError) Unwrap() error { return e.Err }
