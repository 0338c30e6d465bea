package stack

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/route"
	"github.com/gopkt/gopkt/stack/wire"
)

// Protocol is a network-layer module. The program passes the protocols it
// wants in Options.Protocols; New calls Attach on each, in order, and the
// protocol registers its EtherType handlers there (HandleEtherType). After
// New returns the EtherType table is fixed.
//
// A protocol may also implement InterfaceObserver (to learn about interfaces
// and addresses) and io.Closer (called by Stack.Close, in reverse order).
type Protocol interface {
	Attach(s *Stack) error
}

// EtherHandler receives the frames of one EtherType. b.Bytes() starts at the
// Ethernet payload (the 14-byte header is in the headroom just before it);
// the handler owns b.
type EtherHandler interface {
	HandleEther(ifc *Interface, b *mbuf.Buf)
}

// InterfaceObserver is implemented by protocols that keep per-interface or
// per-address state. The calls come from the goroutine changing the
// configuration, never from the data path.
type InterfaceObserver interface {
	InterfaceAdded(ifc *Interface)
	InterfaceRemoved(ifc *Interface)
	AddressAdded(ifc *Interface, p netip.Prefix)
	AddressRemoved(ifc *Interface, p netip.Prefix)
}

// Options build a Stack. Everything is explicit: there are no global
// registries.
type Options struct {
	// Pool is the packet buffer pool every layer allocates from (required).
	Pool *mbuf.Pool
	// Budget bounds the buffers protocols park (socket receive queues,
	// neighbour hold queues, reassembly); nil means a budget of Pool with
	// the default reserve (mbuf.BudgetOptions). Stacks that share a pool
	// must share its budget.
	Budget *mbuf.Budget
	// Protocols are attached in order (for example ipv4.New(...)).
	Protocols []Protocol
	// Cloners create pseudo-interfaces by name prefix ("tap" -> tap0). The
	// loopback cloner ("lo") is always present.
	Cloners []Cloner
	// Logger receives configuration events; nil means slog.Default().
	Logger *slog.Logger
	// LoopbackAddr is lo0's address; the zero value means 127.0.0.1/8.
	LoopbackAddr netip.Prefix
}

type etherEntry struct {
	t wire.EtherType
	h EtherHandler
}

// Stack is one instance of the network stack: interfaces, the EtherType
// table, the routing table and the L2 hook points.
type Stack struct {
	pool   *mbuf.Pool
	budget *mbuf.Budget
	log    *slog.Logger
	protos []Protocol
	ether  []etherEntry // fixed after New
	fast   []fastEntry  // fast forwarders by EtherType, fixed after New (fastfwd.go)
	frozen bool

	// routes is the IPv4 routing table (Routes); etherIn and etherOut the
	// Ethernet hook points (EtherIn, EtherOut). Set by New, never swapped.
	routes            *route.Table
	etherIn, etherOut *pfil.Head

	mu      sync.Mutex // serialises configuration changes
	ifaces  atomic.Pointer[[]*Interface]
	local   atomic.Pointer[map[wire.Addr4]int] // our addresses -> ifindex
	cloners map[string]Cloner
	closed  bool

	rxActive atomic.Int32 // receive bursts in progress (txq.go)
	wg       sync.WaitGroup
	lo       *Interface

	linkFns atomic.Pointer[[]func(*Interface, port.LinkState)] // OnLinkChange (linkstate.go)
}

// New builds a stack: it attaches the protocols, then creates lo0.
func New(o Options) (*Stack, error) {
	if o.Pool == nil {
		return nil, &OpError{Op: "new", Err: ErrMissingField, Fix: "set Options.Pool to the shared mbuf pool"}
	}
	if o.Budget == nil {
		b, err := mbuf.NewBudget(o.Pool, mbuf.BudgetOptions{})
		if err != nil {
			return nil, &OpError{Op: "new", Err: err, Fix: "pass a larger pool, or an explicit Options.Budget"}
		}
		o.Budget = b
	} else if o.Budget.Pool() != o.Pool {
		return nil, &OpError{Op: "new", Err: ErrBadBudget, Fix: "make the budget with mbuf.NewBudget(Options.Pool, ...)"}
	}
	s := &Stack{
		pool:     o.Pool,
		budget:   o.Budget,
		log:      o.Logger,
		routes:   route.New(),
		etherIn:  pfil.NewHead("ether-in"),
		etherOut: pfil.NewHead("ether-out"),
		cloners:  map[string]Cloner{},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	empty := []*Interface{nil} // index 0 is never used
	s.ifaces.Store(&empty)
	s.local.Store(&map[wire.Addr4]int{})
	s.cloners["lo"] = loopCloner{}
	for _, c := range o.Cloners {
		if _, dup := s.cloners[c.Prefix()]; dup {
			return nil, &OpError{Op: "new", Err: fmt.Errorf("cloner %q: %w", c.Prefix(), ErrExists)}
		}
		s.cloners[c.Prefix()] = c
	}
	for _, p := range o.Protocols {
		if err := p.Attach(s); err != nil {
			_ = s.closeProtocols() // the ones attached so far
			return nil, &OpError{Op: "attach protocol", Err: err}
		}
		s.protos = append(s.protos, p)
	}
	s.frozen = true
	lo, err := s.Create("lo0")
	if err != nil {
		_ = s.closeProtocols()
		return nil, err
	}
	s.lo = lo
	la := o.LoopbackAddr
	if !la.IsValid() {
		la = netip.MustParsePrefix("127.0.0.1/8")
	}
	if err := s.AddAddress(lo, la); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// HandleEtherType registers h for frames of type t. Only protocols call it,
// from Attach.
func (s *Stack) HandleEtherType(t wire.EtherType, h EtherHandler) error {
	if s.frozen {
		return &OpError{Op: "handle ethertype " + t.String(), Err: ErrFrozen, Fix: "register handlers from Protocol.Attach"}
	}
	if s.etherHandler(t) != nil {
		return &OpError{Op: "handle ethertype " + t.String(), Err: ErrExists}
	}
	s.ether = append(s.ether, etherEntry{t, h})
	return nil
}

// etherHandler finds the handler for t. The table has a handful of entries,
// so a scan beats a map.
func (s *Stack) etherHandler(t wire.EtherType) EtherHandler {
	for i := range s.ether {
		if s.ether[i].t == t {
			return s.ether[i].h
		}
	}
	return nil
}

// Pool is the stack's packet buffer pool.
func (s *Stack) Pool() *mbuf.Pool { return s.pool }

// Budget is the budget of the pool: protocols take their quotas from it.
func (s *Stack) Budget() *mbuf.Budget { return s.budget }

// Routes is the IPv4 routing table. The stack adds and removes the
// connected routes of interface addresses itself. It is the same table
// for the stack's life (lookups take no lock; see package route).
func (s *Stack) Routes() *route.Table { return s.routes }

// EtherIn is the Ethernet hook point of received frames (frames start at
// the Ethernet header), run before the EtherType dispatch.
func (s *Stack) EtherIn() *pfil.Head { return s.etherIn }

// EtherOut is the Ethernet hook point of transmitted frames (frames start
// at the Ethernet header), run before the port takes them.
func (s *Stack) EtherOut() *pfil.Head { return s.etherOut }

// Logger is the stack's logger.
func (s *Stack) Logger() *slog.Logger { return s.log }

// Loopback is lo0.
func (s *Stack) Loopback() *Interface { return s.lo }

// Interface returns the interface with index i, or nil. It takes no lock.
func (s *Stack) Interface(i int) *Interface {
	t := *s.ifaces.Load()
	if i <= 0 || i >= len(t) {
		return nil
	}
	return t[i]
}

// InterfaceByName returns the named interface, or nil.
func (s *Stack) InterfaceByName(name string) *Interface {
	for _, ifc := range *s.ifaces.Load() {
		if ifc != nil && ifc.name == name {
			return ifc
		}
	}
	return nil
}

// Interfaces returns every interface, in index order.
func (s *Stack) Interfaces() []*Interface {
	var out []*Interface
	for _, ifc := range *s.ifaces.Load() {
		if ifc != nil {
			out = append(out, ifc)
		}
	}
	return out
}

// LocalInterface returns the index of the interface that owns a, or 0 when a
// is not one of our addresses. It takes no lock.
func (s *Stack) LocalInterface(a wire.Addr4) int { return (*s.local.Load())[a] }

func (s *Stack) observers() []InterfaceObserver {
	var out []InterfaceObserver
	for _, p := range s.protos {
		if o, ok := p.(InterfaceObserver); ok {
			out = append(out, o)
		}
	}
	return out
}

// Attach adds an interface driven by p (an e1000 port, a tap device, an
// in-memory link end) and, unless o.NoPoller, starts its receive goroutine.
// The interface starts up.
func (s *Stack) Attach(name string, p port.Port, o IfOptions) (*Interface, error) {
	return s.attach(name, p, o, false)
}

func (s *Stack) attach(name string, p port.Port, o IfOptions, cloned bool) (*Interface, error) {
	if name == "" || len(name) > 15 {
		return nil, &OpError{Op: "attach", Interface: name, Err: ErrBadName, Fix: "names are 1 to 15 bytes, like Linux's IFNAMSIZ"}
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, &OpError{Op: "attach", Interface: name, Err: ErrClosed}
	}
	if s.InterfaceByName(name) != nil {
		s.mu.Unlock()
		return nil, &OpError{Op: "attach", Interface: name, Err: ErrExists, Fix: "pick another name or destroy the old interface"}
	}
	old := *s.ifaces.Load()
	idx := slices.Index(old[1:], nil) + 1 // reuse a hole, NetBSD style
	if idx == 0 {
		idx = len(old)
	}
	ifc := newInterface(s, name, idx, p, o)
	ifc.cloned = cloned
	next := slices.Clone(old)
	if idx == len(next) {
		next = append(next, ifc)
	} else {
		next[idx] = ifc
	}
	s.ifaces.Store(&next)
	s.mu.Unlock()
	for _, ob := range s.observers() {
		ob.InterfaceAdded(ifc)
	}
	s.wg.Add(1)
	go ifc.watchLink(&s.wg)
	if !o.NoPoller {
		for _, rq := range ifc.rxqs {
			s.wg.Add(1)
			go rq.run(&s.wg)
		}
	}
	s.log.Debug("interface attached", "name", name, "index", idx, "mac", ifc.MAC(), "mtu", ifc.MTU())
	return ifc, nil
}

// Detach removes an interface: it takes the receive path off the port
// (once Detach returns, no RxBurst or Wait runs on it again), sends what
// was queued for the port and stops transmission (later frames are dropped
// and counted), stops following link events, removes the interface's
// addresses and routes and tells the protocols. It does not close the port
// (Destroy does, for cloned interfaces), so the caller may close it next.
//
// Detach is safe from any goroutine, a handler running on the
// interface's own receive goroutine included: it waits for an RxBurst or
// Wait in progress, never for the handler, and the goroutine exits at the
// end of its burst (Close waits for it).
func (s *Stack) Detach(ifc *Interface) error {
	s.mu.Lock()
	t := *s.ifaces.Load()
	if ifc.index >= len(t) || t[ifc.index] != ifc || ifc.detaching {
		s.mu.Unlock()
		return &OpError{Op: "detach", Interface: ifc.name, Err: ErrNoInterface}
	}
	ifc.detaching = true
	s.mu.Unlock()
	ifc.stopRx()
	close(ifc.linkQuit)
	ifc.stopTx() // what was queued goes out; nothing more after this
	for _, rq := range ifc.rxqs {
		rq.releaseCache()
	}
	for _, a := range ifc.Addresses() {
		_ = s.RemoveAddress(ifc, a)
	}
	s.routes.DeleteInterface(ifc.index)
	for _, ob := range s.observers() {
		ob.InterfaceRemoved(ifc)
	}
	s.mu.Lock()
	next := slices.Clone(*s.ifaces.Load())
	next[ifc.index] = nil
	s.ifaces.Store(&next)
	s.mu.Unlock()
	return nil
}

// Close detaches every interface (closing the ports of cloned ones), waits
// for every receive goroutine to end and closes the protocols. Buffers
// queued inside protocols are freed. Because it waits for the receive
// goroutines, a handler running on one must not call Close (it would wait
// for itself); it can start it on another goroutine (go s.Close()).
func (s *Stack) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	var errs []error
	for _, ifc := range slices.Backward(s.Interfaces()) {
		if ifc.cloned {
			errs = append(errs, s.destroy(ifc))
		} else {
			errs = append(errs, s.Detach(ifc))
		}
	}
	s.wg.Wait()
	errs = append(errs, s.closeProtocols())
	return errors.Join(errs...)
}

func (s *Stack) closeProtocols() error {
	var errs []error
	for _, p := range slices.Backward(s.protos) {
		if c, ok := p.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// loopCloner makes loN interfaces: link.Loop ports, no ARP, MTU 1500.
type loopCloner struct{}

func (loopCloner) Prefix() string { return "lo" }

func (loopCloner) Create(name string) (port.Port, IfOptions, error) {
	return link.Loop(link.Options{}), IfOptions{Flags: FlagLoopback | FlagNoARP}, nil
}
