package bridge

import (
	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// relay stages a burst's frames per egress member, so each member gets
// one TransmitBurst per burst (the fast path). A relay belongs to one
// goroutine: a member's receive goroutine, or whoever holds the bridge
// interface's transmit lock. Its slices grow to the largest burst once and
// are reused.
type relay struct {
	stage [MaxMembers][]*mbuf.Buf
	used  []int // slots with frames staged, in the order first used
}

func (r *relay) init() { r.used = make([]int, 0, MaxMembers) }

func (r *relay) put(slot int, b *mbuf.Buf) {
	if len(r.stage[slot]) == 0 {
		r.used = append(r.used, slot)
	}
	r.stage[slot] = append(r.stage[slot], b)
}

// flush sends what is staged, member by member: in one TransmitBurst
// (which still falls back to Transmit per frame when the egress interface
// has a hook or a tap), or per frame through Transmit when fast is off.
func (r *relay) flush(t *memberTable, fast bool) {
	for _, slot := range r.used {
		q := r.stage[slot]
		m := t.slot[slot]
		var bytes uint64
		for _, b := range q {
			bytes += uint64(b.PktLen())
		}
		m.txPackets.Add(uint64(len(q)))
		m.txBytes.Add(bytes)
		if fast {
			m.ifc.TransmitBurst(q)
		} else {
			for i, b := range q {
				q[i] = nil
				m.ifc.Transmit(b)
			}
		}
		r.stage[slot] = q[:0]
	}
	r.used = r.used[:0]
}

// reserved reports IEEE 802.1D clause 7.12.6's reserved group addresses
// 01-80-C2-00-00-00 to -0F (STP, pause, LACP, 802.1X ...), which a bridge
// never relays.
func reserved(m wire.MAC) bool {
	return m[0] == 0x01 && m[1] == 0x80 && m[2] == 0xc2 && m[3] == 0 && m[4] == 0 && m[5] <= 0x0f
}

// LinkInput implements stack.LinkInput for a member: the relay function of
// IEEE 802.1D clause 7.5 for one receive burst — learn each source
// (7.8), then forward to the port the destination was learned on (7.7),
// flood broadcast, multicast and unknown destinations to every other port
// by reference-counted clones, hand frames for the bridge's own address
// (and broadcast and multicast) up through the bridge interface, and
// discard frames for a station on the port they came from. Forwarded
// frames are staged per egress port and sent in one TransmitBurst each at
// the end of the burst.
func (m *Member) LinkInput(ifc *stack.Interface, bufs []*mbuf.Buf) {
	m.inMu.Lock()
	br := m.br
	t := br.members.Load()
	if t.slot[m.slot] != m { // removed meanwhile: the frames are the stack's again
		m.inMu.Unlock()
		for i, b := range bufs {
			bufs[i] = nil
			ifc.InputFrame(b)
		}
		return
	}
	now := br.now()
	self := br.self.Load()
	own := wire.MAC(br.mac)
	hooks := ifc.Stack().EtherIn().Active()
	state := m.State()
	var rxBytes, fwd, flooded, local, filtered, dropped, blocked uint64
	for i, b := range bufs {
		bufs[i] = nil
		rxBytes += uint64(b.PktLen())
		if b.Len() < wire.EthernetHeaderLen {
			dropped++
			b.Free()
			continue
		}
		if hooks && !ifc.EtherInHook(b) {
			dropped++
			continue
		}
		e := wire.Ethernet(b.Bytes())
		src, dst := e.Src(), e.Dst()
		if s := br.stp.Load(); s != nil && dst == bridgeGroup {
			s.receive(m, b) // in every state but disabled (8.4)
			b.Free()
			continue
		}
		if state < Learning {
			blocked++
			b.Free()
			continue
		}
		if src.IsMulticast() || src == own {
			// 802.1D 7.8 learns individual addresses only; our own source
			// coming back means a loop outside us.
			dropped++
			b.Free()
			continue
		}
		br.fdb.learn(src, m.slot, now)
		if state != Forwarding { // learning: addresses only (8.4.4)
			blocked++
			b.Free()
			continue
		}
		switch {
		case dst == own:
			local++
			br.up(self, b)
		case dst.IsMulticast():
			if reserved(dst) {
				dropped++
				b.Free()
				continue
			}
			if !m.mayFlood(now) {
				dropped++
				b.Free()
				continue
			}
			flooded++
			br.flood(&m.in, t, b, m.slot, self)
		default:
			o := br.fdb.lookup(dst, now)
			switch {
			case o < 0 || t.slot[o] == nil:
				if !m.mayFlood(now) {
					dropped++
					b.Free()
					continue
				}
				flooded++
				br.flood(&m.in, t, b, m.slot, nil)
			case o == m.slot:
				filtered++
				b.Free()
			case !t.slot[o].forwarding():
				blocked++
				b.Free()
			default:
				fwd++
				m.in.put(o, b)
			}
		}
	}
	m.in.flush(t, !br.o.NoFastPath)
	m.rxPackets.Add(uint64(len(bufs)))
	m.rxBytes.Add(rxBytes)
	if fwd != 0 {
		m.forwarded.Add(fwd)
	}
	if flooded != 0 {
		m.flooded.Add(flooded)
	}
	if local != 0 {
		m.local.Add(local)
	}
	if filtered != 0 {
		m.filtered.Add(filtered)
	}
	if blocked != 0 {
		m.blocked.Add(blocked)
		dropped += blocked
	}
	if dropped != 0 {
		m.dropped.Add(dropped)
	}
	m.inMu.Unlock()
}

// LinkInputFrame implements stack.LinkInput for one frame another L2
// layer hands the member (the member is a vlan interface).
func (m *Member) LinkInputFrame(ifc *stack.Interface, b *mbuf.Buf) {
	var one [1]*mbuf.Buf
	one[0] = b
	m.LinkInput(ifc, one[:])
}

// up hands b to the bridge interface's receive path.
func (br *Bridge) up(self *stack.Interface, b *mbuf.Buf) {
	if self == nil {
		br.localDrops.Add(1)
		b.Free()
		return
	}
	br.localIn.Add(1)
	self.InputFrame(b)
}

// flood stages b for every member but except; with self set the bridge
// interface gets the frame too. The bytes are never copied: the members
// get reference-counted clones (mbuf.Buf.Clone, read-only), and the
// original goes up through the bridge interface, or to the last member
// when there is no local delivery. A clone the pool cannot make is counted
// (CloneFails) and that member misses the frame.
func (br *Bridge) flood(r *relay, t *memberTable, b *mbuf.Buf, except int, self *stack.Interface) {
	targets := 0
	for _, x := range t.list {
		if x.slot != except && x.forwarding() {
			targets++
		}
	}
	if targets == 0 {
		if self != nil {
			br.up(self, b)
		} else {
			b.Free()
		}
		return
	}
	n := 0
	for _, x := range t.list {
		if x.slot == except || !x.forwarding() {
			continue
		}
		n++
		if self == nil && n == targets {
			r.put(x.slot, b)
			return
		}
		c := cloneChain(b)
		if c == nil {
			br.cloneFails.Add(1)
			continue
		}
		r.put(x.slot, c)
	}
	br.up(self, b)
}

// cloneChain clones every segment of b (Clone covers one segment), or
// returns nil when the pool has no header left.
func cloneChain(b *mbuf.Buf) *mbuf.Buf {
	head, err := b.Clone()
	if err != nil {
		return nil
	}
	last := head
	for s := b.Next(); s != nil; s = s.Next() {
		c, err := s.Clone()
		if err != nil {
			head.Free()
			return nil
		}
		last.SetNext(c)
		last = c
	}
	return head
}

// TxBurst implements port.Port: frames the bridge interface sends are
// relayed like received ones (known destination: its port; else every
// port). The bridge interface's transmit lock serialises calls. It takes
// every frame.
func (br *Bridge) TxBurst(bufs []*mbuf.Buf) int {
	t := br.members.Load()
	now := br.now()
	for i, b := range bufs {
		bufs[i] = nil
		if b.Len() < wire.EthernetHeaderLen {
			br.localDrops.Add(1)
			b.Free()
			continue
		}
		br.localOut.Add(1)
		dst := wire.Ethernet(b.Bytes()).Dst()
		o := -1
		if !dst.IsMulticast() {
			o = br.fdb.lookup(dst, now)
		}
		if o < 0 || t.slot[o] == nil {
			br.flood(&br.out, t, b, -1, nil)
			continue
		}
		if !t.slot[o].forwarding() {
			br.localDrops.Add(1)
			b.Free()
			continue
		}
		br.out.put(o, b)
	}
	br.out.flush(t, !br.o.NoFastPath)
	return len(bufs)
}

// mayFlood takes a token from the member's flood bucket (Options.FloodRate
// per second, bursts of a tenth of that). Out of tokens, it counts the
// frame and logs at most once a second: a storm that fills the bucket
// faster is what a loop without spanning tree looks like. inMu is held.
func (m *Member) mayFlood(now int64) bool {
	rate := int64(m.br.o.FloodRate)
	if rate < 0 {
		return true
	}
	burst := max(rate/10, 1)
	if m.lastFill == 0 {
		m.tokens, m.lastFill = burst, now
	}
	if add := (now - m.lastFill) * rate / 1e9; add > 0 {
		m.tokens = min(m.tokens+add, burst)
		m.lastFill = now
	}
	if m.tokens > 0 {
		m.tokens--
		return true
	}
	m.floodLimited.Add(1)
	if now-m.lastLog >= 1e9 || m.lastLog == 0 {
		m.lastLog = now
		m.ifc.Stack().Logger().Warn("bridge: flood rate limit reached; a loop without spanning tree?",
			"bridge", m.br.name, "member", m.ifc.Name(), "rate", rate, "limited", m.floodLimited.Load(), "moved", m.br.fdb.moved.Load())
	}
	return false
}
