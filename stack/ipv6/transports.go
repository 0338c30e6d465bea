package ipv6

import (
	"errors"
	"fmt"

	"github.com/gopkt/gopkt/stack/wire"
)

// ErrNoTransport means no transport serves the next-header number.
var ErrNoTransport = errors.New("ipv6: no transport registered for the next-header number")

// transport returns what serves next header p, or nil: one atomic load,
// no lock, on the receive path.
func (ip *IPv6) transport(p wire.IPProtocol) Transport {
	t, _ := ip.transports.Get(uint8(p))
	return t
}

// AddTransport registers t by its next-header number while the stack runs
// (loading a protocol, as io-pkt mounts one): t.Attach, then packets for
// the number go to t. Options.Transports are added this way by Attach. It
// fails with ErrProtocolTaken when the number is served, and for ICMPv6,
// which is part of IPv6.
func (ip *IPv6) AddTransport(t Transport) error {
	p := t.Protocol()
	if p == wire.IPProtocolICMPv6 {
		return fmt.Errorf("%w: %v", ErrProtocolTaken, p)
	}
	var aerr error
	taken, _ := ip.transports.Add(uint8(p), t, func() error { aerr = t.Attach(ip); return aerr })
	switch {
	case taken:
		return fmt.Errorf("%w: %v", ErrProtocolTaken, p)
	case aerr != nil:
		return fmt.Errorf("ipv6: attach %v: %w", p, aerr)
	}
	return nil
}

// RemoveTransport unregisters the transport of next header p and returns
// it: from then on packets for p are answered with a parameter problem,
// code 1 (unrecognized next header), pointing at the field that named it
// (RFC 8200 §4, RFC 4443 §3.4), and counted InUnknownProtos. A receive
// burst that looked the transport up before may still be inside its
// Input: the caller closes it afterwards (udp.UDP.Unload, tcp.TCP.Close),
// and a closed transport drops what still arrives. ICMPv6 is part of IPv6
// and cannot be removed.
func (ip *IPv6) RemoveTransport(p wire.IPProtocol) (Transport, error) {
	if p == wire.IPProtocolICMPv6 {
		return nil, fmt.Errorf("ipv6: ICMPv6 is part of IPv6 (RFC 4443 §1) and cannot be removed")
	}
	t, ok := ip.transports.Remove(uint8(p))
	if !ok {
		return nil, fmt.Errorf("%w: %v", ErrNoTransport, p)
	}
	return t, nil
}
