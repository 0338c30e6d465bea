package wire

// IPv4Options is the options area of an IPv4 header (RFC 791 §3.1,
// "Options"). Each option is either a single type octet (0 End of Option
// List, 1 No Operation) or type, length (counting type and length octets,
// at least 2) and data.
type IPv4Options []byte

// IPv4 option types (RFC 791 §3.1; IANA "IP Option Numbers").
const (
	IPv4OptionEOL         uint8 = 0
	IPv4OptionNOP         uint8 = 1
	IPv4OptionRecordRoute uint8 = 7
	IPv4OptionTimestamp   uint8 = 68
	IPv4OptionSecurity    uint8 = 130
	IPv4OptionLooseRoute  uint8 = 131
	IPv4OptionStrictRoute uint8 = 137
	IPv4OptionRouterAlert uint8 = 148
)

// IPv4Option is one decoded option. Data aliases the header.
type IPv4Option struct {
	Type uint8
	Data []byte // without the type and length octets; nil for EOL/NOP
}

// Copied reports whether the option is copied into fragments (the high bit
// of the type, RFC 791 §3.1 "copied flag").
func (o IPv4Option) Copied() bool { return o.Type&0x80 != 0 }

var (
	errOptTruncated = headerErr("ipv4", "option length octet missing", ErrBadOption)
	errOptLen       = headerErr("ipv4", "option length below 2 or beyond the options area", ErrBadOption)
)

// Next decodes the first option. It returns ok false at the end of the
// list (no bytes left, or End of Option List) and an ErrBadOption error
// if the option's length is impossible; rest is what follows it. The loop
//
//	for o, rest, ok, err := opts.Next(); ok; o, rest, ok, err = rest.Next() { … }
//
// visits every option without allocating.
func (o IPv4Options) Next() (opt IPv4Option, rest IPv4Options, ok bool, err error) {
	if len(o) == 0 || o[0] == IPv4OptionEOL {
		return IPv4Option{}, nil, false, nil
	}
	if o[0] == IPv4OptionNOP {
		return IPv4Option{Type: IPv4OptionNOP}, o[1:], true, nil
	}
	if len(o) < 2 {
		return IPv4Option{}, nil, false, errOptTruncated
	}
	n := int(o[1])
	if n < 2 || n > len(o) {
		return IPv4Option{}, nil, false, errOptLen
	}
	return IPv4Option{Type: o[0], Data: o[2:n]}, o[n:], true, nil
}

// Validate walks the list and returns the first ErrBadOption, if any.
// A router that must act on options (RFC 1812 §5.2.4) calls it; a host that
// ignores options need not.
func (o IPv4Options) Validate() error {
	for {
		_, rest, ok, err := o.Next()
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		o = rest
	}
}
