package ipv6

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// MLDv2 (RFC 3810): the node reports the groups it joins so that
// snooping switches and multicast routers deliver them (the solicited-node
// groups neighbour discovery needs). Reports go to ff02::16 with hop limit
// 1 and a Router Alert option (§5.2.13, RFC 2711), from the link-local
// address, or from the unspecified address while that is tentative.
// Joining or leaving sends a state-change report (CHANGE_TO_EXCLUDE or
// CHANGE_TO_INCLUDE with no sources, §6.1), and, "to cover the
// possibility of the State Change Report being missed", [Robustness
// Variable] - 1 more copies, each after a random interval in (0,
// [Unsolicited Report Interval]) (§6.1; §9.1, §9.11 defaults: 2 and 1 s):
// a wireless station's first report after an association can meet an
// access point that has not installed our key yet. A newer change of a
// group replaces what was pending for it and starts its count again (§6.1:
// the newest state is what gets retransmitted). A query is answered with
// the current state of the groups it asks about (MODE_IS_EXCLUDE, §6.2) at
// once rather than after a random delay, without retransmission. All-nodes
// is never reported (§6).
const (
	mldRecIsExclude = 2
	mldRecToInclude = 3
	mldRecToExclude = 4
	mldRecordLen    = 20

	mldRobustness          = 2           // [Robustness Variable] (RFC 3810 §9.1)
	mldUnsolicitedInterval = time.Second // [Unsolicited Report Interval] (§9.11)
)

// mldKey is one group on one interface.
type mldKey struct {
	ifindex int
	group   [16]byte
}

// mldRetx is a state-change record still to be sent again.
type mldRetx struct {
	typ  uint8
	left int // retransmissions to go
	due  time.Time
}

// mldRetransmits holds the pending retransmissions (under its own lock:
// mldChange runs after ip.mu is released).
type mldRetransmits struct {
	mu sync.Mutex
	m  map[mldKey]*mldRetx
}

// mldChange sends a state-change report with a record of kind typ for each
// group and schedules its retransmissions.
func (ip *IPv6) mldChange(ifc *stack.Interface, typ uint8, groups [][16]byte) {
	groups = slices.DeleteFunc(slices.Clone(groups), func(g [16]byte) bool { return !reportable(g) })
	if len(groups) == 0 || ifc.Flags()&stack.FlagLoopback != 0 {
		return
	}
	ip.mldSend(ifc, typ, groups)
	if mldRobustness < 2 {
		return
	}
	due := ip.o.Clock.Now().Add(mldInterval())
	q := &ip.mldq
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.m == nil {
		q.m = map[mldKey]*mldRetx{}
	}
	for _, g := range groups {
		q.m[mldKey{ifc.Index(), g}] = &mldRetx{typ: typ, left: mldRobustness - 1, due: due}
	}
}

// mldInterval is a random retransmission interval in (0, [Unsolicited
// Report Interval]].
func mldInterval() time.Duration { return 1 + rand.N(mldUnsolicitedInterval) }

// mldTick sends the retransmissions that are due, one report per
// interface and record kind.
func (ip *IPv6) mldTick(now time.Time) {
	type batch struct {
		ifindex int
		typ     uint8
	}
	var due map[batch][][16]byte
	q := &ip.mldq
	q.mu.Lock()
	for k, r := range q.m {
		if now.Before(r.due) {
			continue
		}
		if due == nil {
			due = map[batch][][16]byte{}
		}
		b := batch{k.ifindex, r.typ}
		due[b] = append(due[b], k.group)
		if r.left--; r.left <= 0 {
			delete(q.m, k)
		} else {
			r.due = now.Add(mldInterval())
		}
	}
	q.mu.Unlock()
	for b, groups := range due {
		if st := ip.ifState(b.ifindex); st != nil {
			slices.SortFunc(groups, func(x, y [16]byte) int { return bytes.Compare(x[:], y[:]) })
			ip.mldSend(st.ifc, b.typ, groups)
		}
	}
}

// mldForget drops the pending retransmissions of interface i (removed).
func (ip *IPv6) mldForget(i int) {
	q := &ip.mldq
	q.mu.Lock()
	defer q.mu.Unlock()
	for k := range q.m {
		if k.ifindex == i {
			delete(q.m, k)
		}
	}
}

var mldv2Routers = [16]byte{0: 0xff, 1: 0x02, 15: 0x16}

// reportable reports whether group g is announced by MLD.
func reportable(g [16]byte) bool {
	return g != allNodes && g[1]&0x0f > 1 // not all-nodes, not interface- or reserved-scope
}

// mldSend sends one report with a record of kind typ for each group.
func (ip *IPv6) mldSend(ifc *stack.Interface, typ uint8, groups [][16]byte) {
	groups = slices.DeleteFunc(slices.Clone(groups), func(g [16]byte) bool { return !reportable(g) })
	if len(groups) == 0 || ifc.Flags()&stack.FlagLoopback != 0 {
		return
	}
	var src [16]byte
	if st := ip.ifState(ifc.Index()); st != nil {
		for _, p := range st.addresses() {
			if a := p.Addr(); a.IsLinkLocalUnicast() {
				src = a.As16()
				break
			}
		}
	}
	for len(groups) > 0 {
		n := min(len(groups), (MinMTU-wire.IPv6HeaderLen-8-8)/mldRecordLen)
		ip.mldPacket(ifc, src, typ, groups[:n])
		groups = groups[n:]
	}
}

func (ip *IPv6) mldPacket(ifc *stack.Interface, src [16]byte, typ uint8, groups [][16]byte) {
	b, err := ip.pool.Get()
	if err != nil {
		ip.st.outNoBuffers.Add(1)
		return
	}
	n := 8 + len(groups)*mldRecordLen
	m, _ := b.Append(n)
	clear(m)
	m[0] = uint8(wire.ICMPv6MLDv2Report)
	binary.BigEndian.PutUint16(m[6:8], uint16(len(groups)))
	for i, g := range groups {
		r := m[8+i*mldRecordLen:]
		r[0] = typ
		copy(r[4:20], g[:])
	}
	wire.ICMPv6(m).SetChecksum(checksum(b, src, mldv2Routers))
	// Hop-by-hop options: Router Alert, value 0 (MLD), then PadN.
	h, err := b.Push(wire.IPv6HeaderLen + 8)
	if err != nil {
		b.Free()
		return
	}
	hbh := h[wire.IPv6HeaderLen:]
	copy(hbh, []byte{uint8(wire.IPProtocolICMPv6), 0, 5, 2, 0, 0, 1, 0})
	f := wire.IPv6Fields{PayloadLen: uint16(8 + n), NextHeader: wire.IPv6HopByHop, HopLimit: 1, Src: src, Dst: mldv2Routers}
	_, _ = f.Encode(h)
	ip.st.outRequests.Add(1)
	ip.st.icmpOutMsgs.Add(1)
	ip.st.mldOutReports.Add(1)
	ifc.Output(b, wire.MulticastMAC6(mldv2Routers), wire.EtherTypeIPv6)
}

// mldQuery answers a query (RFC 3810 §5.1): a general one (multicast
// address ::) with every reportable group, a specific one with its group
// when joined.
func (ip *IPv6) mldQuery(ifc *stack.Interface, msg wire.ICMPv6) {
	if len(msg) < 24 {
		ip.st.ndInvalid.Add(1)
		return
	}
	st := ip.ifState(ifc.Index())
	if st == nil || st.groups.Load() == nil {
		return
	}
	q := [16]byte(msg[8:24])
	var groups [][16]byte
	for _, g := range *st.groups.Load() {
		if q == ([16]byte{}) || q == g {
			groups = append(groups, g)
		}
	}
	ip.mldSend(ifc, mldRecIsExclude, groups)
}
