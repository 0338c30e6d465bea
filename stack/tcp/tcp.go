package tcp

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/clock"
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/network"
	"github.com/gopkt/gopkt/stack/wire"
)

// Options configure TCP. Zero values pick the defaults in parentheses.
type Options struct {
	ReadBuffer  int // receive buffer of each socket in bytes, SO_RCVBUF (256 KiB)
	WriteBuffer int // send buffer of each socket in bytes, SO_SNDBUF (256 KiB)
	// MaxReadBuffer is how far receive-window auto-tuning may grow a
	// socket's ReadBuffer (4 MiB; ReadBuffer or less turns tuning off).
	// AutoTuneBuffers is the stack-wide share of the "tcp-rcvq" quota, in
	// mbufs, that grown windows may reserve together (half of Buffers).
	MaxReadBuffer, AutoTuneBuffers int
	// Buffers bounds the mbufs parked in every socket's receive and
	// out-of-order queues together: the "tcp-rcvq" quota of the stack's
	// mbuf budget (a quarter of what the budget lets consumers park). A
	// segment the quota refuses is dropped and counted; the peer sends it
	// again, so TCP can slow down but never starve receive refill.
	Buffers int
	// Congestion is the default congestion control of new sockets:
	// "cubic" (RFC 9438) or "newreno" (RFC 6582).
	Congestion string
	Backlog    int           // default listen backlog (128): half-open plus not yet accepted connections
	MSL        time.Duration // maximum segment lifetime; TIME-WAIT lasts 2*MSL (30 s, as Linux's 60 s TIME-WAIT)
	MinRTO     time.Duration // RTO floor (200 ms as Linux; RFC 6298 §2.4 suggests 1 s)
	MaxRTO     time.Duration // RTO ceiling (120 s; RFC 6298 §2.5 allows any value ≥ 60 s)
	InitialRTO time.Duration // before an RTT sample (1 s, RFC 6298 §2.1)
	// PMTUTimeout is how long an IPv4 path MTU learned from a
	// fragmentation needed message holds for new connections (10 min,
	// RFC 1191 §6.3).
	PMTUTimeout time.Duration
	DelayedAck  time.Duration // delayed ACK timer (40 ms; RFC 9293 §3.8.6.3 requires < 0.5 s)
	SynRetries  int           // SYN and SYN-ACK retransmissions before giving up (6)
	Retries     int           // data retransmissions before the connection is aborted (15, Linux's tcp_retries2)
	// FinWait2Timeout ends FIN-WAIT-2 of a closed socket whose peer never
	// sends its FIN (60 s, Linux's tcp_fin_timeout).
	FinWait2Timeout time.Duration
	KeepAliveIdle   time.Duration // idle time before the first probe, and between probes (15 s, Go's default)
	KeepAliveProbes int           // unanswered probes before the connection is aborted (9)
	// Feature switches (all on by default), for interop tests and
	// peers that mishandle them.
	NoSACK, NoTimestamps, NoWindowScale bool
	// ChallengeACKRate limits RFC 5961 challenge ACKs per second over all
	// connections (1000, RFC 5961 §7).
	ChallengeACKRate int
	// Clock drives every timer and timestamp (nil: clock.System()). With
	// the system clock the connection clock reads the monotonic clock
	// directly, as before; tests pass a clocktest.Clock and advance it.
	// Socket deadlines stay wall-clock instants (net.Conn's contract).
	Clock clock.Clock
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
	def(&o.ReadBuffer, 256<<10)
	def(&o.WriteBuffer, 256<<10)
	def(&o.MaxReadBuffer, 4<<20)
	def(&o.Backlog, 128)
	def(&o.SynRetries, 6)
	def(&o.Retries, 15)
	def(&o.KeepAliveProbes, 9)
	def(&o.ChallengeACKRate, 1000)
	defd(&o.MSL, 30*time.Second)
	defd(&o.MinRTO, 200*time.Millisecond)
	defd(&o.MaxRTO, 120*time.Second)
	defd(&o.InitialRTO, time.Second)
	defd(&o.PMTUTimeout, 10*time.Minute)
	defd(&o.DelayedAck, 40*time.Millisecond)
	defd(&o.FinWait2Timeout, 60*time.Second)
	defd(&o.KeepAliveIdle, 15*time.Second)
	if o.Congestion == "" {
		o.Congestion = "cubic"
	}
	o.Clock = clock.Or(o.Clock)
}

// fourTuple names a connection. Addresses are 16 bytes in both families:
// an IPv4 connection's are IPv4-mapped (::ffff:a.b.c.d, RFC 4291
// §2.5.5.2), which never appear on the wire in IPv6 (Input6 drops them),
// so the family is in the address itself. ifx is the interface index of
// a link-scoped IPv6 connection (either address link-local: the same
// addresses on two links are two connections), 0 otherwise. The key is
// comparable and fixed-size: a map lookup per segment allocates nothing.
type fourTuple struct {
	laddr, raddr [16]byte
	lport, rport uint16
	ifx          int32
}

// is4 reports whether k is an IPv4 connection.
func (k *fourTuple) is4() bool { return isMapped(k.laddr) }

func isMapped(a [16]byte) bool {
	return a[0]|a[1]|a[2]|a[3]|a[4]|a[5]|a[6]|a[7]|a[8]|a[9] == 0 && a[10] == 0xff && a[11] == 0xff
}

func linkLocal(a [16]byte) bool { return a[0] == 0xfe && a[1]&0xc0 == 0x80 }

// mapped4 is a as an IPv4-mapped IPv6 address.
func mapped4(a wire.Addr4) [16]byte {
	return [16]byte{10: 0xff, 11: 0xff, 12: a[0], 13: a[1], 14: a[2], 15: a[3]}
}

// TCP is the TCP protocol of one stack (RFC 9293): it demultiplexes
// segments to connections and listeners and owns the port space.
type TCP struct {
	o      Options
	ip     *ipv4.IPv4 // nil until Attach
	ip6    *ipv6.IPv6 // nil until V6().Attach
	net4   network.Layer
	net6   network.Layer
	pool   *mbuf.Pool
	budget *mbuf.Budget
	q      *mbuf.Quota // "tcp-rcvq", registered with budget from Attach to Close

	key       sipKey // RFC 6528 ISN key
	cookieKey sipKey // SYN cookie MAC key
	tsKey     sipKey // timestamp offsets (RFC 7323 §5.4)
	epoch     time.Time
	wall      bool // o.Clock is the system clock: now reads the monotonic clock itself

	mu        sync.RWMutex
	conns     map[fourTuple]*Conn
	listeners map[uint16]*Listener
	ports     map[uint16]int // connections per local port (ephemeral choice)
	next      uint16
	closed    bool
	// recent holds the last figures of the newest closed connections
	// (Closed), a ring of recentClosed entries; nRecent counts all ever
	// recorded.
	recent  [recentClosed]ConnInfo
	nRecent int

	tune     autoTune   // receive-window auto-tuning (rcvtune.go)
	pmtu4    pmtuCache4 // IPv4 path MTUs learned (pmtu4.go)
	chMu     sync.Mutex // challenge ACK limiter (RFC 5961 §7)
	chSecond int64
	chCount  int
	st       counters
}

// New returns TCP to pass in ipv4.Options.Transports (and its V6() in
// ipv6.Options.Transports).
func New(o Options) (*TCP, error) {
	o.defaults()
	if newCongestion(o.Congestion) == nil {
		return nil, fmt.Errorf("%w: %q", ErrBadCongestion, o.Congestion)
	}
	var k [48]byte
	if _, err := rand.Read(k[:]); err != nil {
		return nil, fmt.Errorf("tcp: random key: %w", err)
	}
	// The connection clock starts at 1 s, so that no reading is 0 (the
	// "unset" of every deadline and timestamp), even on a manual clock.
	t := &TCP{o: o, epoch: o.Clock.Now().Add(-time.Second), wall: clock.IsSystem(o.Clock), conns: map[fourTuple]*Conn{}, listeners: map[uint16]*Listener{},
		ports:     map[uint16]int{},
		key:       sipKey{binary.LittleEndian.Uint64(k[0:]), binary.LittleEndian.Uint64(k[8:])},
		cookieKey: sipKey{binary.LittleEndian.Uint64(k[16:]), binary.LittleEndian.Uint64(k[24:])},
		tsKey:     sipKey{binary.LittleEndian.Uint64(k[32:]), binary.LittleEndian.Uint64(k[40:])},
	}
	// RFC 6056 §3.3.1: start the ephemeral search at a random port.
	t.next = ephemeralFirst + mrand.N(uint16(ephemeralLast-ephemeralFirst+1))
	return t, nil
}

// Ephemeral port range (RFC 6335 §6).
const (
	ephemeralFirst = 49152
	ephemeralLast  = 65535
)

// Protocol implements ipv4.Transport.
func (t *TCP) Protocol() wire.IPProtocol { return wire.IPProtocolTCP }

// Attach implements ipv4.Transport.
func (t *TCP) Attach(ip *ipv4.IPv4) error {
	if t.ip != nil {
		return fmt.Errorf("tcp: already attached")
	}
	t.ip, t.net4 = ip, ip.Network()
	t.attachCommon(ip.Pool(), ip.Stack().Budget())
	return nil
}

// attachCommon takes the pool and registers the "tcp-rcvq" quota once,
// whichever network layer attaches first (both share one stack).
func (t *TCP) attachCommon(p *mbuf.Pool, b *mbuf.Budget) {
	if t.q != nil {
		return
	}
	t.pool, t.budget = p, b
	if t.o.Buffers <= 0 {
		t.o.Buffers = max(1, b.Limit()/4)
	}
	t.q = b.NewQuota("tcp-rcvq", t.o.Buffers)
}

// Options returns the options in effect (defaults filled in).
func (t *TCP) Options() Options { return t.o }

// Quota is the quota every socket's receive queues charge (nil before
// Attach).
func (t *TCP) Quota() *mbuf.Quota { return t.q }

// Close aborts every connection (RST to the peer), closes the listeners,
// frees every queued buffer and removes the "tcp-rcvq" quota from the
// stack's budget. IPv4 calls it when the stack closes; a program unloading
// TCP from a running stack calls it after ipv4.IPv4.RemoveTransport. TCP
// cannot be used again afterwards: a new TCP (New, AddTransport) loads it
// again.
func (t *TCP) Close() error {
	t.mu.Lock()
	t.closed = true
	conns := make([]*Conn, 0, len(t.conns))
	for _, c := range t.conns {
		conns = append(conns, c)
	}
	ls := make([]*Listener, 0, len(t.listeners))
	for _, l := range t.listeners {
		ls = append(ls, l)
	}
	t.mu.Unlock()
	for _, l := range ls {
		_ = l.Close()
	}
	for _, c := range conns {
		c.abort(ErrClosedStack, false)
	}
	if t.q != nil {
		t.budget.RemoveQuota(t.q)
	}
	return nil
}

// now is the connection clock: nanoseconds since 1 s before New
// (monotonic). With the system clock it is time.Since, which reads only
// the monotonic clock (no interface call, no wall-clock read per segment).
func (t *TCP) now() int64 {
	if t.wall {
		return int64(time.Since(t.epoch))
	}
	return int64(t.o.Clock.Now().Sub(t.epoch))
}

// Input implements ipv4.Transport: validate, find the connection or
// listener, and run the state machine (RFC 9293 §3.10.7). TCP always owns
// b afterwards: a segment for no socket is answered with RST, not ICMP.
func (t *TCP) Input(b *mbuf.Buf, m ipv4.Meta) bool {
	var s segment
	if !t.admit(b, &s, m.Broadcast, func(total int) uint16 {
		return wire.PseudoHeaderChecksum(wire.IPProtocolTCP, m.Src, m.Dst, uint16(total))
	}) {
		return true
	}
	k := fourTuple{laddr: mapped4(m.Dst), raddr: mapped4(m.Src), lport: s.dstPort, rport: s.srcPort}
	t.demux(k, &s, b)
	return true
}

// admit is what both network layers check before demultiplexing: the
// header (parseSegment), the destination (no TCP to a broadcast or
// multicast address: RFC 9293 §3.9.1.3, RFC 1122 §4.2.3.10), and the
// checksum (RFC 9293 §3.1), unless the driver verified it, against the
// pseudo-header sum psum gives for the segment's length. A segment that
// fails is counted by its reason and freed; false then.
func (t *TCP) admit(b *mbuf.Buf, s *segment, notUnicast bool, psum func(total int) uint16) bool {
	total := b.PktLen()
	if r := parseSegment(b.Bytes(), total, s); r != dropNone {
		t.st.drop(r)
		b.Free()
		return false
	}
	if notUnicast {
		t.st.drop(dropBroadcast)
		b.Free()
		return false
	}
	if b.Meta.Flags&mbuf.FlagL4CsumOK == 0 {
		if b.Meta.Flags&mbuf.FlagL4CsumBad != 0 || b.Checksum(psum(total)) != 0xffff {
			t.st.drop(dropChecksum)
			b.Free()
			return false
		}
	}
	return true
}

// demux hands a checked segment to its connection or listener (RFC 9293
// §3.10.7); b still starts at the TCP header.
func (t *TCP) demux(k fourTuple, s *segment, b *mbuf.Buf) {
	t.st.inSegs.Add(1)
	_, _ = b.Pull(s.hdrLen) // b is now the payload (possibly empty, possibly a chain)
	t.mu.RLock()
	c := t.conns[k]
	var l *Listener
	if c == nil {
		l = t.listeners[s.dstPort]
	}
	t.mu.RUnlock()
	switch {
	case c != nil:
		c.input(s, b)
	case l != nil && l.accepts(&k):
		l.input(k, s, b)
	default:
		b.Free()
		t.st.noPort.Add(1)
		if !s.has(wire.TCPFlagRST) {
			t.sendResetFor(k, s)
		}
	}
}

// bind reserves a local port for a new connection or listener: port 0
// picks an ephemeral port not used by anyone (RFC 6056 §3.3.1's simple
// search). Connections may share a port with other connections (distinct
// 4-tuples); a listener's port is exclusive.
func (t *TCP) bindLocked(port uint16, listener bool) (uint16, error) {
	if t.closed {
		return 0, ErrClosedStack
	}
	if port == 0 {
		for range ephemeralLast - ephemeralFirst + 1 {
			cand := t.next
			t.next++
			if t.next == 0 {
				t.next = ephemeralFirst
			}
			if t.ports[cand] == 0 && t.listeners[cand] == nil {
				port = cand
				break
			}
		}
		if port == 0 {
			return 0, ErrNoPorts
		}
	} else if t.listeners[port] != nil || (listener && t.ports[port] != 0) {
		return 0, ErrAddrInUse
	}
	if !listener {
		t.ports[port]++
	}
	return port, nil
}

// register adds c under its 4-tuple; the port was reserved by bindLocked
// (or belongs to the listener that spawned c, which registers with
// fromListener).
func (t *TCP) registerLocked(c *Conn) bool {
	k := c.tuple()
	if t.conns[k] != nil {
		return false
	}
	t.conns[k] = c
	return true
}

// unregister removes c (on entering CLOSED) and releases its port.
func (t *TCP) unregister(c *Conn) {
	k := c.tuple()
	t.mu.Lock()
	if t.conns[k] == c {
		delete(t.conns, k)
		if !c.fromListener {
			if t.ports[k.lport]--; t.ports[k.lport] <= 0 {
				delete(t.ports, k.lport)
			}
		}
	}
	t.mu.Unlock()
}

// challengeAllowed is the RFC 5961 §7 limit on challenge ACKs.
func (t *TCP) challengeAllowed() bool {
	sec := t.o.Clock.Now().Unix()
	t.chMu.Lock()
	defer t.chMu.Unlock()
	if sec != t.chSecond {
		t.chSecond, t.chCount = sec, 0
	}
	if t.chCount >= t.o.ChallengeACKRate {
		return false
	}
	t.chCount++
	return true
}

// routeMSS is the MSS for segments of k: the path MTU towards the peer
// (the outgoing interface's MTU, lowered by what path MTU discovery
// learned: stack/ipv6's cache, pmtu4.go for IPv4) minus the network and TCP headers (RFC 9293 §3.7.1, RFC 879,
// RFC 8200 §8.3: MTU − 60 over IPv6), at least 536 over IPv4 and 1220
// over IPv6 (its 1280-byte minimum MTU, RFC 8200 §5).
func (t *TCP) routeMSS(k *fourTuple) int {
	r := t.routeFor(k)
	floor := 536
	if !k.is4() {
		floor = ipv6.MinMTU - wire.IPv6HeaderLen - wire.TCPMinHeaderLen
	}
	if r.l == nil {
		return floor
	}
	mtu, err := r.l.MTU(r.dst)
	if err != nil {
		return floor
	}
	if k.is4() {
		if pm, ok := t.pmtu4.get(wire.Addr4(k.raddr[12:]), t.o.Clock.Now()); ok && pm < mtu {
			mtu = pm
		}
	}
	return max(floor, mtu-r.l.HeaderLen()-wire.TCPMinHeaderLen)
}

// Connections returns a snapshot of the connections (netstat).
func (t *TCP) Connections() []ConnInfo {
	t.mu.RLock()
	cs := make([]*Conn, 0, len(t.conns))
	for _, c := range t.conns {
		cs = append(cs, c)
	}
	t.mu.RUnlock()
	out := make([]ConnInfo, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.Info())
	}
	return out
}

// recentClosed is how many closed connections Closed remembers.
const recentClosed = 16

// recordClosed keeps a connection's last figures for Closed. Lock order:
// the caller holds the connection's mu, then t.mu.
func (t *TCP) recordClosed(ci ConnInfo) {
	t.mu.Lock()
	t.recent[t.nRecent%recentClosed] = ci
	t.nRecent++
	t.mu.Unlock()
}

// Closed returns the last figures (RTT, RTO, congestion window, queues at
// the end) of the most recently closed connections that had been
// established, oldest first: up to 16, each with State Closed. A
// connection too short-lived to be seen in Connections is found here,
// as Linux's ss -E reports sockets as they are destroyed.
func (t *TCP) Closed() []ConnInfo {
	t.mu.RLock()
	defer t.mu.RUnlock()
	n := min(t.nRecent, recentClosed)
	out := make([]ConnInfo, 0, n)
	for i := t.nRecent - n; i < t.nRecent; i++ {
		out = append(out, t.recent[i%recentClosed])
	}
	return out
}

// Listeners returns the addresses listened on (netstat's LISTEN lines).
func (t *TCP) Listeners() []netip.AddrPort {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make([]netip.AddrPort, 0, len(t.listeners))
	for _, l := range t.listeners {
		out = append(out, l.addr)
	}
	return out
}

// ConnInfo describes one connection (a netstat line).
type ConnInfo struct {
	Local, Remote netip.AddrPort
	State         State
	SendQueue     int           // bytes not yet acknowledged
	RecvQueue     int           // bytes not yet read
	SendWindow    int           // the peer's window (bytes, scaled)
	RTT, RTO      time.Duration // RTO as the timer runs now: backed off Backoff times
	Backoff       int           // retransmission timer expiries since the last new ACK (RFC 6298 §5.5)
	Cwnd          int
	Congestion    string
}

var _ ipv4.Transport = (*TCP)(nil)

// counters are the TCP statistics (RFC 4022 tcp* names where they exist).
type counters struct {
	inSegs, outSegs, retransSegs, outRsts, inErrs, noPort                  atomic.Uint64
	activeOpens, passiveOpens, attemptFails, estabResets                   atomic.Uint64
	dropShort, dropOffset, dropChecksum, dropOption, dropFlags, dropBcast  atomic.Uint64
	dropOutOfWindow, dropPAWS, dropQuota, dropNoACK, dropAcceptQueue       atomic.Uint64
	challengeACKs, rstIgnored, synCookiesSent, synCookiesOK, synCookiesBad atomic.Uint64
	fastRetrans, rtoExpired, sackRecoveries, ooo, keepaliveProbes          atomic.Uint64
	dropNoBuffers, outErrors, tlpProbes, oowAckLimited                     atomic.Uint64
	rackMarked, tlpRecoveries                                              atomic.Uint64
	dropBadAddr, mssReduced, sackReneging                                  atomic.Uint64
}

func (c *counters) drop(r dropReason) {
	c.inErrs.Add(1)
	switch r {
	case dropShort:
		c.dropShort.Add(1)
	case dropDataOffset:
		c.dropOffset.Add(1)
	case dropChecksum:
		c.dropChecksum.Add(1)
	case dropBadOption:
		c.dropOption.Add(1)
	case dropBadFlags:
		c.dropFlags.Add(1)
	case dropBroadcast:
		c.dropBcast.Add(1)
	case dropBadAddress:
		c.dropBadAddr.Add(1)
	}
}

// Stats are the TCP counters. InErrs counts malformed segments; the Drop*
// fields split every discarded segment by reason.
type Stats struct {
	InSegs, OutSegs, RetransSegs, OutRsts, InErrs, NoPort   uint64
	ActiveOpens, PassiveOpens, AttemptFails, EstabResets    uint64
	DropShort, DropDataOffset, DropChecksum, DropBadOption  uint64
	DropBadFlags, DropBroadcast, DropOutOfWindow, DropPAWS  uint64
	DropQuota, DropNoACK, DropAcceptQueue, DropNoBuffers    uint64
	ChallengeACKs, RSTIgnored                               uint64
	SynCookiesSent, SynCookiesOK, SynCookiesBad             uint64
	FastRetransmits, RTOExpired, SACKRecoveries, OutOfOrder uint64
	KeepAliveProbes, OutErrors, TLPProbes, OOWAckLimited    uint64
	// RACKMarked counts segments RACK marked lost (RFC 8985 §6.2 step 5);
	// TLPRecoveries losses a tail loss probe alone repaired (§7.4).
	RACKMarked, TLPRecoveries uint64
	// DropBadAddress counts IPv6 segments with an IPv4-mapped address
	// (RFC 4291 §2.5.5.2 addresses never appear on the wire); MSSReduced
	// connections whose MSS a packet too big or fragmentation needed
	// message (or a send refused as larger than the path MTU) lowered.
	DropBadAddress, MSSReduced uint64
	// SACKReneging counts ACKs that showed the receiver dropped data it
	// had SACKed (RFC 2018 §8): the cumulative ACK stopped at it.
	SACKReneging uint64
	CurrEstab    int
}

// Stats returns the counters.
func (t *TCP) Stats() Stats {
	c := &t.st
	s := Stats{InSegs: c.inSegs.Load(), OutSegs: c.outSegs.Load(), RetransSegs: c.retransSegs.Load(),
		OutRsts: c.outRsts.Load(), InErrs: c.inErrs.Load(), NoPort: c.noPort.Load(),
		ActiveOpens: c.activeOpens.Load(), PassiveOpens: c.passiveOpens.Load(), AttemptFails: c.attemptFails.Load(),
		EstabResets: c.estabResets.Load(), DropShort: c.dropShort.Load(), DropDataOffset: c.dropOffset.Load(),
		DropChecksum: c.dropChecksum.Load(), DropBadOption: c.dropOption.Load(), DropBadFlags: c.dropFlags.Load(),
		DropBroadcast: c.dropBcast.Load(), DropOutOfWindow: c.dropOutOfWindow.Load(), DropPAWS: c.dropPAWS.Load(),
		DropQuota: c.dropQuota.Load(), DropNoACK: c.dropNoACK.Load(), DropAcceptQueue: c.dropAcceptQueue.Load(),
		DropNoBuffers: c.dropNoBuffers.Load(), ChallengeACKs: c.challengeACKs.Load(), RSTIgnored: c.rstIgnored.Load(),
		SynCookiesSent: c.synCookiesSent.Load(), SynCookiesOK: c.synCookiesOK.Load(), SynCookiesBad: c.synCookiesBad.Load(),
		FastRetransmits: c.fastRetrans.Load(), RTOExpired: c.rtoExpired.Load(), SACKRecoveries: c.sackRecoveries.Load(),
		OutOfOrder: c.ooo.Load(), KeepAliveProbes: c.keepaliveProbes.Load(), OutErrors: c.outErrors.Load(), TLPProbes: c.tlpProbes.Load(), OOWAckLimited: c.oowAckLimited.Load(),
		RACKMarked: c.rackMarked.Load(), TLPRecoveries: c.tlpRecoveries.Load(),
		DropBadAddress: c.dropBadAddr.Load(), MSSReduced: c.mssReduced.Load(), SACKReneging: c.sackReneging.Load()}
	// Lock order is connection, then tables: copy the list before asking
	// each connection its state.
	t.mu.RLock()
	cs := make([]*Conn, 0, len(t.conns))
	for _, cn := range t.conns {
		cs = append(cs, cn)
	}
	t.mu.RUnlock()
	for _, cn := range cs {
		if st := cn.State(); st == Established || st == CloseWait {
			s.CurrEstab++
		}
	}
	return s
}
