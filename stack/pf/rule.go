package pf

import (
	"net/netip"
	"sync/atomic"

	"github.com/gopkt/gopkt/stack/wire"
)

// Action is what a rule does with the packets it decides.
type Action uint8

// Actions.
const (
	Pass Action = iota
	Block
)

func (a Action) String() string {
	if a == Block {
		return "block"
	}
	return "pass"
}

// Dir is the direction a rule applies to.
type Dir uint8

// Directions: forwarded packets are "in" on the interface they arrived on
// and "out" on the one they leave by, as in pf.
const (
	Both Dir = iota
	In
	Out
)

// Family is the address family a rule applies to (pf's inet, inet6).
type Family uint8

// Families: a rule with neither applies to both, unless an address or
// the protocol (icmp, icmp6) names one.
const (
	AnyFamily Family = 0
	Inet      Family = 4
	Inet6     Family = 6
)

func (f Family) String() string {
	switch f {
	case Inet:
		return "inet"
	case Inet6:
		return "inet6"
	}
	return "any"
}

// Addr is a rule's address match: any, or a prefix, possibly negated. A
// prefix never matches an address of the other family, negated or not.
type Addr struct {
	Any    bool
	Prefix netip.Prefix
	Not    bool
}

func (a *Addr) match(x netip.Addr) bool {
	if a.Any {
		return true
	}
	if a.Prefix.Addr().Is4() != x.Is4() {
		return false
	}
	return a.Prefix.Contains(x) != a.Not
}

// PortOp compares a port with a rule's port operands.
type PortOp uint8

// Port operators (pf.conf "port" forms).
const (
	PortAny   PortOp = iota // no port clause
	PortEq                  // port N, port = N
	PortNe                  // port != N
	PortLt                  // port < N
	PortGt                  // port > N
	PortRange               // port N:M (inclusive, pf's ":" form)
)

// Port is a rule's port match.
type Port struct {
	Op     PortOp
	Lo, Hi uint16
}

func (p *Port) match(x uint16) bool {
	switch p.Op {
	case PortEq:
		return x == p.Lo
	case PortNe:
		return x != p.Lo
	case PortLt:
		return x < p.Lo
	case PortGt:
		return x > p.Lo
	case PortRange:
		return x >= p.Lo && x <= p.Hi
	}
	return true
}

// Rule is one filter rule.
type Rule struct {
	Action Action
	Dir    Dir
	Quick  bool
	// Family is inet, inet6 or both (AnyFamily).
	Family Family
	// Interface is the interface name ("" any).
	Interface string
	// Proto is the IP protocol (0 any).
	Proto              wire.IPProtocol
	Src, Dst           Addr
	SrcPort, DstPort   Port
	ICMPType, ICMPCode int // -1: any
	// Flags/FlagsMask: of the TCP flags in FlagsMask, exactly Flags must be
	// set (pf's "flags S/SA"). FlagsMask 0: no flags clause.
	Flags, FlagsMask uint8
	// KeepState makes a passing packet create a state entry (pf's
	// default for pass rules; "no state" clears it).
	KeepState bool
	// Line is the rule's line in the rules text, Text the line itself.
	Line int
	Text string

	packets, bytes, states atomic.Uint64
}

// RuleStats are one rule's counters: packets it decided (the last
// matching or quick rule) and states it created.
type RuleStats struct {
	Line           int
	Text           string
	Packets, Bytes uint64
	States         uint64
}
