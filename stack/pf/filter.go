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

// Ruleset is an immutable, parsed rule list; Load swaps whole sets.
type Ruleset struct {
	rules []*Rule
}

// Filter is a pf-style packet filter on IPv4's hook points.
type Filter struct {
	s      *stack.Stack
	o      Options
	rules  atomic.Pointer[Ruleset]
	states *stateTable
	start  time.Time
	hook   pfil.Hook

	mu       sync.Mutex
	attached *ipv4.IPv4

	passed, blocked, stateHits, statesMade, statesRefused atomic.Uint64
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
	f := &Filter{s: s, o: o, states: newStateTable(o.MaxStates), start: time.Now()}
	f.rules.Store(&Ruleset{})
	f.hook = f.run
	return f
}

// Load parses text and replaces the rule set atomically: a packet is
// checked against the old set or the new one, never a mix. On a syntax
// error nothing changes. States stay.
func (f *Filter) Load(text string) error {
	rules, err := Parse(text)
	if err != nil {
		return err
	}
	f.rules.Store(&Ruleset{rules: rules})
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

// FlushStates drops every state.
func (f *Filter) FlushStates() { f.states.flush() }

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
	if f.Check(dir, ifindex, b.Bytes(), b.PktLen()) == Block {
		return pfil.Drop
	}
	return pfil.Pass
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
