package dhcp4

import (
	"fmt"
	"net/netip"
	"time"
)

// State is the client's state (RFC 2131 §4.4, Figure 5). Checking is the
// address check between DHCPACK and BOUND (RFC 2131 §4.4.1); Stopped is
// after Close or Release.
type State uint8

// States.
const (
	StateInit State = iota
	StateSelecting
	StateRequesting
	StateChecking
	StateBound
	StateRenewing
	StateRebinding
	StateInitReboot
	StateRebooting
	StateStopped
)

func (s State) String() string {
	names := [...]string{"INIT", "SELECTING", "REQUESTING", "CHECKING", "BOUND", "RENEWING", "REBINDING", "INIT-REBOOT", "REBOOTING", "STOPPED"}
	if int(s) < len(names) {
		return names[s]
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// Lease is what a DHCPACK granted, in the client's terms.
type Lease struct {
	Addr       netip.Prefix // yiaddr with the subnet mask's length
	Server     netip.Addr   // server identifier (option 54)
	Routers    []netip.Addr // option 3, in the server's order of preference
	DNS        []netip.Addr // option 6
	DomainName string       // option 15
	MTU        int          // option 26, or 0
	// Duration is the lease time (option 51); Infinite leases have
	// Duration 0 and Infinite set, and no T1/T2.
	Duration time.Duration
	Infinite bool
	T1, T2   time.Duration // renewal and rebinding times (options 58/59 or 0.5 and 0.875 of Duration)
	// Start is when the request that obtained the lease was sent; the
	// lease times count from there (RFC 2131 §4.4.1).
	Start time.Time
}

// Expiry returns the end of the lease (the zero Time when infinite).
func (l *Lease) Expiry() time.Time {
	if l.Infinite {
		return time.Time{}
	}
	return l.Start.Add(l.Duration)
}

// EventKind says what happened to the lease.
type EventKind uint8

// Event kinds.
const (
	EventBound    EventKind = iota + 1 // a new lease is configured
	EventRenewed                       // the server extended the lease (RENEWING)
	EventRebound                       // some server extended the lease (REBINDING)
	EventExpired                       // the lease ran out; the address is gone
	EventNak                           // a server refused; the address (if any) is gone
	EventDeclined                      // the offered address is in use (ARP); DHCPDECLINE sent
	EventReleased                      // DHCPRELEASE sent and the address removed
	EventError                         // configuring the interface failed (Err)
)

func (k EventKind) String() string {
	names := [...]string{"", "bound", "renewed", "rebound", "expired", "nak", "declined", "released", "error"}
	if int(k) < len(names) && k != 0 {
		return names[k]
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is delivered to Config.OnEvent from the client's goroutine.
type Event struct {
	Kind    EventKind
	Lease   Lease  // the lease concerned
	Message string // the server's text (option 56) with a NAK
	Err     error  // with EventError
}
