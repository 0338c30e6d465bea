package gre

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

// Config is one GRE tunnel.
type Config struct {
	// Local and Remote are the outer IPv4 endpoints.
	Local, Remote netip.Addr
	// Key and HasKey: RFC 2890 key sent on every packet and required on
	// every received one (Linux's "key").
	Key    uint32
	HasKey bool
	// Seq sends RFC 2890 sequence numbers.
	Seq bool
	// Checksum sends RFC 2784 §2.5 checksums (received ones are always
	// verified).
	Checksum bool
	// MTU of the interface; 0 means 1500 less the outer headers.
	MTU int
	// TTL of the outer header; 0 means the IPv4 default.
	TTL uint8
}

// Module is the GRE transport (IP protocol 47) and the gre cloner.
type Module struct {
	c                   *tunnel.Cloner
	malformed, noTunnel atomic.Uint64
}

// New returns a module with no tunnels.
func New() *Module { return &Module{c: tunnel.NewCloner("gre")} }

// Protocol implements ipv4.Transport.
func (m *Module) Protocol() wire.IPProtocol { return wire.IPProtocolGRE }

// Attach implements ipv4.Transport.
func (m *Module) Attach(ip *ipv4.IPv4) error { return m.c.Attach(ip) }

// Prefix implements stack.Cloner.
func (m *Module) Prefix() string { return m.c.Prefix() }

// Create implements stack.Cloner (through Add).
func (m *Module) Create(name string) (port.Port, stack.IfOptions, error) { return m.c.Create(name) }

// Add creates the tunnel interface name with cfg.
func (m *Module) Add(s *stack.Stack, name string, cfg Config) (*stack.Interface, error) {
	enc := &encap{key: cfg.Key, hasKey: cfg.HasKey, seq: cfg.Seq, csum: cfg.Checksum}
	return m.c.Add(s, name, cfg.Local, cfg.Remote, tunnel.Config{MTU: cfg.MTU, TTL: cfg.TTL, Key: cfg.Key, HasKey: cfg.HasKey}, enc)
}

// Tunnel returns the counters of the tunnel behind ifc.
func Tunnel(ifc *stack.Interface) (tunnel.Stats, bool) { return tunnel.StatsOf(ifc) }

// Stats are the module's receive counters for packets no tunnel took.
type Stats struct {
	Malformed uint64 // GRE headers RFC 2784/2890 receivers discard
	NoTunnel  uint64 // no tunnel for the endpoints and key (left to IPv4: protocol unreachable)
}

// Stats returns the module's counters.
func (m *Module) Stats() Stats {
	return Stats{Malformed: m.malformed.Load(), NoTunnel: m.noTunnel.Load()}
}

// Input implements ipv4.Transport: decapsulation (RFC 2784 §2, RFC 2890
// §2.2).
func (m *Module) Input(b *mbuf.Buf, in ipv4.Meta) bool {
	g, err := wire.NewGRE(b.Bytes())
	if err != nil {
		m.malformed.Add(1)
		b.Free()
		return true
	}
	key, hasKey := g.Key()
	p := m.c.Table().Find(in.Src, in.Dst, key, hasKey)
	if p == nil {
		m.noTunnel.Add(1)
		return false
	}
	et := g.Type()
	if (g.Flags()&wire.GREFlagChecksum != 0 && (b.Next() != nil || !g.ChecksumValid())) ||
		(et != wire.EtherTypeIPv4 && et != wire.EtherTypeIPv6) {
		p.RxError()
		b.Free()
		return true
	}
	_, _ = b.Pull(g.HeaderLen())
	p.Deliver(b, et)
	return true
}

// encap writes GRE headers for one tunnel.
type encap struct {
	key         uint32
	hasKey, seq bool
	csum        bool
	next        atomic.Uint32 // next sequence number (RFC 2890 §2.2: starts at 0)
}

func (e *encap) fields(et wire.EtherType) wire.GREFields {
	f := wire.GREFields{Type: et, Checksum: e.csum, Key: e.key, HasKey: e.hasKey, HasSeq: e.seq}
	if e.seq {
		f.Seq = e.next.Add(1) - 1
	}
	return f
}

// Overhead implements tunnel.Encap.
func (e *encap) Overhead() int {
	f := wire.GREFields{Checksum: e.csum, HasKey: e.hasKey, HasSeq: e.seq}
	return f.Len()
}

// Push implements tunnel.Encap.
func (e *encap) Push(b *mbuf.Buf, et wire.EtherType) (wire.IPProtocol, bool) {
	if et != wire.EtherTypeIPv4 && et != wire.EtherTypeIPv6 {
		return 0, false
	}
	if e.csum && b.Next() != nil {
		return 0, false // the checksum covers the payload: one segment only
	}
	f := e.fields(et)
	if _, err := b.Push(f.Len()); err != nil {
		return 0, false
	}
	if _, err := f.Encode(b.Bytes()); err != nil {
		return 0, false
	}
	return wire.IPProtocolGRE, true
}

var (
	_ ipv4.Transport = (*Module)(nil)
	_ stack.Cloner   = (*Module)(nil)
	_ tunnel.Encap   = (*encap)(nil)
)
