// Package echo is the ping machinery IPv4 and IPv6 share: the table that
// matches echo replies (RFC 792, RFC 4443 §4.2) and errors about echo
// requests to the goroutine waiting for them, by identifier and sequence
// number, and the data pattern a reply is checked against byte for byte.
//
// The family packages keep their own public types (PingOptions, PingReply,
// PingError) and build and send the request; everything that does not
// depend on the address family is here.
package echo
