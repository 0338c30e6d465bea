// Package network is the seam between transports (UDP, TCP) and the
// network layers under them (IPv4, IPv6): one small interface, Layer,
// that both implement, so a transport sends, picks source addresses,
// learns the path MTU and computes its pseudo-header checksum the same
// way over either family. Addresses are netip.Addr (IPv4 as 4 bytes; an
// IPv6 link-local address carries its interface name as zone).
//
// ICMP errors reach transports through each layer's own ErrorHandler
// interface (ipv4.ErrorHandler, ipv6.ErrorHandler): their quoted headers
// differ, and a transport reads its ports from them.
//
// Transports (transports.go) is the table both layers keep of the
// transports they serve by number: lock-free reads on the receive path,
// loads and unloads while the stack runs.
package network

import (
	"errors"
	"net/netip"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// ErrNoBuffers is what NewPacket returns when the pool is empty: a
// transport may wait and retry.
var ErrNoBuffers = errors.New("network: packet buffer pool exhausted")

// SendOptions are the per-packet choices a transport makes.
type SendOptions struct {
	HopLimit     uint8 // IPv4 TTL or IPv6 hop limit; 0 is the layer's default
	TrafficClass uint8 // IPv4 TOS or IPv6 traffic class
	DontFragment bool  // fail with the layer's ErrTooBig instead of fragmenting
}

// Layer is one network layer as a transport sees it.
type Layer interface {
	// NewPacket returns a buffer (a chain when data exceeds one) holding
	// data, with headroom for an l4-byte transport header and every
	// header below it. The caller owns the result.
	NewPacket(l4 int, data []byte) (*mbuf.Buf, error)
	// Source returns the source address the layer would use towards dst.
	Source(dst netip.Addr) (netip.Addr, error)
	// MTU returns the largest packet (network header included) that
	// reaches dst unfragmented as far as the layer knows: the outgoing
	// interface's MTU, lowered by what path MTU discovery learned.
	MTU(dst netip.Addr) (int, error)
	// HeaderLen is the network header length the layer prepends (20 or 40).
	HeaderLen() int
	// PseudoHeaderSum is the ones' complement sum of the pseudo-header of
	// an upper-layer packet of length bytes (RFC 768, RFC 9293 §3.1,
	// RFC 8200 §8.1), to seed the transport checksum.
	PseudoHeaderSum(proto wire.IPProtocol, src, dst netip.Addr, length int) uint16
	// Send sends b (starting at the transport header) from src to dst. It
	// always takes ownership of b.
	Send(b *mbuf.Buf, proto wire.IPProtocol, src, dst netip.Addr, o SendOptions) error
}
