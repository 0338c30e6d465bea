package pf

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/ipv4"
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
	start  time.Time
	hook   pfil.Hook

	mu       sync.Mutex
	attached *ipv4.IPv4

	passed, blocked, stateHits, statesMade, statesRefused atomic.Uint64
	translated, natMade, natRefused, natNotWritable       atomic.Uint64
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
	f := &Filter{s: s, o: o, states: newStateTable(o.MaxStates), nat: newNATTable(o.MaxStates), start: time.Now()}
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
}

// NATStats returns the translation counters.
func (f *Filter) NATStats() NATStats {
	return NATStats{Translated: f.translated.Load(), Made: f.natMade.Load(), Refused: f.natRefused.Load(),
		NotWritable: f.natNotWritable.Load(), Translations: int(f.nat.live.Load())}
}

// Stats are the filter's counters.
type Stats struct {
	Passed, Blocked uint64
	StateMatches    uint64 // packets passed by a state without the rules
	StatesMade      uint64
	StatesRefused   uint64 // states not made: the table was full of live ones
	States          int    // entries now
}

// Stats returns the counters.
func (f *Filter) Stats() Stats {
	return Stats{Passed: f.passed.Load(), Blocked: f.blocked.Load(), StateMatches: f.stateHits.Load(),
		StatesMade: f.statesMade.Load(), StatesRefused: f.statesRefused.Load(), States: f.states.count()}
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
	for _, h := range []*pfil.Head{ip.In, ip.Out, ip.Forward} {
		if err := h.Add("pf", f.o.Priority, f.hook); err != nil {
			return &OpError{Op: "attach", Err: err}
		}
	}
	f.attached = ip
	return nil
}

// Detach takes the filter off the hook points.
func (f *Filter) Detach() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if ip := f.attached; ip != nil {
		_ = ip.In.Remove("pf")
		_ = ip.Out.Remove("pf")
		_ = ip.Forward.Remove("pf")
		f.attached = nil
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
	natNone natResult = iota // not translated
	natDone                  // rewritten in place
	natDrop                  // a rule wanted a translation that could not be made
)

// translate rewrites b by its translation, or makes one when the first
// matching nat rule (out) or rdr rule (in) on the interface says so. Only
// TCP, UDP and ICMP echo with their transport header in the first
// segment are translated (later fragments are not).
func (f *Filter) translate(dir Dir, ifindex int, b *mbuf.Buf) natResult {
	ifc := f.s.Interface(ifindex)
	if ifc == nil || ifc.Flags()&stack.FlagLoopback != 0 {
		return natNone
	}
	pk, ok := parsePacket(b.Bytes())
	if !ok || !pk.l4 || (pk.proto == wire.IPProtocolICMP && pk.icmpType != 8 && pk.icmpType != 0) || !natHeader(b.Bytes(), pk.proto) {
		return natNone
	}
	timeout := f.timeout(pk.proto)
	if timeout == 0 {
		return natNone
	}
	now := int64(time.Since(f.start))
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
		} else {
			out.dst = addr
			if ports.Op == PortEq {
				out.dport = ports.Lo
			}
		}
		if to, ok = f.nat.add(k, out, ports, r, now, timeout); !ok {
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
	rewrite(b.Bytes(), &pk, to)
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
		f.passed.Add(1) // IPv4 validated what it hands us; not ours to judge
		return Pass
	}
	now := int64(time.Since(f.start))
	timeout := f.timeout(pk.proto)
	if pk.l4 && timeout > 0 && f.states.lookup(&pk, now, timeout) {
		f.stateHits.Add(1)
		f.passed.Add(1)
		return Pass
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
	if decisive.KeepState && pk.l4 && timeout > 0 && (pk.proto != wire.IPProtocolICMP || pk.icmpType == 8) {
		if f.states.insert(&pk, decisive, now, timeout) {
			decisive.states.Add(1)
			f.statesMade.Add(1)
			if f.nat.live.Load() > 0 {
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
	case wire.IPProtocolICMP:
		return int64(f.o.ICMPTimeout)
	}
	return 0
}
