package wire

import "errors"

// Sentinel errors that callers branch on with errors.Is. Every constructor
// returns one of these wrapped in a *HeaderError that names the protocol, so
// the message says which header failed and errors.Is still matches.
var (
	// ErrTruncated means the buffer is shorter than the header (or than the
	// length the header claims for itself).
	ErrTruncated = errors.New("truncated")
	// ErrBadVersion means an IP version field does not match the view.
	ErrBadVersion = errors.New("bad version")
	// ErrBadLength means a length field is inconsistent with the header
	// (e.g. an IPv4 IHL below 5, a total length below the header length, a
	// UDP length below 8).
	ErrBadLength = errors.New("bad length")
	// ErrBadChecksum means a checksum did not verify. Constructors never
	// return it (checksums are verified by separate calls so that hardware
	// offload can skip them); the stack uses it in its own errors.
	ErrBadChecksum = errors.New("bad checksum")
	// ErrNotSupported means the header is well formed but of a form this
	// package does not decode (e.g. ARP for a non-Ethernet hardware type).
	ErrNotSupported = errors.New("not supported")
	// ErrBadOption means an IPv4 option has an impossible length.
	ErrBadOption = errors.New("bad option")
	// ErrShortBuffer means an Encode destination is too small for the header.
	ErrShortBuffer = errors.New("destination buffer too short")
)

// HeaderError reports which header failed which check. Constructors return
// pre-built *HeaderError values, so the error path does not allocate either.
type HeaderError struct {
	Proto  string // "ethernet", "vlan", "arp", "ipv4", "icmpv4", "udp"
	Detail string // which field, in words
	Err    error  // one of the sentinels above
}

func (e *HeaderError) Error() string {
	return "wire: " + e.Proto + ": " + e.Detail + ": " + e.Err.Error()
}

// Unwrap lets errors.Is match the sentinel.
func (e *HeaderError) Unwrap() error { return e.Err }

func headerErr(proto, detail string, err error) *HeaderError {
	return &HeaderError{Proto: proto, Detail: detail, Err: err}
}
