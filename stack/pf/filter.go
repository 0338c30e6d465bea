package pf

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/ipv6"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// Options shape a Filter; zero values pick the default in parentheses
// (pf's defaults where pf has one).
type Options struct {
	MaxStates   int           // state entries at most (10000, pf's "set limit states")
	TCPTimeout  time.Duration // idle TCP state (24 h, pf's tcp.established)
	UDPTimeout  time.Duration // idle UDP state (60 s, pf's udp.multiple)
	ICMPTimeout time.Duration // idle ICMP echo state (20 s, pf's icmp.first)
	// Priority of the hooks on the IPv4 hook points (lower runs first).
	Priority int
}

// Ruleset is an immutable, parsed rule list (filter rules, and nat and
// rdr rules); Load swaps whole sets.
type Ruleset struct {
	rules []*Rule
	nats  []*NATRule
}

// Filter is a pf-style packet filter on IPv4's hook points.
type Filter struct {
	s      *stack.Stack
	o      Options
	rules  atomic.Pointer[Ruleset]
	states *stateTable
	nat    *natTable
	frags  *fragTable // first fragments passed: their later fragments pass too
	start  time.Time
	hook   pfil.Hook

	mu        sync.Mutex
	attached  *ipv4.IPv4
	attached6 *ipv6.IPv6

	passed, blocked, stateHits, statesMade, statesRefused atomic.Uint64
	linkPassed, errorHits                                 atomic.Uint64
	translated, natMade, natRefused, natNotWritable       atomic.Uint64
	errorsTranslated, fragsTranslated, natFragDropped     atomic.Uint64
}

// New returns a filter for the interfaces of s with an empty rule set
// (everything passes).
func New(s *stack.Stack, o Options) *Filter {
	if o.MaxStates <= 0 {
		o.MaxStates = 10000
	}
	if o.TCPTimeout <= 0 {
		o.TCPTimeout = 24 * time.Hour
	}
	if o.UDPTimeout <= 0 {
		o.UDPTimeout = 60 * time.Second
	}
	if o.ICMPTimeout <= 0 {
		o.ICMPTimeout = 20 * time.Second
	}
	f := &Filter{s: s, o: o, states: newStateTable(o.MaxStates), nat: newNATTable(o.MaxStates), frags: newFragTable(), start: time.Now()}
	f.rules.Store(&Ruleset{})
	f.hook = f.run
	return f
}

// Load parses text and replaces the rule set atomically: a packet is
// checked against the old set or the new one, never a mix. On a syntax
// error nothing changes. States stay.
func (f *Filter) Load(text string) error {
	rs, err := ParseRuleset(text)
	if err != nil {
		return err
	}
	f.rules.Store(rs)
	return nil
}

// Rules returns the current rules' counters, in order.
func (f *Filter) Rules() []RuleStats {
	rs := f.rules.Load()
	out := make([]RuleStats, len(rs.rules))
	for i, r := range rs.rules {
		out[i] = RuleStats{Line: r.Line, Text: r.Text, Packets: r.packets.Load(), Bytes: r.bytes.Load(), States: r.states.Load()}
	}
	return out
}

// NATRules returns the current translation rules' counters, in order:
// Packets counts the packets that made a translation, States the
// translations made.
func (f *Filter) NATRules() []RuleStats {
	rs := f.rules.Load()
	out := make([]RuleStats, len(rs.nats))
	for i, r := range rs.nats {
		out[i] = RuleStats{Line: r.Line, Text: r.Text, Packets: r.packets.Load(), States: r.states.Load()}
	}
	return out
}

// FlushStates drops every state and every translation.
func (f *Filter) FlushStates() {
	f.states.flush()
	f.nat.flush()
	f.frags.flush()
}

// NATStats returns the translation counters.
func (f *Filter) NATStats() NATStats {
	return NATStats{Translated: f.translated.Load(), Made: f.natMade.Load(), Refused: f.natRefused.Load(),
		NotWritable: f.natNotWritable.Load(), Translations: int(f.nat.live.Load()),
		Errors: f.errorsTranslated.Load(), Fragments: f.fragsTranslated.Load(), FragDropped: f.natFragDropped.Load()}
}

// Stats are the filter's counters.
type Stats struct {
	Passed, Blocked uint64
	StateMatches    uint64 // packets passed by a state without the rules
	StatesMade      uint64
	StatesRefused   uint64 // states not made: the table was full of live ones
	States          int    // entries now
	// LinkControl counts IPv6 neighbour discovery and MLD messages passed
	// before the rules (packet.go linkControl; included in Passed).
	LinkControl uint64
	// ErrorMatches counts ICMP and ICMPv6 errors passed because the
	// packet they quote belongs to a state (included in StateMatches).
	ErrorMatches uint64
}

// Stats returns the counters.
func (f *Filter) Stats() Stats {
	return Stats{Passed: f.passed.Load(), Blocked: f.blocked.Load(), StateMatches: f.stateHits.Load(),
		StatesMade: f.statesMade.Load(), StatesRefused: f.statesRefused.Load(), States: f.states.count(),
		LinkControl: f.linkPassed.Load(), ErrorMatches: f.errorHits.Load()}
}

// Attach puts the filter on ip's in, out and forward hook points
// (forwarded packets are checked "in" by the In hook on arrival and "out"
// by the Forward hook on the egress interface).
func (f *Filter) Attach(ip *ipv4.IPv4) error {
	if ip == nil {
		return &OpError{Op: "attach", Err: ErrNoIPv4}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range []*pfil.Head{ip.In(), ip.Out(), ip.Forward()} {
		if err := h.Add("pf", f.o.Priority, f.hook); err != nil {
			return &OpError{Op: "attach", Err: err}
		}
	}
	f.attached = ip
	return nil
}

// AttachIPv6 puts the filter on ip6's in, out and forward hook points,
// as Attach does for IPv4: the same rules and state table see both
// families (rules say inet or inet6, or apply to both).
func (f *Filter) AttachIPv6(ip6 *ipv6.IPv6) error {
	if ip6 == nil {
		return &OpError{Op: "attach", Err: ErrNoIPv6}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range []*pfil.Head{ip6.In(), ip6.Out(), ip6.Forward()} {
		if err := h.Add("pf", f.o.Priority, f.hook); err != nil {
			return &OpError{Op: "attach", Err: err}
		}
	}
	f.attached6 = ip6
	return nil
}

// Detach takes the filter off the hook points of both families.
func (f *Filter) Detach() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ip := f.attached; ip != nil {
		_ = ip.In().Remove("pf")
		_ = ip.Out().Remove("pf")
		_ = ip.Forward().Remove("pf")
		f.attached = nil
	}
	if ip6 := f.attached6; ip6 != nil {
		_ = ip6.In().Remove("pf")
		_ = ip6.Out().Remove("pf")
		_ = ip6.Forward().Remove("pf")
		f.attached6 = nil
	}
}

func (f *Filter) run(d pfil.Dir, ifindex int, b *mbuf.Buf) pfil.Verdict {
	dir := Out
	if d == pfil.In {
		dir = In
	}
	v := pfil.Pass
	if len(f.rules.Load().nats) > 0 || f.nat.live.Load() > 0 {
		switch f.translate(dir, ifindex, b) {
		case natDone:
			v = pfil.Modified
		case natError:
			return pfil.Modified
		case natDrop:
			return pfil.Drop
		}
	}
	if f.Check(dir, ifindex, b.Bytes(), b.PktLen()) == Block {
		return pfil.Drop
	}
	return v
}

type natResult uint8

const (
	natNone  natResult = iota // not translated
	natDone                   // rewritten in place
	natDrop                   // a rule wanted a translation that could not be made
	natError                  // an ICMP error about a translated connection, rewritten: it passes as its connection does
)

// translate rewrites b by its translation, or makes one when the first
// matching nat rule (out) or rdr rule (in) on the interface says so. TCP,
// UDP and ICMP echo with their transport header in the first segment
// make translations; later fragments follow their first (natfrag.go) and
// ICMP errors the connection they quote (naticmp.go).
func (f *Filter) translate(dir Dir, ifindex int, b *mbuf.Buf) natResult {
	ifc := f.s.Interface(ifindex)
	if ifc == nil || ifc.Flags()&stack.FlagLoopback != 0 {
		return natNone
	}
	d := b.Bytes()
	pk, ok := parsePacket(d)
	if !ok || pk.v6 {
		return natNone
	}
	now := int64(time.Since(f.start))
	frag := binary.BigEndian.Uint16(d[6:8])
	if frag&0x1fff != 0 {
		return f.translateFragment(dir, ifc.Name(), b, &pk, now)
	}
	if pk.l4 && pk.proto == wire.IPProtocolICMP && natErrorType(pk.icmpType) {
		if r := f.translateError(dir, b, &pk, now); r != natDone {
			return r
		}
		return natError
	}
	if !pk.l4 || (pk.proto == wire.IPProtocolICMP && pk.icmpType != 8 && pk.icmpType != 0) || !natHeader(d, pk.proto) {
		return natNone
	}
	timeout := f.timeout(pk.proto)
	if timeout == 0 {
		return natNone
	}
	k := natKey{dir: dir, proto: pk.proto, t: tuple{src: pk.src, dst: pk.dst, sport: pk.sport, dport: pk.dport}}
	to, ok := f.nat.lookup(&k, now, timeout)
	if !ok {
		r := f.natRule(&pk, dir, ifc.Name())
		if r == nil || (pk.proto == wire.IPProtocolICMP && pk.icmpType != 8) {
			return natNone
		}
		out, ports := k.t, r.ToPort
		addr, ok := f.natAddr(r)
		if !ok {
			f.natRefused.Add(1)
			return natDrop
		}
		if r.Kind == NAT {
			out.src = addr
			if ports.Op == PortAny {
				ports = defaultNATPorts
			}
		}
		replyDir := In
		if r.Kind == RDR {
			out.dst = addr
			if ports.Op == PortEq {
				out.dport = ports.Lo
			}
			if f.s.LocalInterface(addr) != 0 {
				replyDir = Out // redirected to this host: its replies leave by the Out hook
			}
		}
		if to, ok = f.nat.add(k, out, ports, r, replyDir, now, timeout); !ok {
			f.natRefused.Add(1)
			return natDrop
		}
		r.packets.Add(1)
		r.states.Add(1)
		f.natMade.Add(1)
	}
	if !b.Writable() {
		f.natNotWritable.Add(1)
		return natDrop
	}
	var fk fragKey
	if frag&0x2000 != 0 { // the first fragment (RFC 791 §3.2: MF set, offset 0)
		fk = fragKeyOf(dir, d)
	}
	rewrite(d, &pk, to)
	if frag&0x2000 != 0 {
		f.nat.frags.note(fk, pk.src, pk.dst, now)
	}
	f.translated.Add(1)
	return natDone
}

// natHeader reports whether b (an IPv4 packet whose header parsed) holds
// the whole transport header rewrite touches: TCP's 20 bytes (RFC 9293
// §3.1), UDP's and ICMP echo's 8.
func natHeader(b []byte, proto wire.IPProtocol) bool {
	need := 8
	if proto == wire.IPProtocolTCP {
		need = 20
	}
	return len(b)-int(b[0]&0x0f)*4 >= need
}

// natRule returns the first translation rule for pk: nat rules on the
// way out, rdr rules on the way in.
func (f *Filter) natRule(pk *packet, dir Dir, ifname string) *NATRule {
	want := NAT
	if dir == In {
		want = RDR
	}
	for _, r := range f.rules.Load().nats {
		if r.Kind == want && r.match(pk, ifname) {
			return r
		}
	}
	return nil
}

// natAddr is the address r translates to: its own, or the first IPv4
// address of its (IFNAME) now.
func (f *Filter) natAddr(r *NATRule) (wire.Addr4, bool) {
	if r.ToIface == "" {
		return r.To.As4(), true
	}
	if ifc := f.s.InterfaceByName(r.ToIface); ifc != nil {
		for _, p := range ifc.Addresses() {
			if p.Addr().Is4() {
				return p.Addr().As4(), true
			}
		}
	}
	return wire.Addr4{}, false
}

// Check decides one packet: b starts at its IPv4 header, n is its length.
// Loopback interfaces are skipped (pf's usual "set skip on lo"). States
// first; then the rules, the last matching one deciding unless a quick
// one matched first; no match passes.
func (f *Filter) Check(dir Dir, ifindex int, b []byte, n int) Action {
	ifc := f.s.Interface(ifindex)
	if ifc != nil && ifc.Flags()&stack.FlagLoopback != 0 {
		return Pass
	}
	pk, ok := parsePacket(b)
	if !ok {
		f.passed.Add(1) // IP validated what it hands us; not ours to judge
		return Pass
	}
	if pk.linkControl() {
		f.linkPassed.Add(1) // neighbour discovery and MLD (packet.go)
		f.passed.Add(1)
		return Pass
	}
	now := int64(time.Since(f.start))
	first := false // an IPv4 first fragment (natfrag.go; IPv4 only)
	if !pk.v6 {
		frag := binary.BigEndian.Uint16(b[6:8])
		if frag&0x1fff != 0 { // a later fragment: as its first fragment went
			k := fragKeyOf(dir, b)
			if _, _, ok := f.frags.lookup(&k, now); ok {
				f.stateHits.Add(1)
				f.passed.Add(1)
				return Pass
			}
		}
		first = frag&0x3fff == 0x2000 // MF, offset 0
	}
	timeout := f.timeout(pk.proto)
	if pk.l4 && timeout > 0 && f.states.lookup(&pk, now, timeout) {
		if first {
			f.frags.note(fragKeyOf(dir, b), pk.src, pk.dst, now)
		}
		f.stateHits.Add(1)
		f.passed.Add(1)
		return Pass
	}
	if pk.icmpError() {
		// An error about a packet of a live state passes with it (a
		// packet too big for a connection, a port unreachable for a
		// datagram): the quoted packet went the other way, and keys are
		// symmetric.
		if in, ok := pk.quoted(b); ok && f.timeout(in.proto) > 0 && f.states.lookup(&in, now, 0) {
			f.errorHits.Add(1)
			f.stateHits.Add(1)
			f.passed.Add(1)
			return Pass
		}
	}
	name := ""
	if ifc != nil {
		name = ifc.Name()
	}
	var decisive *Rule
	for _, r := range f.rules.Load().rules {
		if r.match(&pk, dir, name) {
			decisive = r
			if r.Quick {
				break
			}
		}
	}
	if decisive == nil {
		f.passed.Add(1)
		return Pass
	}
	decisive.packets.Add(1)
	decisive.bytes.Add(uint64(n))
	if decisive.Action == Block {
		f.blocked.Add(1)
		return Block
	}
	f.passed.Add(1)
	if first {
		f.frags.note(fragKeyOf(dir, b), pk.src, pk.dst, now)
	}
	if decisive.KeepState && pk.l4 && timeout > 0 && (!pk.icmp() || pk.echoRequest()) {
		if f.states.insert(&pk, decisive, now, timeout) {
			decisive.states.Add(1)
			f.statesMade.Add(1)
			if !pk.v6 && f.nat.live.Load() > 0 {
				if o, ok := f.nat.origin(&pk); ok {
					// The connection before translation: its replies are
					// translated back before they are filtered.
					alt := pk
					alt.src, alt.dst, alt.sport, alt.dport = o.src, o.dst, o.sport, o.dport
					if !f.states.insert(&alt, decisive, now, timeout) {
						f.statesRefused.Add(1)
					}
				}
			}
		} else {
			f.statesRefused.Add(1)
		}
	}
	return Pass
}

func (f *Filter) timeout(p wire.IPProtocol) int64 {
	switch p {
	case wire.IPProtocolTCP:
		return int64(f.o.TCPTimeout)
	case wire.IPProtocolUDP:
		return int64(f.o.UDPTimeout)
	case wire.IPProtocolICMP, wire.IPProtocolICMPv6:
		return int64(f.o.ICMPTimeout)
	}
	return 0
}
