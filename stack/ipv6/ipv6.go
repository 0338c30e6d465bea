package ipv6

import (
	"errors"
	"io"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/internal/echo"
	"github.com/gopkt/gopkt/stack/internal/flow"
	"github.com/gopkt/gopkt/stack/network"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/wire"
)

// Errors callers branch on.
var (
	ErrNoRoute       = errors.New("ipv6: no route to host (add an address on its prefix, or a route)")
	ErrTooBig        = errors.New("ipv6: packet too big (over 65535 bytes of payload, or the MTU with fragmentation refused)")
	ErrNoBuffers     = errors.New("ipv6: packet buffer pool exhausted")
	ErrNoHeadroom    = errors.New("ipv6: buffer lacks headroom for the IPv6 and link headers")
	ErrProtocolTaken = errors.New("ipv6: next header number already registered")
	ErrNoSource      = errors.New("ipv6: no usable source address on the outgoing interface")
	ErrBadAddress    = errors.New("ipv6: not a usable IPv6 unicast address with a prefix length")
	ErrExists        = errors.New("ipv6: address already configured")
	ErrNoAddress     = errors.New("ipv6: address not configured on this interface")
	ErrNoInterface   = errors.New("ipv6: no such interface")
	ErrTimeExceeded  = errors.New("ipv6: ICMPv6 time exceeded")
	ErrUnreachable   = errors.New("ipv6: ICMPv6 destination unreachable")
	ErrPingInUse     = echo.ErrInUse
)

// Transport is an upper-layer protocol registered by next-header number
// through Options.Transports.
type Transport interface {
	// Protocol is the next-header number served.
	Protocol() wire.IPProtocol
	// Attach hands the transport the IPv6 instance to send through.
	Attach(ip *IPv6) error
	// Input receives one packet; b.Bytes() starts at the upper-layer
	// header (a reassembled packet is a chain). It returns false when no
	// endpoint wants it: IPv6 keeps b and answers with destination
	// unreachable, port unreachable (RFC 4443 §3.1). On true the
	// transport owns b.
	Input(b *mbuf.Buf, in Meta) bool
}

// Meta describes a received packet to its transport.
type Meta struct {
	Src, Dst     [16]byte
	IfIndex      int
	HopLimit     uint8
	TrafficClass uint8
	Multicast    bool // sent to a multicast address
}

// Options configure IPv6.
type Options struct {
	// Transports are registered by next-header number. ICMPv6 is built
	// in (RFC 4443 §1: every node implements it).
	Transports []Transport
	// Forwarding routes packets not addressed to us between interfaces
	// (a router, RFC 8200 §3); off, they are dropped as a host does.
	Forwarding bool
	// NoFastForward turns routed fast forwarding off (fastfwd.go);
	// SetFastForward changes it at runtime.
	NoFastForward bool
	// FastForwardFlows is the size of the fast forwarding flow cache (0:
	// 4096 flows, 80 bytes each, made by the first forwarded flow).
	FastForwardFlows int
	// DefaultHopLimit for packets we originate; 0 means 64 (RFC 8200 §3
	// leaves it to the node; Linux uses 64).
	DefaultHopLimit uint8
	// Reassembly limits (0 picks the default in parentheses).
	ReassemblyTimeout   time.Duration // per packet (60 s, RFC 8200 §4.5)
	ReassemblyDatagrams int           // packets in progress (64)
	ReassemblyBuffers   int           // mbufs held by incomplete packets: the "reassembly6" quota (256, at most a quarter of the budget)
	// Neighbour discovery (RFC 4861 §10 constants; 0 picks them).
	ReachableTime  time.Duration // REACHABLE_TIME (30 s), randomised 0.5-1.5 (§6.3.2)
	RetransTimer   time.Duration // RETRANS_TIMER (1 s)
	DelayFirstProb time.Duration // DELAY_FIRST_PROBE_TIME (5 s)
	StaleTime      time.Duration // a STALE entry unused this long goes (10 min)
	Solicits       int           // MAX_MULTICAST_SOLICIT and MAX_UNICAST_SOLICIT (3)
	NeighQueue     int           // packets queued per unresolved neighbour (16)
	NeighHold      int           // mbufs queued on all unresolved neighbours: the "nd-hold" quota (a quarter of the budget)
	NeighMax       int           // entries (1024); a full cache evicts an unresolved one, else the least recently used
	ICMPRate       int           // ICMPv6 errors per second (1000), RFC 4443 §2.4 (f)
	ICMPBurst      int           // token bucket depth (50)
	Tick           time.Duration // timer granularity (100 ms)
	Clock          clock.Clock   // every timer and timestamp (nil: clock.System())
	PMTUTimeout    time.Duration // how long a learned path MTU holds (10 min, RFC 8201 §4)
	// RedirectTimeout is how long a followed redirect holds (10 min);
	// RedirectRate bounds the redirects a router sends, per second (10,
	// RFC 4861 §8.2: "MUST limit the rate").
	RedirectTimeout time.Duration
	RedirectRate    int
	// DADTransmits is DupAddrDetectTransmits (RFC 4862 §5.1): neighbour
	// solicitations sent for a new address before it is used; 0 means 1,
	// a negative value turns duplicate address detection off.
	DADTransmits int
	// StableSecret keys the SLAAC interface identifiers (RFC 7217 §5
	// secret_key, at least 128 bits): with the same secret an interface
	// gets the same address on a prefix every run. Nil picks a random
	// one per instance.
	StableSecret []byte
	// NoLinkLocal leaves interfaces without the fe80::/64 address formed
	// from their MAC (RFC 4291 Appendix A); loopbacks always get ::1.
	NoLinkLocal bool
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
	def(&o.FastForwardFlows, defaultFlows)
	if o.DefaultHopLimit == 0 {
		o.DefaultHopLimit = 64
	}
	defd(&o.ReassemblyTimeout, 60*time.Second)
	def(&o.ReassemblyDatagrams, 64)
	defd(&o.ReachableTime, 30*time.Second)
	defd(&o.RetransTimer, time.Second)
	defd(&o.DelayFirstProb, 5*time.Second)
	defd(&o.StaleTime, 10*time.Minute)
	def(&o.Solicits, 3)
	def(&o.NeighQueue, 16)
	def(&o.NeighMax, 1024)
	def(&o.ICMPRate, 1000)
	def(&o.ICMPBurst, 50)
	defd(&o.Tick, 100*time.Millisecond)
	defd(&o.PMTUTimeout, 10*time.Minute)
	defd(&o.RedirectTimeout, 10*time.Minute)
	def(&o.RedirectRate, 10)
	o.Clock = clock.Or(o.Clock)
}

// IPv6 is the IPv6 protocol instance of one stack: input with extension
// header processing, output with source selection and fragmentation,
// reassembly, ICMPv6 and neighbour discovery.
type IPv6 struct {
	s    *stack.Stack
	pool *mbuf.Pool
	o    Options

	// transports by next-header number, read by the receive path
	// without a lock; AddTransport and RemoveTransport change it
	// (transports.go).
	transports network.Transports[Transport]

	// Hook points (packets start at the IPv6 header): In, Out, Forward.
	in, out, fwd *pfil.Head

	// routes is the IPv6 routing table (Routes).
	routes *route.Table6

	mu    sync.Mutex                       // configuration changes
	dad   map[dadKey]*dadRun               // under mu
	dupes map[dadKey]netip.Prefix          // under mu: addresses DAD found duplicate, until added again
	ifs   atomic.Pointer[[]*ifState]       // by interface index
	local atomic.Pointer[map[[16]byte]int] // unicast addresses -> ifindex
	neigh *neighCache
	reass *reassembler
	// Quotas of the stack's mbuf budget: charged while a buffer waits in
	// a neighbour hold queue or in reassembly.
	holdQ, reassQ *mbuf.Quota
	icmp          icmpState
	pmtu          pmtuCache
	redir         redirects
	ac            autoconf       // under mu
	mldq          mldRetransmits // state-change reports to send again (mld.go)
	ff            flow.Cache     // routed fast forwarding (fastfwd.go)

	fragID     atomic.Uint32
	forwarding atomic.Bool
	st         stats
	stop       chan struct{}
	wg         sync.WaitGroup
}

// New returns an IPv6 protocol to pass in stack.Options.Protocols.
func New(o Options) *IPv6 {
	o.defaults()
	ip := &IPv6{o: o, routes: route.New6(), stop: make(chan struct{}),
		in: pfil.NewHead("ipv6-in"), out: pfil.NewHead("ipv6-out"), fwd: pfil.NewHead("ipv6-forward")}
	empty := []*ifState{}
	ip.ifs.Store(&empty)
	ip.local.Store(&map[[16]byte]int{})
	ip.neigh = newNeighCache(ip)
	ip.neigh.fast.changed = ip.ff.Gen()
	ip.redir.changed = ip.ff.Gen()
	ip.ff.Init(!o.NoFastForward, o.FastForwardFlows, flow.MaxKeyWords)
	ip.reass = newReassembler(ip)
	ip.icmp.init(o.ICMPRate, o.ICMPBurst)
	ip.redir.limit = rate.NewLimiter(rate.Limit(o.RedirectRate), o.RedirectRate)
	ip.fragID.Store(randUint32())
	ip.forwarding.Store(o.Forwarding)
	ip.ac.secret = o.StableSecret
	if len(ip.ac.secret) == 0 {
		ip.ac.secret = newSecret()
	}
	return ip
}

// Attach implements stack.Protocol: it registers EtherType 0x86DD and the
// transports by next-header number, and starts the timer.
func (ip *IPv6) Attach(s *stack.Stack) error {
	ip.s = s
	ip.pool = s.Pool()
	b := s.Budget()
	if ip.o.NeighHold <= 0 {
		ip.o.NeighHold = max(1, b.Limit()/4)
	}
	if ip.o.ReassemblyBuffers <= 0 {
		ip.o.ReassemblyBuffers = max(1, min(256, b.Limit()/4))
	}
	ip.holdQ = b.NewQuota("nd-hold", ip.o.NeighHold)
	ip.reassQ = b.NewQuota("reassembly6", ip.o.ReassemblyBuffers)
	ip.reass.t.SetQuota(ip.reassQ)
	if err := s.HandleEtherType(wire.EtherTypeIPv6, etherHandler{ip}); err != nil {
		return err
	}
	if err := s.HandleFastForward(wire.EtherTypeIPv6, fastHandler{ip}); err != nil {
		return err
	}
	for _, t := range ip.o.Transports {
		if err := ip.AddTransport(t); err != nil {
			return err
		}
	}
	// The timer is armed here, not in its goroutine, so that a manual
	// clock advanced right after New returns fires it.
	t := ip.o.Clock.NewTimer()
	t.Reset(ip.o.Tick)
	ip.wg.Add(1)
	go ip.timer(t)
	return nil
}

// In is the hook point every packet received from an interface passes
// (after the fixed header and address checks, before reassembly,
// delivery or forwarding), with the receiving interface's index.
func (ip *IPv6) In() *pfil.Head { return ip.in }

// Out is the hook point of packets we originate that go through Output
// (before fragmentation), with the outgoing interface's index. Neighbour
// discovery and MLD messages, built and sent by IPv6 itself, do not pass
// it.
func (ip *IPv6) Out() *pfil.Head { return ip.out }

// Forward is the hook point of forwarded packets (hop limit already
// decremented), with the outgoing interface's index.
func (ip *IPv6) Forward() *pfil.Head { return ip.fwd }

// Routes is the IPv6 routing table. Addresses add their on-link prefix
// (RFC 4861 §5.2 "prefix list") as a connected route, and router
// advertisements add default routes and on-link prefixes. It is the same
// table for the instance's life (lookups take no lock; see package route).
func (ip *IPv6) Routes() *route.Table6 { return ip.routes }

// Stack is the stack this instance is attached to.
func (ip *IPv6) Stack() *stack.Stack { return ip.s }

// Pool is the packet buffer pool.
func (ip *IPv6) Pool() *mbuf.Pool { return ip.pool }

// DefaultHopLimit is the hop limit of packets we originate.
func (ip *IPv6) DefaultHopLimit() uint8 { return ip.o.DefaultHopLimit }

// SetForwarding turns routing between interfaces on or off.
func (ip *IPv6) SetForwarding(on bool) {
	ip.forwarding.Store(on)
	ip.invalidateFlows()
}

// Quotas returns the neighbour hold queue and reassembly quotas (nil
// before Attach).
func (ip *IPv6) Quotas() (hold, reassembly *mbuf.Quota) { return ip.holdQ, ip.reassQ }

// Close implements io.Closer: the registered transports that are
// io.Closer first, then the timer, then everything queued is freed.
func (ip *IPv6) Close() error {
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

// timer runs the periodic work every Tick of the clock, on t (armed).
func (ip *IPv6) timer(t clock.Timer) {
	defer ip.wg.Done()
	defer t.Stop()
	for {
		select {
		case <-ip.stop:
			return
		case now := <-t.C():
			ip.neigh.tick(now)
			ip.reass.tick(now)
			ip.pmtu.tick(now)
			ip.redir.tick(now)
			ip.dadTick(now)
			ip.autoconfTick(now)
			ip.paramsTick(now)
			ip.mldTick(now)
			t.Reset(ip.o.Tick)
		}
	}
}

// InterfaceAdded implements stack.InterfaceObserver: the interface joins
// the all-nodes group and gets its link-local address (RFC 4291 §2.8;
// RFC 4862 §5.3), or ::1 for a loopback.
func (ip *IPv6) InterfaceAdded(ifc *stack.Interface) {
	ip.mu.Lock()
	old := *ip.ifs.Load()
	next := slices.Clone(old)
	for len(next) <= ifc.Index() {
		next = append(next, nil)
	}
	nst := &ifState{ifc: ifc}
	nst.params.Store(ip.defaultParams(ip.o.Clock.Now()))
	next[ifc.Index()] = nst
	ip.ifs.Store(&next)
	ip.mu.Unlock()
	var p netip.Prefix
	switch {
	case ifc.Flags()&stack.FlagLoopback != 0:
		p = netip.PrefixFrom(netip.IPv6Loopback(), 128)
	case !ip.o.NoLinkLocal:
		p = netip.PrefixFrom(LinkLocal(ifc.MAC()), 64)
	}
	if p.IsValid() {
		if err := ip.AddAddress(ifc, p); err != nil {
			ip.s.Logger().Debug("ipv6: link-local address", "interface", ifc.Name(), "err", err)
		}
	} else {
		ip.updateGroups(ifc.Index())
	}
}

// InterfaceRemoved implements stack.InterfaceObserver.
func (ip *IPv6) InterfaceRemoved(ifc *stack.Interface) {
	st := ip.ifState(ifc.Index())
	if st == nil {
		return
	}
	for _, a := range st.addresses() {
		_ = ip.RemoveAddress(ifc, a)
	}
	ip.routes.DeleteInterface(ifc.Index())
	ip.neigh.flush(ifc.Index())
	ip.redir.flush(ifc.Index())
	ip.invalidateFlows() // its index may be reused
	ip.mu.Lock()
	next := slices.Clone(*ip.ifs.Load())
	if ifc.Index() < len(next) && next[ifc.Index()] == st {
		next[ifc.Index()] = nil
	}
	ip.ifs.Store(&next)
	delete(ip.ac.dna, ifc.Index())
	ip.mu.Unlock()
	ip.mldForget(ifc.Index())
}

// AddressAdded implements stack.InterfaceObserver (IPv4 addresses: none of
// ours).
func (ip *IPv6) AddressAdded(*stack.Interface, netip.Prefix) {}

// AddressRemoved implements stack.InterfaceObserver.
func (ip *IPv6) AddressRemoved(*stack.Interface, netip.Prefix) {}

var (
	_ stack.Protocol          = (*IPv6)(nil)
	_ stack.InterfaceObserver = (*IPv6)(nil)
)
