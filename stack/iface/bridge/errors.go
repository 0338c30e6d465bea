package bridge

import "errors"

// Sentinel errors callers branch on with errors.Is; the API returns them
// in a *stack.OpError, the project's one error shape.
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
	// ErrAgeing: an ageing time that is not positive.
	ErrAgeing = errors.New("bridge: ageing time must be positive")
	// ErrSTP: spanning tree cannot be turned on now (it is on, or the
	// bridge has members).
	ErrSTP = errors.New("bridge: spanning tree cannot be turned on now")
	// ErrClosed: the bridge was destroyed.
	ErrClosed = errors.New("bridge: destroyed")
)
