package ipv4

import (
	"errors"
	"fmt"

	"github.com/gopkt/gopkt/stack/wire"
)

// ErrNoTransport means no transport serves the protocol number.
var ErrNoTransport = errors.New("ipv4: no transport registered for the IP protocol number")

// transport returns what serves protocol p, or nil: one atomic load, no
// lock, on the receive path.
func (ip *IPv4) transport(p wire.IPProtocol) Transport {
	t, _ := ip.transports.Get(uint8(p))
	return t
}

// AddTransport registers t by its protocol number while the stack runs
// (loading a protocol, as io-pkt mounts one): t.Attach, then datagrams for
// the number go to t. Options.Transports are added this way by Attach. It
// fails with ErrProtocolTaken when the number is served.
func (ip *IPv4) AddTransport(t Transport) error {
	p := t.Protocol()
	var aerr error
	taken, _ := ip.transports.Add(uint8(p), t, func() error { aerr = t.Attach(ip); return aerr })
	switch {
	case taken:
		return fmt.Errorf("%w: %v", ErrProtocolTaken, p)
	case aerr != nil:
		return fmt.Errorf("ipv4: attach %v: %w", p, aerr)
	}
	return nil
}

// RemoveTransport unregisters the transport of protocol p and returns it:
// from then on datagrams for p are answered with ICMP protocol
// unreachable (RFC 1122 §3.2.2.1) and counted InUnknownProtos. A receive
// burst that looked the transport up before may still be inside its Input:
// the caller closes it afterwards (udp.UDP.Close, tcp.TCP.Close), and a
// closed transport drops what still arrives. ICMP is part of IPv4 and
// cannot be removed.
func (ip *IPv4) RemoveTransport(p wire.IPProtocol) (Transport, error) {
	if p == wire.IPProtocolICMP {
		return nil, fmt.Errorf("ipv4: ICMP is part of IPv4 (RFC 1122 §3.2.2) and cannot be removed")
	}
	t, ok := ip.transports.Remove(uint8(p))
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrNoTransport, p)
	}
	return t, nil
}
