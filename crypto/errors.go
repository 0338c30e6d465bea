package crypto

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Callers branch on them with errors.Is; Op.Status holds
// one of them (possibly wrapped) after completion.
var (
	// ErrAuth reports a message whose MIC, ICV or tag did not verify. The
	// caller drops the frame and counts it; for TKIP Michael failures it
	// also runs countermeasures.
	ErrAuth = errors.New("crypto: authentication failed")
	// ErrNotSupported reports an algorithm, key size or mode an engine does
	// not offer.
	ErrNotSupported = errors.New("crypto: not supported")
	// ErrNoEngine reports that no registered engine satisfies a selection.
	ErrNoEngine = errors.New("crypto: no engine")
	// ErrKeySize reports a key of the wrong length for its algorithm.
	ErrKeySize = errors.New("crypto: invalid key size")
	// ErrInvalidOp reports an Op whose fields do not fit its algorithm
	// (nonce or tag length, missing session, tag not after the data).
	ErrInvalidOp = errors.New("crypto: invalid operation")
	// ErrClosed reports use of a closed session.
	ErrClosed = errors.New("crypto: session closed")
	// ErrDuplicate reports a second engine registered under a taken name.
	ErrDuplicate = errors.New("crypto: engine already registered")
)

// OpError is the error returned at this API's edges: which operation, on
// which engine and algorithm, what went wrong and what to do about it.
type OpError struct {
	Op     string    // "register", "select", "new session", "do", ...
	Engine string    // engine name, if known
	Alg    Algorithm // algorithm, if known
	Err    error     // a sentinel above
	Fix    string    // how to fix it
}

// Error reads "crypto: Op Engine Alg: Err; Fix", leaving out the empty parts
// and the "crypto: " that Err's text may start with: the one OpError format of
// every gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "crypto: " + e.Op
	if e.Engine != "" {
		s += " " + e.Engine
	}
	if e.Alg.Valid() {
		s += " " + e.Alg.String()
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "crypto: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap returns the sentinel.
func (e *OpError) Unwrap() error { return e.Err }

// opErr builds an *OpError with a formatted hint.
func opErr(op, engine string, alg Algorithm, err error, format string, args ...any) *OpError {
	return &OpError{Op: op, Engine: engine, Alg: alg, Err: err, Fix: fmt.Sprintf(format, args...)}
}
