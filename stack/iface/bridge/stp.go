package bridge

import (
	"sync"
	"time"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
)

// The Spanning Tree Protocol of IEEE 802.1D-1998 clause 8, compact: each
// bridge keeps, per port, the best configuration message heard there
// (the priority vector root, root path cost, designated bridge,
// designated port, 8.5.5), ages it out after Max Age, and recomputes from
// all ports at once: root selection (8.6.8), designated ports (8.6.9),
// and the states (8.4): root and designated ports go Listening, Learning
// and Forwarding one Forward Delay apart, the others block at once. Every
// Hello Time the bridge sends its configuration on its designated ports
// (the root's timing is not relayed hop by hop: each bridge sends on its
// own Hello, with the root's message age plus one second). A topology
// change (a port forwarding, or a forwarding port lost) is signalled to
// the root with TCN BPDUs on the root port until acknowledged; the root
// sets the TC flag in its configurations for Max Age + Forward Delay, and
// each bridge hearing TC, or detecting the change itself, flushes its
// filtering database (where 802.1D-1998 8.5.3.13 shortens the ageing
// time to Forward Delay).

// PortState is a member's spanning tree state (8.4).
type PortState uint32

// Port states; without STP every member is Forwarding.
const (
	Disabled PortState = iota
	Blocking
	Listening
	Learning
	Forwarding
)

func (s PortState) String() string {
	return [...]string{"disabled", "blocking", "listening", "learning", "forwarding"}[s]
}

// STPOptions configure spanning tree (Options.STP); zero values pick the
// 802.1D-1998 table 8-3 defaults in parentheses.
type STPOptions struct {
	Priority     uint16        // bridge priority (32768)
	HelloTime    time.Duration // (2 s)
	MaxAge       time.Duration // (20 s)
	ForwardDelay time.Duration // (15 s)
	PathCost     uint32        // of every member (19, table 8-5's 100 Mb/s)
}

// portInfo is the configuration message a port last heard.
type portInfo struct {
	valid  bool
	root   BridgeID
	cost   uint32
	bridge BridgeID
	port   uint16
	age    int64 // the message age when heard, ns
	heard  int64 // when, on the bridge clock
	tc     bool
}

// stpPort is a member's spanning tree data, under stp.mu (state is also
// atomic in the Member, for the data path).
type stpPort struct {
	id      uint16
	role    uint8 // roleRoot, roleDesignated, roleBlocked
	info    portInfo
	fdTimer int64 // when the current Listening/Learning period ends; 0 none
	up      bool
}

const (
	roleBlocked uint8 = iota
	roleRoot
	roleDesignated
)

// stp is a bridge's spanning tree.
type stp struct {
	br        *Bridge
	o         STPOptions
	id        BridgeID
	mu        sync.Mutex
	root      BridgeID
	cost      uint32
	rootPort  int // member slot, -1 when we are the root
	rootAge   int64
	ports     [MaxMembers]stpPort
	tcUntil   int64 // root: send TC until then
	tcnUntil  int64 // non-root: send TCN on the root port until acknowledged or then
	tcAck     [MaxMembers]bool
	lastHello int64
	stop      chan struct{}
	done      chan struct{}

	changes, bpdusIn, bpdusOut, bad uint64
}

func newSTP(br *Bridge, o STPOptions) *stp {
	if o.Priority == 0 {
		o.Priority = 32768
	}
	if o.HelloTime <= 0 {
		o.HelloTime = 2 * time.Second
	}
	if o.MaxAge <= 0 {
		o.MaxAge = 20 * time.Second
	}
	if o.ForwardDelay <= 0 {
		o.ForwardDelay = 15 * time.Second
	}
	if o.PathCost == 0 {
		o.PathCost = 19
	}
	var id BridgeID
	for _, b := range br.mac {
		id = id<<8 | BridgeID(b)
	}
	id |= BridgeID(o.Priority) << 48
	s := &stp{br: br, o: o, id: id, root: id, rootPort: -1, stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

// reset forgets slot's port (a member added or removed there): the next
// tick sees it anew.
func (s *stp) reset(slot int) {
	s.mu.Lock()
	s.ports[slot] = stpPort{}
	s.tcAck[slot] = false
	s.mu.Unlock()
}

func (s *stp) close() {
	close(s.stop)
	<-s.done
}

// run is the timer: every tenth of the hello time it checks the members'
// links, ages information, moves the forward delay states and sends
// hellos.
func (s *stp) run() {
	defer close(s.done)
	t := time.NewTicker(s.o.HelloTime / 10)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.tick()
		}
	}
}

func secs256(d time.Duration) uint16 { return uint16(d * 256 / time.Second) }

func (s *stp) tick() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.br.now()
	members := s.br.members.Load()
	dirty := false
	for slot := range MaxMembers {
		m := members.slot[slot]
		p := &s.ports[slot]
		up := m != nil && m.ifc.Flags()&stack.FlagUp != 0 && m.ifc.Link().Up
		if up != p.up {
			if !up && m != nil && m.State() == Forwarding {
				s.topologyChange(now)
			}
			*p = stpPort{id: uint16(0x80)<<8 | uint16(slot+1), up: up}
			if m != nil {
				m.state.Store(uint32(Disabled))
				if up {
					m.state.Store(uint32(Blocking))
				}
			}
			dirty = true
		}
		if p.info.valid && now-p.info.heard+p.info.age >= int64(s.o.MaxAge) {
			p.info = portInfo{} // 8.6.11: message age timer expiry
			dirty = true
		}
	}
	if dirty {
		s.recompute(now)
	}
	for slot := range MaxMembers {
		m, p := members.slot[slot], &s.ports[slot]
		if m == nil || p.fdTimer == 0 || now < p.fdTimer {
			continue
		}
		switch m.State() {
		case Listening:
			m.state.Store(uint32(Learning))
			p.fdTimer = now + int64(s.o.ForwardDelay)
		case Learning:
			m.state.Store(uint32(Forwarding))
			p.fdTimer = 0
			s.topologyChange(now) // 8.6.12.1: a port went forwarding
		}
	}
	if now-s.lastHello >= int64(s.o.HelloTime) {
		s.lastHello = now
		s.hello(now, members)
	}
}

// better reports whether vector a is better (lower) than b (8.6.2.2).
func better(ar BridgeID, ac uint32, ab BridgeID, ap uint16, br BridgeID, bc uint32, bb BridgeID, bp uint16) bool {
	if ar != br {
		return ar < br
	}
	if ac != bc {
		return ac < bc
	}
	if ab != bb {
		return ab < bb
	}
	return ap < bp
}

// recompute is 8.6.8 and 8.6.9: the root, the root port and the
// designated ports from what the ports heard, then the states.
func (s *stp) recompute(now int64) {
	members := s.br.members.Load()
	oldRootPort := s.rootPort
	s.root, s.cost, s.rootPort, s.rootAge = s.id, 0, -1, 0
	for slot := range MaxMembers {
		p := &s.ports[slot]
		if !p.up || !p.info.valid || p.info.bridge == s.id {
			continue
		}
		c := p.info.cost + s.o.PathCost
		if p.info.root >= s.id {
			continue
		}
		if s.rootPort < 0 || better(p.info.root, c, p.info.bridge, p.info.port, s.root, s.cost, s.ports[s.rootPort].info.bridge, s.ports[s.rootPort].info.port) ||
			(p.info.root == s.root && c == s.cost && p.info.bridge == s.ports[s.rootPort].info.bridge && p.info.port == s.ports[s.rootPort].info.port && p.id < s.ports[s.rootPort].id) {
			s.root, s.cost, s.rootPort, s.rootAge = p.info.root, c, slot, p.info.age+(now-p.info.heard)
		}
	}
	if s.rootPort != oldRootPort && s.rootPort < 0 && oldRootPort >= 0 {
		s.tcnUntil = 0
	}
	for slot := range MaxMembers {
		m, p := members.slot[slot], &s.ports[slot]
		if m == nil || !p.up {
			continue
		}
		role := roleBlocked
		switch {
		case slot == s.rootPort:
			role = roleRoot
		case !p.info.valid || better(s.root, s.cost, s.id, p.id, p.info.root, p.info.cost, p.info.bridge, p.info.port):
			role = roleDesignated
		}
		p.role = role
		st := m.State()
		if role == roleBlocked {
			if st != Blocking {
				if st == Forwarding {
					s.topologyChange(now)
				}
				m.state.Store(uint32(Blocking))
				p.fdTimer = 0
				s.changes++
			}
			continue
		}
		if st == Blocking {
			m.state.Store(uint32(Listening)) // 8.6.12: make forwarding, one Forward Delay at a time
			p.fdTimer = now + int64(s.o.ForwardDelay)
			s.changes++
		}
	}
}

// topologyChange is 8.6.14: flush the filtering database here and tell
// the root (TCN) or, as the root, everyone (TC).
func (s *stp) topologyChange(now int64) {
	s.br.fdb.forget(-1)
	if s.rootPort < 0 {
		s.tcUntil = now + int64(s.o.MaxAge+s.o.ForwardDelay)
	} else {
		s.tcnUntil = now + int64(s.o.MaxAge)
	}
}

// hello sends a configuration BPDU on each designated port (8.6.3), and a
// TCN on the root port while a change is unacknowledged (8.6.6).
func (s *stp) hello(now int64, members *memberTable) {
	age := time.Duration(0)
	if s.rootPort >= 0 {
		age = time.Duration(s.rootAge) + time.Second
		if age >= s.o.MaxAge {
			return
		}
	}
	for slot := range MaxMembers {
		m, p := members.slot[slot], &s.ports[slot]
		if m == nil || !p.up {
			continue
		}
		switch {
		case p.role == roleDesignated:
			b := bpdu{typ: bpduConfig, root: s.root, cost: s.cost, bridge: s.id, port: p.id,
				age: secs256(age), maxAge: secs256(s.o.MaxAge), hello: secs256(s.o.HelloTime), fwdDelay: secs256(s.o.ForwardDelay)}
			if now < s.tcUntil {
				b.flags |= flagTC
			}
			if s.tcAck[slot] {
				b.flags |= flagTCA
				s.tcAck[slot] = false
			}
			s.send(m, &b)
		case p.role == roleRoot && now < s.tcnUntil:
			s.send(m, &bpdu{typ: bpduTCN})
		}
	}
}

func (s *stp) send(m *Member, b *bpdu) {
	buf, err := m.ifc.Stack().Pool().Get()
	if err != nil {
		return
	}
	f, err := buf.Append(bpduFrameMin)
	if err != nil {
		buf.Free()
		return
	}
	b.encode(f, m.ifc.MAC())
	s.bpdusOut++
	m.txPackets.Add(1)
	m.txBytes.Add(bpduFrameMin)
	m.ifc.Transmit(buf)
}

// receive handles a BPDU frame from member m (8.6.2, 8.6.6 on a
// designated port, 8.6.7 on the root port). It does not keep the frame.
func (s *stp) receive(m *Member, b *mbuf.Buf) {
	d, err := parseBPDU(b.Bytes())
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.bad++
		return
	}
	s.bpdusIn++
	p := &s.ports[m.slot]
	if !p.up {
		return
	}
	now := s.br.now()
	if d.typ == bpduTCN {
		if p.role == roleDesignated { // 8.6.6: acknowledge, pass it on towards the root
			s.tcAck[m.slot] = true
			s.topologyChange(now)
		}
		return
	}
	in := portInfo{valid: true, root: d.root, cost: d.cost, bridge: d.bridge, port: d.port,
		age: int64(d.age) * int64(time.Second) / 256, heard: now, tc: d.flags&flagTC != 0}
	// 8.6.2.2: supersedes what the port has if better, or if it comes from
	// the same designated bridge and port (news from the same sender).
	if !p.info.valid || better(in.root, in.cost, in.bridge, in.port, p.info.root, p.info.cost, p.info.bridge, p.info.port) ||
		(in.bridge == p.info.bridge && in.port == p.info.port) {
		p.info = in
		s.recompute(now)
	}
	if m.slot == s.rootPort {
		if d.flags&flagTCA != 0 {
			s.tcnUntil = 0
		}
		if in.tc {
			s.br.fdb.forget(-1)
		}
	}
}

// STPPort is a member's spanning tree view.
type STPPort struct {
	Member string
	State  PortState
	Role   string // root, designated or blocked (alternate/backup)
}

// STPStatus is the bridge's spanning tree view.
type STPStatus struct {
	Enabled  bool
	Bridge   BridgeID
	Root     BridgeID
	RootCost uint32
	RootPort string // "" when this bridge is the root
	Ports    []STPPort
	Changes  uint64 // port state changes to blocking or listening
	BPDUsIn  uint64
	BPDUsOut uint64
	BadBPDUs uint64 // malformed or unknown frames to the bridge group address
}

// STP returns the spanning tree status (Enabled false without STP).
func (br *Bridge) STP() STPStatus {
	s := br.stp.Load()
	if s == nil {
		return STPStatus{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := STPStatus{Enabled: true, Bridge: s.id, Root: s.root, RootCost: s.cost, Changes: s.changes, BPDUsIn: s.bpdusIn, BPDUsOut: s.bpdusOut, BadBPDUs: s.bad}
	for _, m := range br.members.Load().list {
		role := [...]string{"blocked", "root", "designated"}[s.ports[m.slot].role]
		if m.slot == s.rootPort {
			st.RootPort = m.ifc.Name()
		}
		st.Ports = append(st.Ports, STPPort{Member: m.ifc.Name(), State: m.State(), Role: role})
	}
	return st
}
