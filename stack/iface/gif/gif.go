package gif

import (
	"net/netip"
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/internal/tunnel"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/wire"
)

// Config is one tunnel over IPv4 (IPv4 or IPv6 inside).
type Config struct {
	// Local and Remote are the outer IPv4 endpoints.
	Local, Remote netip.Addr
	// MTU of the interface; 0 means 1500 less the outer header (1480).
	MTU int
	// TTL of the outer header; 0 means the IPv4 default.
	TTL uint8
}

// Module is the IPv4-in-IPv4 transport (IP protocol 4) and the gif
// cloner; IPv6 returns its IPv6-in-IPv4 transport (protocol 41).
type Module struct {
	c        *tunnel.Cloner
	noTunnel atomic.Uint64
}

// New returns a module with no tunnels.
func New() *Module { return &Module{c: tunnel.NewCloner("gif")} }

// Protocol implements ipv4.Transport.
func (m *Module) Protocol() wire.IPProtocol { return wire.IPProtocolIPIP }

// Attach implements ipv4.Transport.
func (m *Module) Attach(ip *ipv4.IPv4) error { return m.c.Attach(ip) }

// Prefix implements stack.Cloner.
func (m *Module) Prefix() string { return m.c.Prefix() }

// Create implements stack.Cloner (through Add).
func (m *Module) Create(name string) (port.Port, stack.IfOptions, error) { return m.c.Create(name) }

// Add creates the tunnel interface name with cfg.
func (m *Module) Add(s *stack.Stack, name string, cfg Config) (*stack.Interface, error) {
	return m.c.Add(s, name, cfg.Local, cfg.Remote, tunnel.Config{MTU: cfg.MTU, TTL: cfg.TTL}, encap{})
}

// Tunnel returns the counters of the tunnel behind ifc.
func Tunnel(ifc *stack.Interface) (tunnel.Stats, bool) { return tunnel.StatsOf(ifc) }

// Stats are the module's receive counters for packets no tunnel took.
type Stats struct {
	NoTunnel uint64 // no tunnel for the endpoints (left to IPv4: protocol unreachable)
}

// Stats returns the module's counters.
func (m *Module) Stats() Stats { return Stats{NoTunnel: m.noTunnel.Load()} }

// Input implements ipv4.Transport: decapsulation (RFC 2003 §3).
func (m *Module) Input(b *mbuf.Buf, in ipv4.Meta) bool {
	return m.input(b, in, wire.EtherTypeIPv4)
}

// IPv6 is the module's transport for IPv6 in IPv4 (IP protocol 41, RFC
// 4213 §3.5), on the same tunnels: pass it in ipv4.Options.Transports
// beside the module to carry IPv6 (Linux's sit is the peer).
func (m *Module) IPv6() ipv4.Transport { return sixInFour{m} }

type sixInFour struct{ m *Module }

func (t sixInFour) Protocol() wire.IPProtocol            { return wire.IPProtocolIPv6 }
func (t sixInFour) Attach(ip *ipv4.IPv4) error           { return t.m.c.Attach(ip) }
func (t sixInFour) Input(b *mbuf.Buf, in ipv4.Meta) bool { return t.m.input(b, in, wire.EtherTypeIPv6) }

var _ ipv4.Transport = sixInFour{}

// input decapsulates an inner packet of type et: the tunnel is found by
// the outer endpoints, and the payload must be an IPv4 header (RFC 2003
// §3.1) or an IPv6 one (RFC 4213 §3.6), else it is counted and dropped.
func (m *Module) input(b *mbuf.Buf, in ipv4.Meta, et wire.EtherType) bool {
	p := m.c.Table().Find(in.Src, in.Dst, 0, false)
	if p == nil {
		m.noTunnel.Add(1)
		return false
	}
	var err error
	if et == wire.EtherTypeIPv4 {
		_, err = wire.NewIPv4(b.Bytes())
	} else {
		_, err = wire.NewIPv6(b.Bytes())
	}
	if err != nil {
		p.RxError()
		b.Free()
		return true
	}
	p.Deliver(b, et)
	return true
}

// encap adds nothing: the outer IPv4 header goes right in front.
type encap struct{}

// Overhead implements tunnel.Encap.
func (encap) Overhead() int { return 0 }

// Push implements tunnel.Encap: IPv4 inside is protocol 4, IPv6 inside
// protocol 41 (RFC 4213 §3.5).
func (encap) Push(b *mbuf.Buf, et wire.EtherType) (wire.IPProtocol, bool) {
	if b.Len() == 0 {
		return 0, false
	}
	switch et {
	case wire.EtherTypeIPv4:
		return wire.IPProtocolIPIP, true
	case wire.EtherTypeIPv6:
		return wire.IPProtocolIPv6, true
	}
	return 0, false
}

var (
	_ ipv4.Transport = (*Module)(nil)
	_ stack.Cloner   = (*Module)(nil)
	_ tunnel.Encap   = encap{}
)
