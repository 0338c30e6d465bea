package observer

import (
	"errors"
	"strings"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrLinkType means a capture's link-layer header type is not one of
	// radiotap, 802.11, Prism/AVS or PPI.
	ErrLinkType = errors.New("observer: link type not supported")
	// ErrLinkHeader means a record's link-layer header is malformed.
	ErrLinkHeader = errors.New("observer: malformed link-layer header")
	// ErrBadFCS means the capture marked the frame as failing its FCS check.
	ErrBadFCS = errors.New("observer: frame marked with a bad FCS")
	// ErrNoSecret means no passphrase, PSK or PMK was given.
	ErrNoSecret = errors.New("observer: no passphrase, PSK or PMK")
	// ErrSecret means a passphrase, PSK or PMK was refused.
	ErrSecret = errors.New("observer: invalid passphrase, PSK or PMK")
	// ErrFormat means the input is not a pcap or pcapng file.
	ErrFormat = errors.New("observer: not a pcap or pcapng capture")
	// ErrWrite means the output could not be written.
	ErrWrite = errors.New("observer: cannot write the output")
)

// OpError is returned at the API edge: "observer: Op: Err: Detail: Cause;
// Fix" with the empty parts left out (docs/ARCHITECTURE.md, "Errors at API
// edges").
type OpError struct {
	Op     string // "new observer", "decrypt", ...
	Err    error  // a sentinel above
	Detail string // what exactly was wrong
	Cause  error  // the underlying error, if any
	Fix    string // what to do
}

func (e *OpError) Error() string {
	s := "observer: " + e.Op
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "observer: ")
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap returns the sentinel and the cause.
func (e *OpError) Unwrap() []error {
	var errs []error
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	if e.Cause != nil {
		errs = append(errs, e.Cause)
	}
	return errs
}
