package net80211

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors callers branch on with errors.Is.
var (
	// ErrTruncated means a frame is too short for what it claims to hold.
	ErrTruncated = errors.New("net80211: truncated frame")
	// ErrReplay means a frame's packet number is not above the replay counter.
	ErrReplay = errors.New("net80211: replayed frame")
	// ErrDecrypt means decryption or its integrity check failed (CCMP/GCMP MIC, WEP/TKIP ICV).
	ErrDecrypt = errors.New("net80211: decryption failed")
	// ErrMIC means a TKIP Michael MIC failure on a reassembled MSDU.
	ErrMIC = errors.New("net80211: Michael MIC failure")
	// ErrNoKey means no key is installed for the frame's key index or peer.
	ErrNoKey = errors.New("net80211: no key")
	// ErrKeyID means the frame's key ID does not match the key it was checked against.
	ErrKeyID = errors.New("net80211: key ID mismatch")
	// ErrExtIV means the ExtIV bit is wrong for the cipher (set for WEP, clear for TKIP/CCMP/GCMP).
	ErrExtIV = errors.New("net80211: bad ExtIV bit")
	// ErrKeyInvalid means a key was refused: all-zero, wrong length or unknown cipher.
	ErrKeyInvalid = errors.New("net80211: invalid key")
	// ErrKeyReinstall means the key is already installed; installing it again
	// would reset its packet numbers (KRACK, CVE-2017-13077..13088).
	ErrKeyReinstall = errors.New("net80211: key already installed")
	// ErrNoRoom means the buffer lacks the capacity for the cipher header and trailer.
	ErrNoRoom = errors.New("net80211: no room in buffer")
	// ErrCountermeasures means TKIP countermeasures are active (802.11-2016 12.5.2.4).
	ErrCountermeasures = errors.New("net80211: TKIP countermeasures active")
	// ErrNotSupported means a cipher, mode or feature this layer does not have.
	ErrNotSupported = errors.New("net80211: not supported")
	// ErrState means the operation is not valid in the current state.
	ErrState = errors.New("net80211: wrong state")
	// ErrDenied means the MAC ACL refused a peer.
	ErrDenied = errors.New("net80211: denied by ACL")
)

// OpError is returned at the API edge: the operation, the peer or key it
// concerned, the sentinel, and a hint on what to do.
type OpError struct {
	Op   string // "install key", "connect", "transmit", ...
	Peer string // MAC address or SSID, may be empty
	Err  error
	Fix  string
}

// Error reads "net80211: Op Peer: Err; Fix", leaving out the empty parts and
// the "net80211: " that Err's text may start with: the one OpError format of
// every gopkt package (internal/layers checks it).
func (e *OpError) Error() string {
	s := "net80211: " + e.Op
	if e.Peer != "" {
		s += " " + e.Peer
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "net80211: ")
	}
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Unwrap returns the sentinel.
func (e *OpError) Unwrap() error { return e.Err }

func opErr(op, peer string, err error, hint string, args ...any) *OpError {
	if len(args) > 0 {
		hint = fmt.Sprintf(hint, args...)
	}
	return &OpError{Op: op, Peer: peer, Err: err, Fix: hint}
}
