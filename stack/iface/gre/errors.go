package gre

// OpError is the error of the package's API: operation, interface, cause,
// and what to do.
type OpError struct {
	Op        string
	Interface string
	Err       error
	Hint      string
}

func (e *OpError) Error() string {
	s := "gre: " + e.Op
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
