package pf

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrSyntax: the rules text does not parse.
	ErrSyntax = errors.New("pf: syntax error")
	// ErrNoIPv4: Attach was given no IPv4 instance.
	ErrNoIPv4 = errors.New("pf: no IPv4 to hook")
	// ErrNoIPv6: AttachIPv6 was given no IPv6 instance.
	ErrNoIPv6 = errors.New("pf: no IPv6 to hook")
)

// ParseError says where the rules text went wrong.
type ParseError struct {
	Line  int    // 1-based
	Token string // the offending token, or "" at the end of the line
	Msg   string // what was expected
}

func (e *ParseError) Error() string {
	if e.Token == "" {
		return fmt.Sprintf("pf: line %d: %s at the end of the line", e.Line, e.Msg)
	}
	return fmt.Sprintf("pf: line %d: %s, got %q", e.Line, e.Msg, e.Token)
}

// Unwrap makes errors.Is(err, ErrSyntax) true.
func (e *ParseError) Unwrap() error { return ErrSyntax }

// OpError is the error of the package's API.
type OpError struct {
	Op  string
	Err error
	Fix string
}

// Error reads "pf: Op: Err; Fix", leaving out the empty parts and the "pf: "
// that Err's text may start with: the one OpError format of every gopkt
// package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "pf: " + e.Op
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "pf: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap lets errors.Is match the sentinel.
func (e *OpError) Unwrap() error { return e.Err }
