package dhcp4

import (
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
)

// Config configures a Client. Interface and IP are required; the zero
// value of every other field picks the RFC 2131 behaviour noted.
type Config struct {
	// Interface is the Ethernet interface to configure.
	Interface *stack.Interface
	// IP is the stack's IPv4 instance: unicast messages (RENEWING,
	// DHCPRELEASE) go through its output path, which routes and ARPs.
	IP *ipv4.IPv4

	// ClientID is option 61; nil sends hardware type 1 and the MAC
	// (RFC 2132 §9.14).
	ClientID []byte
	// HostName is sent as option 12 when not empty.
	HostName string
	// RequestedAddr, when valid, starts in INIT-REBOOT asking for this
	// previously leased address (RFC 2131 §3.2).
	RequestedAddr netip.Addr
	// LeaseTime is the lease the client asks for (option 51); 0 leaves it
	// to the server.
	LeaseTime time.Duration
	// BroadcastFlag sets the BROADCAST bit (RFC 2131 §4.1) so that servers
	// broadcast their replies. The client receives unicast replies anyway.
	BroadcastFlag bool

	// NoApply leaves the interface alone: the lease is only reported.
	NoApply bool
	// NoDefaultRoute does not install a default route via the first router.
	NoDefaultRoute bool
	// ProbeWait is how long to wait for an answer to the ARP probes of an
	// acknowledged address before using it (RFC 2131 §4.4.1, RFC 5227
	// §2.1.1); a conflict sends DHCPDECLINE. 0 means 1 s; negative skips
	// the check.
	ProbeWait time.Duration

	// Retransmit is the first retransmission delay in SELECTING,
	// REQUESTING and REBOOTING, doubled per try up to MaxRetransmit,
	// randomised by ±Jitter (RFC 2131 §4.1: 4 s, 64 s, 1 s).
	Retransmit, MaxRetransmit, Jitter time.Duration
	// RequestRetries is how many DHCPREQUESTs REQUESTING and REBOOTING
	// send before going back to INIT (4).
	RequestRetries int
	// RenewMin is the shortest wait between retransmissions in RENEWING and
	// REBINDING (RFC 2131 §4.4.5: 60 s).
	RenewMin time.Duration
	// DeclineWait is the pause after a DHCPDECLINE before INIT
	// (RFC 2131 §3.1.5: at least 10 s).
	DeclineWait time.Duration

	// Clock is the time source; nil is the wall clock.
	Clock clock.Clock
	// Rand draws transaction IDs and jitter; nil seeds a generator from
	// crypto/rand. Only the client goroutine uses it.
	Rand *rand.Rand
	// OnEvent, if set, is called from the client goroutine for every
	// lease event. It must not call back into the Client.
	OnEvent func(Event)
	// Logger receives state changes; nil is the interface stack's logger.
	Logger *slog.Logger
}

func (c *Config) defaults() {
	dur := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	dur(&c.ProbeWait, time.Second)
	dur(&c.Retransmit, 4*time.Second)
	dur(&c.MaxRetransmit, 64*time.Second)
	dur(&c.Jitter, time.Second)
	dur(&c.RenewMin, 60*time.Second)
	dur(&c.DeclineWait, 10*time.Second)
	if c.RequestRetries <= 0 {
		c.RequestRetries = 4
	}
	if c.Clock == nil {
		c.Clock = clock.System()
	}
	if c.Rand == nil {
		var seed [16]byte
		_, _ = crand.Read(seed[:])
		c.Rand = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	if c.ClientID == nil {
		mac := c.Interface.MAC()
		c.ClientID = append([]byte{HTypeEthernet}, mac[:]...)
	}
	if c.Logger == nil {
		c.Logger = c.Interface.Stack().Logger()
	}
}

// Stats are the client's counters.
type Stats struct {
	Sent        [Inform + 1]uint64 // by message type
	Received    [Inform + 1]uint64 // accepted replies, by message type
	Retransmits uint64
	Malformed   uint64 // bad UDP checksum, wrong source port, undecodable message or options
	Ignored     uint64 // well formed but not for us: xid, chaddr, type or server mismatch
	RxDropped   uint64 // the client's queue was full
	SendErrors  uint64 // no buffer, no route
}

type counters struct {
	sent, received                                    [Inform + 1]atomic.Uint64
	retransmits, malformed, ignored, rxDropped, sendE atomic.Uint64
}

// Client is a DHCPv4 client for one interface (RFC 2131 §4.4). New makes
// it, Start runs it; WaitBound waits for a lease; Release gives the lease
// back and Close stops without telling the server. Both remove the
// address.
type Client struct {
	cfg      Config
	ifc      *stack.Interface
	ip       *ipv4.IPv4
	clock    clock.Clock
	log      *slog.Logger
	hookName string

	rx      chan rxEvent
	cmds    chan command
	done    chan struct{}
	started atomic.Bool
	probing atomic.Uint32 // address under the ARP check, big-endian; 0: none
	st      counters

	mu      sync.Mutex
	pub     State
	lease   Lease
	bound   bool
	changed chan struct{}

	fsm // owned by the client goroutine
}

type command struct {
	release bool
	sync    bool // only re-arm and answer (tests: export_test.go)
	reply   chan error
}

// New checks cfg and returns a client ready to Start.
func New(cfg Config) (*Client, error) {
	if cfg.Interface == nil || cfg.IP == nil {
		return nil, &OpError{Op: "new", Err: ErrMissingField, Fix: "set Config.Interface and Config.IP (the stack's ipv4 instance)"}
	}
	if cfg.Interface.Flags()&stack.FlagLoopback != 0 {
		return nil, &OpError{Op: "new", Interface: cfg.Interface.Name(), Err: ErrMissingField, Fix: "DHCP runs on an Ethernet interface, not a loopback"}
	}
	if cfg.RequestedAddr.IsValid() && !cfg.RequestedAddr.Is4() {
		return nil, &OpError{Op: "new", Interface: cfg.Interface.Name(), Err: ErrMissingField, Fix: "RequestedAddr must be IPv4"}
	}
	cfg.defaults()
	c := &Client{
		cfg: cfg, ifc: cfg.Interface, ip: cfg.IP, clock: cfg.Clock, log: cfg.Logger.With("dhcp4", cfg.Interface.Name()),
		hookName: "dhcp4/" + cfg.Interface.Name(),
		rx:       make(chan rxEvent, 16), cmds: make(chan command), done: make(chan struct{}),
		changed: make(chan struct{}),
	}
	c.fsm.timer = c.clock.NewTimer()
	return c, nil
}

// Start installs the receive hook and starts the client goroutine, which
// sends the first DHCPDISCOVER (or, with RequestedAddr, DHCPREQUEST) at
// once.
func (c *Client) Start() error {
	if !c.started.CompareAndSwap(false, true) {
		return &OpError{Op: "start", Interface: c.ifc.Name(), Err: ErrRunning}
	}
	if err := c.ifc.Stack().EtherIn().Add(c.hookName, 0, c.hook); err != nil {
		close(c.done)
		return &OpError{Op: "start", Interface: c.ifc.Name(), Err: err, Fix: "one client per interface"}
	}
	go c.run()
	return nil
}

// State returns the current state.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pub
}

// Lease returns the current lease, if the client holds one (BOUND,
// RENEWING, REBINDING).
func (c *Client) Lease() (Lease, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lease, c.bound
}

// WaitBound waits until the client holds a lease and returns it.
func (c *Client) WaitBound(ctx context.Context) (Lease, error) {
	for {
		c.mu.Lock()
		l, ok, ch := c.lease, c.bound, c.changed
		c.mu.Unlock()
		if ok {
			return l, nil
		}
		select {
		case <-ch:
		case <-c.done:
			return Lease{}, &OpError{Op: "wait", Interface: c.ifc.Name(), Err: ErrClosed}
		case <-ctx.Done():
			return Lease{}, &OpError{Op: "wait", Interface: c.ifc.Name(), Err: ctx.Err(),
				Fix: "no DHCP server answered; check the link and that a server serves this segment (" + c.State().String() + ")"}
		}
	}
}

// Changed returns a channel that is closed at the next state or lease
// change.
func (c *Client) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// Stats returns a snapshot of the counters.
func (c *Client) Stats() Stats {
	var s Stats
	for i := range s.Sent {
		s.Sent[i] = c.st.sent[i].Load()
		s.Received[i] = c.st.received[i].Load()
	}
	s.Retransmits = c.st.retransmits.Load()
	s.Malformed = c.st.malformed.Load()
	s.Ignored = c.st.ignored.Load()
	s.RxDropped = c.st.rxDropped.Load()
	s.SendErrors = c.st.sendE.Load()
	return s
}

// Release sends DHCPRELEASE to the server (RFC 2131 §4.4.6), removes the
// address and stops the client. Without a lease it only stops and returns
// ErrNotBound.
func (c *Client) Release() error { return c.command(true) }

// Close stops the client and removes the address and route it installed,
// without telling the server (the lease stays allocated until it expires).
func (c *Client) Close() error { return c.command(false) }

func (c *Client) command(release bool) error {
	if !c.started.Load() {
		return nil
	}
	reply := make(chan error, 1)
	select {
	case c.cmds <- command{release: release, reply: reply}:
		err := <-reply
		<-c.done // the hook is gone: another client may start
		return err
	case <-c.done:
		return nil
	}
}

// publish makes the goroutine's state visible to the API.
func (c *Client) publish() {
	c.mu.Lock()
	defer c.mu.Unlock()
	bound := c.state == StateBound || c.state == StateRenewing || c.state == StateRebinding
	if c.pub == c.state && c.bound == bound && (!bound || c.lease.Start.Equal(c.cur.Start)) {
		return
	}
	c.pub, c.bound = c.state, bound
	if bound {
		c.lease = c.cur
	} else {
		c.lease = Lease{}
	}
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *Client) event(e Event) {
	c.log.Info("dhcp "+e.Kind.String(), "addr", e.Lease.Addr, "server", e.Lease.Server, "lease", e.Lease.Duration, "err", e.Err)
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(e)
	}
}

// run is the client goroutine.
func (c *Client) run() {
	defer close(c.done)
	defer func() { _ = c.ifc.Stack().EtherIn().Remove(c.hookName) }()
	c.begin(c.clock.Now())
	c.arm()
	for {
		select {
		case ev := <-c.rx:
			if ev.conflict {
				c.conflict(ev.from)
			} else {
				c.receive(ev.msg)
			}
		case <-c.timer.C():
			c.tick(c.clock.Now())
		case cmd := <-c.cmds:
			if cmd.sync {
				c.arm()
				cmd.reply <- nil
				continue
			}
			err := c.stop(cmd.release)
			c.timer.Stop()
			c.state = StateStopped
			c.publish()
			cmd.reply <- err
			return
		}
		c.arm()
	}
}
