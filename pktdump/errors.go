package pktdump

// OpError is the error at pktdump's API edge: which operation on which
// interface failed, the cause, and what to do about it.
type OpError struct {
	Op    string // "open", "socket", "attach filter", "bind", "read", …
	Iface string
	Err   error
	Fix   string // a fix-it suggestion, or ""
}

func (e *OpError) Error() string {
	s := "pktdump: " + e.Op
	if e.Iface != "" {
		s += " " + e.Iface
	}
	s += ": " + e.Err.Error()
	if e.Fix != "" {
		s += " (" + e.Fix + ")"
	}
	return s
}

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }
