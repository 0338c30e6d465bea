package vlan

import "errors"

// Sentinel errors callers branch on with errors.Is; the API returns them
// in a *stack.OpError, the project's one error shape.
var (
	// ErrNotConfigured: the cloner was asked for a name Add did not set up.
	ErrNotConfigured = errors.New("vlan: no parent and VID for this name")
	// ErrBadVID: the VID is outside 1..4094 (0 is the priority tag, 4095
	// reserved; IEEE 802.1Q clause 9.6, table 9-2).
	ErrBadVID = errors.New("vlan: VID outside 1..4094")
	// ErrVIDInUse: the parent already has a vlan with that VID.
	ErrVIDInUse = errors.New("vlan: the parent already has a vlan with this VID")
	// ErrNoParent: Config.Parent is nil or not an interface of the stack.
	ErrNoParent = errors.New("vlan: no parent interface")
)
