package control

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Version is the protocol's major version. A server refuses requests of
// another major version (code "version"); additions that old peers can
// ignore (a new verb, a new field) do not change it.
const Version = 1

// DefaultPath is where the daemon listens unless told otherwise.
const DefaultPath = "/run/gopkt/gopkt.sock"

// Request is what a client sends: one JSON object and a newline.
type Request struct {
	V    int             `json:"v"`
	Verb string          `json:"verb"`
	Args json.RawMessage `json:"args,omitempty"`
}

// Response is the server's answer. Exactly one of Error and Data is set,
// or neither for a verb without a result; Stream says that a raw stream
// (Stream names its format: "pcap" or "text") follows the newline.
type Response struct {
	V      int             `json:"v"`
	Error  *ErrorBody      `json:"error,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
	Stream string          `json:"stream,omitempty"`
}

// ErrorBody is an error on the wire: a code clients branch on (the
// sentinels below) and a message for people.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Sentinel errors: a client's *OpError wraps the one matching the code.
var (
	ErrDenied      = errors.New("permission denied")         // code "denied"
	ErrVersion     = errors.New("protocol version mismatch") // code "version"
	ErrUnknownVerb = errors.New("unknown verb")              // code "unknown-verb"
	ErrBadRequest  = errors.New("bad request")               // code "bad-request"
	ErrNotFound    = errors.New("not found")                 // code "not-found"
	ErrExists      = errors.New("already exists")            // code "exists"
	ErrFailed      = errors.New("operation failed")          // code "failed" (anything else)
	ErrProtocol    = errors.New("malformed control message") // the peer broke the protocol
)

var codes = []struct {
	code string
	err  error
}{
	{"denied", ErrDenied}, {"version", ErrVersion}, {"unknown-verb", ErrUnknownVerb},
	{"bad-request", ErrBadRequest}, {"not-found", ErrNotFound}, {"exists", ErrExists},
}

// codeOf picks the wire code for a handler's error.
func codeOf(err error) string {
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code
		}
	}
	return "failed"
}

// errOf is the sentinel for a wire code.
func errOf(code string) error {
	for _, c := range codes {
		if c.code == code {
			return c.err
		}
	}
	return ErrFailed
}

// OpError is the error at this package's API edge: the verb, the sentinel
// (errors.Is works), and the server's or the transport's message, which
// says what to do.
type OpError struct {
	Op  string // the verb, or "dial"
	Err error  // a sentinel above, or the transport's error
	Fix string // the server's message, or a fix-it for transport errors
}

// Error reads "control: Op: Err; Fix", leaving out the empty parts and the
// "control: " that Err's text may start with: the one OpError format of every
// gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "control: " + e.Op
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "control: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap returns the sentinel or cause.
func (e *OpError) Unwrap() error { return e.Err }

// Errorf makes a handler error carrying a sentinel: the server sends the
// sentinel's code and the formatted message.
func Errorf(sentinel error, format string, args ...any) error {
	return &codedError{err: sentinel, msg: fmt.Sprintf(format, args...)}
}

type codedError struct {
	err error
	msg string
}

func (e *codedError) Error() string { return e.msg }
func (e *codedError) Unwrap() error { return e.err }
