package socks

import (
	"errors"
	"fmt"
	"net/netip"
)

// Version is the protocol version byte (RFC 1928 §3).
const Version = 5

// Methods (§3).
const (
	MethodNoAuth       = 0x00
	MethodNoAcceptable = 0xff
)

// Commands (§4).
const (
	CmdConnect      = 1
	CmdBind         = 2
	CmdUDPAssociate = 3
)

// Address types (§4, §5).
const (
	AtypIPv4   = 1
	AtypDomain = 3
	AtypIPv6   = 4
)

// Reply codes (§6).
const (
	RepSucceeded          = 0
	RepGeneralFailure     = 1
	RepNotAllowed         = 2
	RepNetworkUnreachable = 3
	RepHostUnreachable    = 4
	RepConnectionRefused  = 5
	RepTTLExpired         = 6
	RepCmdNotSupported    = 7
	RepAtypNotSupported   = 8
)

// Errors of the parsers.
var (
	ErrTruncated = errors.New("socks: message truncated")
	ErrVersion   = errors.New("socks: not SOCKS version 5")
	ErrAtyp      = errors.New("socks: unknown address type")
	ErrMalformed = errors.New("socks: malformed message")
)

// Greeting is the client's method selection message (§3):
// VER NMETHODS METHODS[NMETHODS].
type Greeting []byte

// ParseGreeting checks a greeting and returns its length; b may hold
// more. A short b is ErrTruncated (read more and try again).
func ParseGreeting(b []byte) (Greeting, error) {
	if len(b) < 2 {
		return nil, ErrTruncated
	}
	if b[0] != Version {
		return nil, ErrVersion
	}
	n := 2 + int(b[1])
	if len(b) < n {
		return nil, ErrTruncated
	}
	if b[1] == 0 {
		return nil, fmt.Errorf("%w: no methods offered", ErrMalformed)
	}
	return Greeting(b[:n]), nil
}

// Offers reports whether the client offers method m.
func (g Greeting) Offers(m byte) bool {
	for _, x := range g[2:] {
		if x == m {
			return true
		}
	}
	return false
}

// Request is a parsed request (§4): VER CMD RSV ATYP DST.ADDR DST.PORT.
// Host is set for ATYP domain names, Addr for IP addresses.
type Request struct {
	Cmd  byte
	Addr netip.Addr
	Host string
	Port uint16
	Len  int // bytes the request took
}

// ParseRequest parses a request from b (which may hold more).
func ParseRequest(b []byte) (Request, error) {
	var r Request
	if len(b) < 5 {
		return r, ErrTruncated
	}
	if b[0] != Version {
		return r, ErrVersion
	}
	if b[2] != 0 {
		return r, fmt.Errorf("%w: reserved byte %#x", ErrMalformed, b[2])
	}
	r.Cmd = b[1]
	a, err := parseAddr(b[3:])
	if err != nil {
		return r, err
	}
	r.Addr, r.Host, r.Port, r.Len = a.Addr, a.Host, a.Port, 3+a.Len
	return r, nil
}

// parseAddr reads ATYP ADDR PORT (§4, §5) from b; Len is its length.
func parseAddr(b []byte) (Request, error) {
	var r Request
	if len(b) < 2 {
		return r, ErrTruncated
	}
	var n int
	switch b[0] {
	case AtypIPv4:
		n = 1 + 4
		if len(b) < n+2 {
			return r, ErrTruncated
		}
		r.Addr = netip.AddrFrom4([4]byte(b[1:5]))
	case AtypIPv6:
		n = 1 + 16
		if len(b) < n+2 {
			return r, ErrTruncated
		}
		r.Addr = netip.AddrFrom16([16]byte(b[1:17]))
	case AtypDomain:
		l := int(b[1])
		n = 2 + l
		if len(b) < n+2 {
			return r, ErrTruncated
		}
		if l == 0 {
			return r, fmt.Errorf("%w: empty domain name", ErrMalformed)
		}
		r.Host = string(b[2:n])
	default:
		return r, fmt.Errorf("%w %#x", ErrAtyp, b[0])
	}
	r.Port = uint16(b[n])<<8 | uint16(b[n+1])
	r.Len = n + 2
	return r, nil
}

// UDPHeader is the header of a relayed datagram (§7): RSV(2) FRAG ATYP
// DST.ADDR DST.PORT, then the data.
type UDPHeader struct {
	Frag byte
	Addr netip.Addr
	Host string
	Port uint16
	Len  int // header bytes; the data follows
}

// ParseUDPHeader parses a relayed datagram's header. A datagram is whole,
// so a short one is ErrTruncated for good.
func ParseUDPHeader(b []byte) (UDPHeader, error) {
	var h UDPHeader
	if len(b) < 4 {
		return h, ErrTruncated
	}
	if b[0] != 0 || b[1] != 0 {
		return h, fmt.Errorf("%w: reserved bytes % x", ErrMalformed, b[:2])
	}
	a, err := parseAddr(b[3:])
	if err != nil {
		return h, err
	}
	return UDPHeader{Frag: b[2], Addr: a.Addr, Host: a.Host, Port: a.Port, Len: 3 + a.Len}, nil
}

// AppendUDPHeader encodes the header for a datagram from src (§7).
func AppendUDPHeader(b []byte, src netip.AddrPort) []byte {
	b = append(b, 0, 0, 0)
	return appendAddr(b, src)
}

// appendAddr encodes ATYP ADDR PORT; an IPv4-mapped or invalid address
// is IPv4.
func appendAddr(b []byte, ap netip.AddrPort) []byte {
	if a := ap.Addr(); a.Is6() && !a.Is4In6() {
		x := a.As16()
		b = append(append(b, AtypIPv6), x[:]...)
	} else {
		x := [4]byte{}
		if a.IsValid() {
			x = a.Unmap().As4()
		}
		b = append(append(b, AtypIPv4), x[:]...)
	}
	return append(b, byte(ap.Port()>>8), byte(ap.Port()))
}

// AppendRequest encodes a request (for clients and tests).
func AppendRequest(b []byte, r Request) []byte {
	b = append(b, Version, r.Cmd, 0)
	switch {
	case r.Host != "":
		b = append(b, AtypDomain, byte(len(r.Host)))
		b = append(b, r.Host...)
	case r.Addr.Is4():
		a := r.Addr.As4()
		b = append(append(b, AtypIPv4), a[:]...)
	default:
		a := r.Addr.As16()
		b = append(append(b, AtypIPv6), a[:]...)
	}
	return append(b, byte(r.Port>>8), byte(r.Port))
}

// AppendReply encodes a reply (§6) with the bound address (zero: 0.0.0.0:0).
func AppendReply(b []byte, rep byte, bound netip.AddrPort) []byte {
	return appendAddr(append(b, Version, rep, 0), bound)
}
