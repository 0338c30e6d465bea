// Package reass is the fragment bookkeeping IPv4 (RFC 791 §3.2) and IPv6
// (RFC 8200 §4.5) share: datagrams in progress keyed by the family's
// fragment key, pieces kept sorted and never overlapping (an overlap
// abandons the datagram, RFC 5722 §4; an exact duplicate is dropped
// alone), the buffers held charged to an mbuf quota with the oldest other
// datagram evicted when a charge is refused, a cap on datagrams in
// progress, a timeout, and datagram records reused so that reassembly
// allocates nothing once warm.
//
// The family package parses and checks its header, positions each
// fragment's buffer (the first at its IP header, the others at their
// data), and rebuilds the header of a completed datagram; Table does the
// rest and counts what it drops.
package reass
