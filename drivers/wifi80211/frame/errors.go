package frame

import "errors"

// Sentinel errors returned by the checked constructors.
var (
	// ErrTruncated means the buffer is shorter than the header or fixed
	// fields its frame control field announces.
	ErrTruncated = errors.New("frame: truncated")
	// ErrVersion means the protocol version field is not 0 (9.2.4.1.2).
	ErrVersion = errors.New("frame: unknown protocol version")
	// ErrType means the frame is of the extension type (3) or a subtype
	// this package does not model.
	ErrType = errors.New("frame: unsupported type or subtype")
)
