package ipv4

import (
	"errors"
	"io"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/internal/echo"
	"github.com/gopkt/gopkt/stack/internal/flow"
	"github.com/gopkt/gopkt/stack/network"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// Errors callers branch on.
var (
	ErrNoRoute       = errors.New("ipv4: no route to host (add an address on its subnet, or a route such as a default route)")
	ErrTooBig        = errors.New("ipv4: packet too big (DF set, or over 65535 bytes)")
	ErrNoBuffers     = errors.New("ipv4: packet buffer pool exhausted")
	ErrNoHeadroom    = errors.New("ipv4: buffer lacks headroom for the IP and link headers")
	ErrProtocolTaken = errors.New("ipv4: IP protocol number already registered")
	ErrNoSource      = errors.New("ipv4: outgoing interface has no IPv4 address (add one with Stack.AddAddress)")
	ErrTimeExceeded  = errors.New("ipv4: ICMP time exceeded")
	ErrUnreachable   = errors.New("ipv4: ICMP destination unreachable")
	ErrPingInUse     = echo.ErrInUse
)

// Transport is an upper-layer protocol (UDP, TCP later) registered by IP
// protocol number through Options.Transports.
type Transport interface {
	// Protocol is the IP protocol number served.
	Protocol() wire.IPProtocol
	// Attach hands the transport the IPv4 instance to send through.
	Attach(ip *IPv4) error
	// Input receives one datagram; b.Bytes() starts at the transport
	// header (a reassembled datagram is a chain). It returns false when no
	// endpoint wants the datagram: IPv4 keeps b and answers with ICMP port
	// unreachable (RFC 1122 §4.1.3.1). On true the transport owns b.
	Input(b *mbuf.Buf, in Meta) bool
}

// ErrorHandler is implemented by transports that want the ICMP errors
// (destination unreachable, time exceeded) about datagrams they sent
// (RFC 1122 §4.1.3.3: UDP passes them to the application). quote is the
// IPv4 header and leading payload bytes the error carries: at least the
// header and 8 bytes (RFC 792), so the ports are there.
type ErrorHandler interface {
	HandleICMPError(typ wire.ICMPv4Type, code uint8, quote wire.IPv4)
}

// PMTUHandler is implemented by transports that do path MTU discovery
// (RFC 1191 §6): a destination unreachable, fragmentation needed and DF
// set goes to HandleFragNeeded with the message's next-hop MTU (0 from a
// router older than RFC 1191, §5) instead of HandleICMPError.
type PMTUHandler interface {
	HandleFragNeeded(mtu uint16, quote wire.IPv4)
}

// Meta describes a received datagram to its transport.
type Meta struct {
	Src, Dst  wire.Addr4
	IfIndex   int
	TTL       uint8
	TOS       uint8
	Broadcast bool // sent to a broadcast or multicast address
}

// Options configure IPv4.
type Options struct {
	// Transports are registered by protocol number (UDP, …). ICMP is
	// built in (RFC 1122 §3.2.2: every host implements it).
	Transports []Transport
	// Forwarding routes packets not addressed to us between interfaces
	// (RFC 1812); off, they are dropped (RFC 1122 §3.3.1.1 host).
	Forwarding bool
	// NoFastForward turns routed fast forwarding off (fastfwd.go): every
	// forwarded datagram takes the full path. SetFastForward changes it at
	// runtime.
	NoFastForward bool
	// FastForwardFlows is the size of the fast forwarding flow cache (0:
	// 4096 flows; 64 bytes each, allocated by the first forwarded flow).
	FastForwardFlows int
	// DefaultTTL for packets we originate; 0 means 64 (RFC 1700).
	DefaultTTL uint8
	// Reassembly limits (0 picks the default in parentheses).
	ReassemblyTimeout   time.Duration // per datagram (30 s, as Linux; RFC 1122 §3.3.2 suggests 60-120 s)
	ReassemblyDatagrams int           // datagrams in progress (64)
	ReassemblyBuffers   int           // mbufs held by incomplete datagrams, all together: the "reassembly" quota (256, at most a quarter of the budget)
	// Neighbour cache (0 picks the default).
	ARPTimeout      time.Duration // reachable lifetime of an entry (60 s)
	ARPRetry        time.Duration // between requests while resolving (1 s)
	ARPRetries      int           // requests before giving up (3)
	ARPQueue        int           // packets queued per unresolved neighbour (16, FreeBSD's net.link.arp.maxhold; RFC 1122 §2.3.2.2 says at least 1)
	ARPHoldBuffers  int           // mbufs queued on every unresolved neighbour together: the "arp-hold" quota (a quarter of the budget)
	NeighMax        int           // dynamic entries, learned or resolving (1024); the least recently used goes when full
	NeighStaticMax  int           // permanent entries (AddStaticNeighbour), apart from NeighMax (NeighMax)
	ICMPRate        int           // ICMP errors per second (1000), RFC 1812 §4.3.2.8
	ICMPBurst       int           // token bucket depth (50)
	Tick            time.Duration // timer granularity (100 ms)
	Clock           clock.Clock   // every timer and timestamp (nil: clock.System())
	DisableICMPEcho bool          // do not answer echo requests
}

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	if o.DefaultTTL == 0 {
		o.DefaultTTL = 64
	}
	def(&o.FastForwardFlows, defaultFlows)
	defd(&o.ReassemblyTimeout, 30*time.Second)
	def(&o.ReassemblyDatagrams, 64)
	defd(&o.ARPTimeout, 60*time.Second)
	defd(&o.ARPRetry, time.Second)
	def(&o.ARPRetries, 3)
	// 16: a sender at 100 packets/s loses nothing while a resolution takes
	// 160 ms (a loaded guest took longer than the 30 ms that 3 allowed and
	// dropped pings); the arp-hold quota bounds all queues together.
	def(&o.ARPQueue, 16)
	def(&o.NeighMax, 1024)
	def(&o.NeighStaticMax, o.NeighMax)
	def(&o.ICMPRate, 1000)
	def(&o.ICMPBurst, 50)
	defd(&o.Tick, 100*time.Millisecond)
	o.Clock = clock.Or(o.Clock)
}

// IPv4 is the IPv4 protocol instance of one stack: IP input, output,
// forwarding, fragmentation and reassembly, ARP and the neighbour cache, and
// ICMP.
type IPv4 struct {
	s    *stack.Stack
	pool *mbuf.Pool
	o    Options

	// transports by protocol number, read by the receive path without a
	// lock; AddTransport and RemoveTransport change it (transports.go).
	transports network.Transports[Transport]

	// Hook points (packets start at the IPv4 header): In, Out, Forward.
	in, out, fwd *pfil.Head

	neigh *neighCache
	reass *reassembler
	// Quotas of the stack's mbuf budget (quota.go): charged while a
	// buffer waits in a neighbour hold queue or in reassembly.
	holdQ, reassQ *mbuf.Quota
	icmp          icmpState
	acd           acdState   // RFC 5227 (acd.go)
	ff            flow.Cache // routed fast forwarding (fastfwd.go)

	id   atomic.Uint32 // IP identification counter
	st   stats
	stop chan struct{}
	wg   sync.WaitGroup
}

// New returns an IPv4 protocol to pass in stack.Options.Protocols.
func New(o Options) *IPv4 {
	o.defaults()
	ip := &IPv4{
		o:    o,
		in:   pfil.NewHead("ipv4-in"),
		out:  pfil.NewHead("ipv4-out"),
		fwd:  pfil.NewHead("ipv4-forward"),
		stop: make(chan struct{}),
	}
	ip.st.forwarding.Store(o.Forwarding)
	ip.ff.Init(!o.NoFastForward, o.FastForwardFlows, 2)
	ip.neigh = newNeighCache(ip)
	ip.neigh.fast.changed = ip.ff.Gen()
	ip.reass = newReassembler(ip)
	ip.icmp.init(o.ICMPRate, o.ICMPBurst)
	ip.acd.init()
	return ip
}

// Attach implements stack.Protocol: it registers IPv4 and ARP by EtherType
// and the transports by protocol number, and starts the timer.
func (ip *IPv4) Attach(s *stack.Stack) error {
	ip.s = s
	ip.pool = s.Pool()
	ip.takeQuotas(s.Budget())
	if err := s.HandleEtherType(wire.EtherTypeIPv4, ipHandler{ip}); err != nil {
		return err
	}
	if err := s.HandleEtherType(wire.EtherTypeARP, arpHandler{ip}); err != nil {
		return err
	}
	if err := s.HandleFastForward(wire.EtherTypeIPv4, fastHandler{ip}); err != nil {
		return err
	}
	_, _ = ip.transports.Add(uint8(wire.IPProtocolICMP), icmpTransport{ip}, nil)
	for _, t := range ip.o.Transports {
		if err := ip.AddTransport(t); err != nil {
			return err
		}
	}
	ip.wg.Add(1)
	go ip.timer()
	return nil
}

// In is the hook point every datagram received from an interface passes
// (after the header and address checks, before reassembly, delivery or
// forwarding), with the receiving interface's index.
func (ip *IPv4) In() *pfil.Head { return ip.in }

// Out is the hook point of datagrams we originate through Output (before
// fragmentation), with the outgoing interface's index.
func (ip *IPv4) Out() *pfil.Head { return ip.out }

// Forward is the hook point of forwarded datagrams (TTL already
// decremented), with the outgoing interface's index.
func (ip *IPv4) Forward() *pfil.Head { return ip.fwd }

// Stack is the stack this instance is attached to.
func (ip *IPv4) Stack() *stack.Stack { return ip.s }

// Pool is the packet buffer pool.
func (ip *IPv4) Pool() *mbuf.Pool { return ip.pool }

// DefaultTTL is the TTL of packets we originate.
func (ip *IPv4) DefaultTTL() uint8 { return ip.o.DefaultTTL }

// SetForwarding turns routing between interfaces on or off.
func (ip *IPv4) SetForwarding(on bool) {
	ip.st.forwarding.Store(on)
	ip.invalidateFlows()
}

// Close implements io.Closer: it stops the timer and frees queued packets.
// Transports registered then that implement io.Closer (TCP: its
// connections hold queued buffers and timers) are closed first.
func (ip *IPv4) Close() error {
	ip.transports.Each(func(_ uint8, t Transport) {
		if c, ok := t.(io.Closer); ok {
			_ = c.Close()
		}
	})
	close(ip.stop)
	ip.wg.Wait()
	ip.neigh.flush(0)
	ip.reass.flush()
	return nil
}

func (ip *IPv4) timer() {
	defer ip.wg.Done()
	t := ip.o.Clock.NewTimer()
	defer t.Stop()
	t.Reset(ip.o.Tick)
	for {
		select {
		case <-ip.stop:
			return
		case now := <-t.C():
			ip.neigh.tick(now)
			ip.reass.tick(now)
			t.Reset(ip.o.Tick)
		}
	}
}

// InterfaceAdded implements stack.InterfaceObserver.
func (ip *IPv4) InterfaceAdded(*stack.Interface) {}

// InterfaceRemoved implements stack.InterfaceObserver: neighbour entries
// (and packets queued on them) of the interface go, and so do the cached
// flows (an index may be reused).
func (ip *IPv4) InterfaceRemoved(ifc *stack.Interface) {
	ip.neigh.flush(ifc.Index())
	ip.invalidateFlows()
}

// AddressAdded implements stack.InterfaceObserver: announce the address
// with a gratuitous ARP request (RFC 5227 §3, ARP Announcement).
func (ip *IPv4) AddressAdded(ifc *stack.Interface, p netip.Prefix) {
	ip.invalidateFlows() // a cached destination or source may be ours now
	if ifc.Flags()&stack.FlagNoARP == 0 {
		a := p.Addr().As4()
		ip.sendARP(ifc, wire.ARPRequest, a, wire.MAC{}, a, wire.BroadcastMAC())
	}
}

// AddressRemoved implements stack.InterfaceObserver: cached flows go (a
// directed broadcast address may have become a host's).
func (ip *IPv4) AddressRemoved(*stack.Interface, netip.Prefix) { ip.invalidateFlows() }

var (
	_ stack.Protocol          = (*IPv4)(nil)
	_ stack.InterfaceObserver = (*IPv4)(nil)
)
