package bpf

import (
	"errors"
	"strconv"
)

// Sentinel errors.
var (
	// ErrSyntax means the filter expression does not parse.
	ErrSyntax = errors.New("syntax error")
	// ErrNotSupported means the expression is valid tcpdump syntax but uses
	// a part of the language this compiler does not implement (see doc.go).
	ErrNotSupported = errors.New("not supported")
	// ErrInvalidProgram means an instruction list is not a valid classic BPF
	// program (NewProgram's checks, the same as golang.org/x/net/bpf.NewVM's).
	ErrInvalidProgram = errors.New("invalid BPF program")
)

// SyntaxError reports where an expression failed to parse and why. It
// matches ErrSyntax or ErrNotSupported with errors.Is.
type SyntaxError struct {
	Expr   string // the whole expression
	Offset int    // byte offset of the offending token in Expr
	Msg    string // what is wrong and what to write instead
	Err    error  // ErrSyntax or ErrNotSupported
}

func (e *SyntaxError) Error() string {
	return "bpf: filter " + strconv.Quote(e.Expr) + ": at offset " + strconv.Itoa(e.Offset) + ": " + e.Msg
}

// Unwrap returns the sentinel.
func (e *SyntaxError) Unwrap() error { return e.Err }
