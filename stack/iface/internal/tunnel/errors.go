package tunnel

import "errors"

// Sentinel errors the tunnel kinds return (wrapped in their OpError).
var (
	// ErrNotConfigured: stack.Create of a tunnel name Add did not prepare.
	ErrNotConfigured = errors.New("tunnel: no endpoints for this name (make tunnels with the kind's Add)")
	// ErrNoIPv4: the kind was not passed to ipv4.Options.Transports.
	ErrNoIPv4 = errors.New("tunnel: not attached to IPv4")
	// ErrBadEndpoint: Local or Remote is not an IPv4 unicast address.
	ErrBadEndpoint = errors.New("tunnel: endpoints must be IPv4 unicast addresses")
)
