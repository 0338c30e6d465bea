package bridge

import "errors"

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrMember: the interface is already a member of this bridge.
	ErrMember = errors.New("bridge: already a member")
	// ErrNotMember: the interface is not a member of this bridge.
	ErrNotMember = errors.New("bridge: not a member")
	// ErrFull: the bridge has MaxMembers members.
	ErrFull = errors.New("bridge: no free member slot")
	// ErrNotBridge: the interface is not a bridge.
	ErrNotBridge = errors.New("bridge: not a bridge interface")
	// ErrSelf: a bridge cannot be its own member, nor a member of another
	// stack's.
	ErrSelf = errors.New("bridge: interface cannot be a member of this bridge")
	// ErrClosed: the bridge was destroyed.
	ErrClosed = errors.New("bridge: destroyed")
)

// OpError is the error of the package's API: operation, interface, cause,
// and what to do.
type OpError struct {
	Op        string
	Interface string
	Err       error
	Hint      string
}

func (e *OpError) Error() string {
	s := "bridge: " + e.Op
	if e.Interface != "" {
		s += " " + e.Interface
	}
	s += ": " + e.Err.Error()
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Unwrap lets errors.Is match the sentinel.
func (e *OpError) Unwrap() error { return e.Err }
