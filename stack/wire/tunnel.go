package wire

// IP protocol numbers of the tunnels (IANA "Assigned Internet Protocol
// Numbers"), kept beside the other tunnel views rather than in numbers.go.
const (
	IPProtocolIPIP IPProtocol = 4  // IPv4 in IPv4 (RFC 2003; gif)
	IPProtocolIPv6 IPProtocol = 41 // IPv6 in IPv4 (RFC 4213 §3.5)
	IPProtocolGRE  IPProtocol = 47 // Generic Routing Encapsulation (RFC 2784)
)
