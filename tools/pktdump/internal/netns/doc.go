// Package netns builds throwaway network namespaces for pktdump's host
// tests: two namespaces joined by a veth pair with addresses from
// 198.18.0.0/15 (RFC 2544 benchmarking space), so test traffic never
// leaves the pair. It needs root and iproute2; New skips the test with the
// reason when either is missing. Test-only: nothing else imports it.
package netns
