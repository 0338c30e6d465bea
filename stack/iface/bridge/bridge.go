package bridge

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// memberTable is an immutable snapshot of the members by slot.
type memberTable struct {
	slot [MaxMembers]*Member
	list []*Member // the non-nil slots, in slot order
}

// Bridge is a learning bridge (IEEE 802.1D clause 7 relay, clause 8 STP
// optional) and
// the device behind its interface: frames the bridge interface sends
// (TxBurst) are relayed like frames from one more port, and frames for the
// bridge's MAC, broadcast and multicast go up through the bridge interface.
type Bridge struct {
	name  string
	mac   [6]byte
	o     Options
	mtu   atomic.Int32
	self  atomic.Pointer[stack.Interface]
	fdb   *fdb
	start time.Time // the bridge clock: ns since start, monotonic

	mu      sync.Mutex // serialises membership changes
	members atomic.Pointer[memberTable]
	closed  atomic.Bool
	events  chan port.LinkState

	// Local output (TxBurst): serialised by the bridge interface's
	// transmit lock, so one staging area suffices.
	out relay

	stp atomic.Pointer[stp] // nil without spanning tree; set once (Options.STP or EnableSTP)

	localIn, localOut, localDrops, cloneFails atomic.Uint64
}

func newBridge(name string, mac [6]byte, o Options) *Bridge {
	br := &Bridge{name: name, mac: mac, o: o, fdb: newFDB(o.MaxAddresses, int64(o.AgeingTime)),
		start: time.Now(), events: make(chan port.LinkState, 1)}
	br.mtu.Store(int32(o.MTU))
	br.members.Store(&memberTable{})
	br.out.init()
	if o.STP != nil {
		br.stp.Store(newSTP(br, *o.STP))
	}
	return br
}

func (br *Bridge) now() int64 { return int64(time.Since(br.start)) }

// Name is the bridge interface's name.
func (br *Bridge) Name() string { return br.name }

// Member is one port of a bridge: an interface whose received frames the
// bridge relays.
type Member struct {
	br   *Bridge
	ifc  *stack.Interface
	slot int
	// inMu is held by each receive burst of the member inside the bridge
	// (normally one goroutine's, but Input may be called from others):
	// it guards the staging, and removal waits on it.
	inMu sync.Mutex
	in   relay // staging for this member's receive bursts
	// Flood limit (token bucket, IEEE 802.1D has none; this stands in for
	// STP against loops), under inMu.
	tokens, lastFill, lastLog int64

	floodLimited atomic.Uint64

	rxPackets, rxBytes, forwarded, flooded, local, filtered, dropped atomic.Uint64
	txPackets, txBytes, blocked                                      atomic.Uint64

	state atomic.Uint32 // PortState: Forwarding without STP
}

// State is the member's spanning tree state (Forwarding without STP).
func (m *Member) State() PortState { return PortState(m.state.Load()) }

// forwarding reports whether frames may leave by m.
func (m *Member) forwarding() bool { return m.state.Load() == uint32(Forwarding) }

// MemberStats are one member's counters.
type MemberStats struct {
	RxPackets uint64 // frames received on the member
	RxBytes   uint64
	Forwarded uint64 // received frames sent to one known port
	Flooded   uint64 // received frames sent to every other port (broadcast, multicast, unknown unicast)
	Local     uint64 // received frames handed up through the bridge interface
	Filtered  uint64 // received frames for a station on the same port (IEEE 802.1D 7.7.1), discarded
	Dropped   uint64 // malformed, multicast source, reserved group address (802.1D 7.12.6), or hook drop
	TxPackets uint64 // frames the bridge sent out of the member (relayed and local)
	TxBytes   uint64
	// FloodLimited counts received frames not flooded because the member
	// exceeded Options.FloodRate (also in Dropped).
	FloodLimited uint64
	// Blocked counts received frames discarded because spanning tree has
	// the member in a state that does not forward (also in Dropped).
	Blocked uint64
}

// Interface is the member interface.
func (m *Member) Interface() *stack.Interface { return m.ifc }

// Stats returns the member's counters.
func (m *Member) Stats() MemberStats {
	return MemberStats{RxPackets: m.rxPackets.Load(), RxBytes: m.rxBytes.Load(), Forwarded: m.forwarded.Load(),
		Flooded: m.flooded.Load(), Local: m.local.Load(), Filtered: m.filtered.Load(), Dropped: m.dropped.Load(),
		TxPackets: m.txPackets.Load(), TxBytes: m.txBytes.Load(), FloodLimited: m.floodLimited.Load(), Blocked: m.blocked.Load()}
}

// AddMember makes ifc a port of the bridge: from its next receive burst
// on, its frames are relayed (it stops being an ordinary interface of the
// stack: its addresses are not served; put addresses on the bridge). A port
// with receive filters is put in promiscuous mode.
func (br *Bridge) AddMember(ifc *stack.Interface) (*Member, error) {
	br.mu.Lock()
	defer br.mu.Unlock()
	if br.closed.Load() {
		return nil, &stack.OpError{Op: "bridge add member", Interface: ifc.Name(), Err: ErrClosed}
	}
	self := br.self.Load()
	if self == nil || ifc == self || ifc.Stack() != self.Stack() {
		return nil, &stack.OpError{Op: "bridge add member", Interface: ifc.Name(), Err: ErrSelf, Fix: "get the bridge with bridge.Of(its interface) and add interfaces of the same stack"}
	}
	cur := br.members.Load()
	slot := -1
	for i, m := range cur.slot {
		if m != nil && m.ifc == ifc {
			return nil, &stack.OpError{Op: "bridge add member", Interface: ifc.Name(), Err: ErrMember}
		}
		if m == nil && slot < 0 {
			slot = i
		}
	}
	if slot < 0 {
		return nil, &stack.OpError{Op: "bridge add member", Interface: ifc.Name(), Err: ErrFull}
	}
	m := &Member{br: br, ifc: ifc, slot: slot}
	m.in.init()
	m.state.Store(uint32(Forwarding))
	if s := br.stp.Load(); s != nil {
		m.state.Store(uint32(Disabled)) // the spanning tree's next tick takes it from here
		s.reset(slot)
	}
	next := *cur
	next.slot[slot] = m
	next.list = nil
	for _, x := range next.slot {
		if x != nil {
			next.list = append(next.list, x)
		}
	}
	br.members.Store(&next)
	if err := ifc.SetLinkInput(m); err != nil {
		br.members.Store(cur)
		return nil, &stack.OpError{Op: "bridge add member", Interface: ifc.Name(), Err: err}
	}
	if f, ok := ifc.Port().(port.Filter); ok {
		_ = f.SetPromisc(true)
	}
	return m, nil
}

// RemoveMember takes ifc out of the bridge: its frames go to the stack
// again, and the addresses learned on it are forgotten. When it returns no
// receive burst of ifc is inside the bridge. It must not be called from a
// handler running on ifc's receive goroutine.
func (br *Bridge) RemoveMember(ifc *stack.Interface) error {
	br.mu.Lock()
	defer br.mu.Unlock()
	return br.removeLocked(ifc)
}

func (br *Bridge) removeLocked(ifc *stack.Interface) error {
	cur := br.members.Load()
	var m *Member
	for _, x := range cur.list {
		if x.ifc == ifc {
			m = x
		}
	}
	if m == nil {
		return &stack.OpError{Op: "bridge remove member", Interface: ifc.Name(), Err: ErrNotMember}
	}
	ifc.ClearLinkInput(m)
	next := *cur
	next.slot[m.slot] = nil
	next.list = nil
	for _, x := range next.slot {
		if x != nil {
			next.list = append(next.list, x)
		}
	}
	br.members.Store(&next)
	m.inMu.Lock() // wait out the burst that may still be inside
	//lint:ignore SA2001 an empty critical section is the point: later bursts see the new table
	m.inMu.Unlock()
	br.fdb.forget(m.slot)
	if s := br.stp.Load(); s != nil {
		s.reset(m.slot)
	}
	if f, ok := ifc.Port().(port.Filter); ok {
		_ = f.SetPromisc(false)
	}
	return nil
}

// Members returns the members in slot order.
func (br *Bridge) Members() []*Member { return br.members.Load().list }

// FDB returns the learned addresses that have not aged out.
func (br *Bridge) FDB() []Entry {
	t := br.members.Load()
	var out []Entry
	br.fdb.each(br.now(), func(mac wire.MAC, slot int, age int64) {
		name := ""
		if slot >= 0 && slot < MaxMembers && t.slot[slot] != nil {
			name = t.slot[slot].ifc.Name()
		}
		out = append(out, Entry{MAC: mac, Member: name, Age: age})
	})
	return out
}

// SetAgeingTime changes how long a learned address stays without being
// seen again (IEEE 802.1D-1998 clause 14.4.1.2, Set Bridge Ageing Time:
// 10 s to 1 000 000 s there; any positive duration here, for tests). It
// applies to the entries already learned too.
func (br *Bridge) SetAgeingTime(d time.Duration) error {
	if d <= 0 {
		return &stack.OpError{Op: "bridge ageing", Interface: br.name, Err: ErrAgeing, Fix: "give a positive duration"}
	}
	br.fdb.ageing.Store(int64(d))
	return nil
}

// EnableSTP turns spanning tree on (stp.go) for a bridge made without it:
// only while it has no members, so that every member starts Disabled and
// takes its states from the tree (ErrSTP otherwise, or when it is on).
func (br *Bridge) EnableSTP(o STPOptions) error {
	br.mu.Lock()
	defer br.mu.Unlock()
	switch {
	case br.closed.Load():
		return &stack.OpError{Op: "bridge stp", Interface: br.name, Err: ErrClosed}
	case br.stp.Load() != nil:
		return &stack.OpError{Op: "bridge stp", Interface: br.name, Err: ErrSTP, Fix: "spanning tree is on already"}
	case len(br.members.Load().list) > 0:
		return &stack.OpError{Op: "bridge stp", Interface: br.name, Err: ErrSTP, Fix: "turn it on before adding members"}
	}
	br.stp.Store(newSTP(br, o))
	return nil
}

// AgeingTime is the current ageing time.
func (br *Bridge) AgeingTime() time.Duration { return time.Duration(br.fdb.ageing.Load()) }

// Stats are the bridge-wide counters.
type Stats struct {
	LocalIn    uint64 // frames handed up through the bridge interface
	LocalOut   uint64 // frames the bridge interface sent
	LocalDrops uint64 // frames for the bridge before it had its interface, or malformed local output
	CloneFails uint64 // flood copies not made: no clone header left in the pool
	Learned    uint64 // addresses entered in the filtering database
	Moved      uint64 // addresses seen on another port than before
	Evicted    uint64 // entries replaced while still fresh (a full table window)
}

// Counters returns the bridge's counters.
func (br *Bridge) Counters() Stats {
	return Stats{LocalIn: br.localIn.Load(), LocalOut: br.localOut.Load(), LocalDrops: br.localDrops.Load(),
		CloneFails: br.cloneFails.Load(), Learned: br.fdb.learned.Load(), Moved: br.fdb.moved.Load(), Evicted: br.fdb.evicted.Load()}
}

// RxBurst implements port.Port: frames reach the bridge interface from
// the members' receive bursts, never here.
func (br *Bridge) RxBurst([]*mbuf.Buf) int { return 0 }

// MAC implements port.Port.
func (br *Bridge) MAC() [6]byte { return br.mac }

// MTU implements port.Port.
func (br *Bridge) MTU() int { return int(br.mtu.Load()) }

// SetMTU implements port.Port.
func (br *Bridge) SetMTU(mtu int) error {
	if mtu < 68 || mtu > mbuf.DataRoom-14 {
		return port.ErrMTU
	}
	br.mtu.Store(int32(mtu))
	return nil
}

// Offloads implements port.Port: none.
func (br *Bridge) Offloads() port.Offloads { return 0 }

// Link implements port.Port: up until the bridge is destroyed.
func (br *Bridge) Link() port.LinkState {
	return port.LinkState{Up: !br.closed.Load(), SpeedMbps: 10000, FullDuplex: true}
}

// LinkEvents implements port.Port.
func (br *Bridge) LinkEvents() <-chan port.LinkState { return br.events }

// Stats implements port.Port: frames up (RX) and out (TX) through the
// bridge interface.
func (br *Bridge) Stats() port.Stats {
	return port.Stats{RxPackets: br.localIn.Load(), TxPackets: br.localOut.Load(), TxDropped: br.localDrops.Load()}
}

// Close removes every member (stack.Destroy calls it after detaching the
// bridge interface); when it returns no member burst is inside the bridge.
func (br *Bridge) Close() error {
	br.mu.Lock()
	defer br.mu.Unlock()
	if br.closed.Swap(true) {
		return nil
	}
	if s := br.stp.Load(); s != nil {
		s.close()
	}
	for _, m := range br.members.Load().list {
		_ = br.removeLocked(m.ifc)
	}
	br.fdb.forget(-1)
	br.events <- port.LinkState{}
	close(br.events)
	return nil
}
