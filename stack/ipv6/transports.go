package ipv6

import (
	"errors"
	"fmt"

	"github.com/gopkt/gopkt/stack/wire"
)

// ErrNoTransport means no transport serves the next-header number.
var ErrNoTransport = errors.New("ipv6: no transport registered for the next-header number")

// transportRef boxes a Transport for an atomic pointer slot.
type transportRef struct{ t Transport }

// transport returns what serves next header p, or nil: one atomic load,
// no lock, on the receive path.
func (ip *IPv6) transport(p wire.IPProtocol) Transport {
	if r := ip.transports[p].Load(); r != nil {
		return r.t
	}
	return nil
}

// AddTransport registers t by its next-header number while the stack runs
// (loading a protocol, as io-pkt mounts one): t.Attach, then packets for
// the number go to t. Options.Transports are added this way by Attach. It
// fails with ErrProtocolTaken when the number is served, and for ICMPv6,
// which is part of IPv6.
func (ip *IPv6) AddTransport(t Transport) error {
	ip.tmu.Lock()
	defer ip.tmu.Unlock()
	p := t.Protocol()
	if p == wire.IPProtocolICMPv6 || ip.transports[p].Load() != nil {
		return fmt.Errorf("%w: %v", ErrProtocolTaken, p)
	}
	if err := t.Attach(ip); err != nil {
		return fmt.Errorf("ipv6: attach %v: %w", p, err)
	}
	ip.transports[p].Store(&transportRef{t})
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
	ip.tmu.Lock()
	defer ip.tmu.Unlock()
	r := ip.transports[p].Swap(nil)
	if r == nil {
		return nil, fmt.Errorf("%w: %v", ErrNoTransport, p)
	}
	return r.t, nil
}
