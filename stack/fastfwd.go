package stack

import (
	"sync"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/wire"
)

// Routed fast forwarding (NetBSD's ipflow, netinet/ip_flow.c; io-pkt's fast
// forward): a protocol with a flow cache registers a FastForwarder for its
// EtherType, and an interface's receive burst offers it every frame sent to
// the interface's own MAC before the Ethernet input runs. A frame whose
// flow is known is rewritten for its egress by the protocol and staged here
// per egress interface; each egress gets its staged frames in one
// TransmitBurst (one TxBurst unless an Ethernet-out hook or a tap needs to
// see each frame). Every other frame takes the full receive path
// (ifc.input), after the frames staged before it are sent, so frames keep
// their order on each egress.
//
// The fast path steps aside (every frame takes the full path) on a
// loopback, while the interface is down, has a tap (taps see a frame as it arrived, before the
// rewrite) or an Ethernet-in hook is installed, and for frames of an L2
// layer (bridge members and vlan parents: their frames reach interfaces
// one by one through InputFrame). What the protocol requires of a packet is
// its own business (stack/ipv4 fastfwd.go).

// FastForwarder is the flow cache of one network protocol.
type FastForwarder interface {
	// FastForward gets a frame unicast to in's MAC (b.Bytes() at the
	// Ethernet header, one segment). When the packet's flow is cached it
	// rewrites b for the egress (L3 header and Ethernet header) and
	// returns the egress interface: b is the caller's to transmit. Else
	// it returns nil and leaves b as it was, for the full receive path.
	// It runs on in's receive goroutine, many at once for different
	// interfaces, and must not allocate.
	FastForward(in *Interface, b *mbuf.Buf) *Interface
	// FastForwarded is called once per burst with how many frames
	// FastForward took, so per-packet counters cost one update per burst.
	FastForwarded(n int)
}

// maxFastForwarders bounds the registrations (IPv4 and IPv6).
const maxFastForwarders = 2

type fastEntry struct {
	t wire.EtherType
	f FastForwarder
}

// HandleFastForward registers f for frames of EtherType t. Only protocols
// call it, from Attach (the table is fixed after New).
func (s *Stack) HandleFastForward(t wire.EtherType, f FastForwarder) error {
	if s.frozen {
		return &OpError{Op: "handle fast forward " + t.String(), Err: ErrFrozen, Fix: "register from Protocol.Attach"}
	}
	for _, e := range s.fast {
		if e.t == t {
			return &OpError{Op: "handle fast forward " + t.String(), Err: ErrExists}
		}
	}
	if len(s.fast) == maxFastForwarders {
		return &OpError{Op: "handle fast forward " + t.String(), Err: ErrExists, Fix: "at most one for IPv4 and one for IPv6"}
	}
	s.fast = append(s.fast, fastEntry{t, f})
	return nil
}

// fastStage holds a burst's fast-forwarded frames until they are sent.
// Each receive queue has one (rxq.go). It belongs to the burst that holds
// mu (the queue's receive goroutine; a second goroutine calling Input or
// Poll on the same queue at once, as a test draining every interface may,
// takes the full path instead); its slices are made on the first burst and
// reused.
type fastStage struct {
	mu   sync.Mutex
	bufs []*mbuf.Buf
	outs []*Interface
	tmp  []*mbuf.Buf
}

// inputFast is Input's loop when fast forwarders are registered.
func (ifc *Interface) inputFast(st *fastStage, bufs []*mbuf.Buf) {
	s := ifc.s
	if ifc.Flags()&(FlagUp|FlagLoopback) != FlagUp || s.EtherIn().Active() || ifc.taps.Load() != nil {
		for i, b := range bufs {
			bufs[i] = nil
			ifc.input(b)
		}
		return
	}
	if !st.mu.TryLock() {
		for i, b := range bufs {
			bufs[i] = nil
			ifc.input(b)
		}
		return
	}
	defer st.mu.Unlock()
	if st.bufs == nil {
		n := max(ifc.burst, len(bufs))
		st.bufs, st.outs, st.tmp = make([]*mbuf.Buf, 0, n), make([]*Interface, 0, n), make([]*mbuf.Buf, 0, n)
	}
	var took [maxFastForwarders]int
	var packets, bytes uint64
	for i, b := range bufs {
		bufs[i] = nil
		n := b.PktLen() // as received (the rewrite may trim link padding)
		if out, j := ifc.fastForward(b); out != nil {
			packets++
			bytes += uint64(n)
			took[j]++
			if len(st.bufs) == cap(st.bufs) {
				ifc.flushFast(st)
			}
			st.bufs = append(st.bufs, b)
			st.outs = append(st.outs, out)
			continue
		}
		ifc.flushFast(st) // what was staged before b goes first
		ifc.input(b)
	}
	ifc.flushFast(st)
	if packets != 0 {
		ifc.c.inPackets.Add(packets)
		ifc.c.inBytes.Add(bytes)
		for j, n := range took {
			if n != 0 {
				s.fast[j].f.FastForwarded(n)
			}
		}
	}
}

// fastForward offers b to the forwarder of its EtherType; it returns the
// egress (nil: full path) and the forwarder's index.
func (ifc *Interface) fastForward(b *mbuf.Buf) (*Interface, int) {
	d := b.Bytes()
	if len(d) < wire.EthernetHeaderLen || b.Next() != nil || b.Meta.Flags&mbuf.FlagVLAN != 0 {
		return nil, 0
	}
	e := wire.Ethernet(d)
	if e.Dst() != ifc.mac {
		return nil, 0
	}
	t := e.Type()
	for j := range ifc.s.fast {
		if ifc.s.fast[j].t == t {
			return ifc.s.fast[j].f.FastForward(ifc, b), j
		}
	}
	return nil, 0
}

// flushFast sends the staged frames, one TransmitBurst per egress, in the
// order they were staged within each egress.
func (ifc *Interface) flushFast(st *fastStage) {
	for len(st.bufs) > 0 {
		out := st.outs[0]
		tmp := st.tmp[:0]
		k := 0
		for i, b := range st.bufs {
			if st.outs[i] == out {
				tmp = append(tmp, b)
				continue
			}
			st.bufs[k], st.outs[k] = b, st.outs[i]
			k++
		}
		clear(st.bufs[k:])
		clear(st.outs[k:])
		st.bufs, st.outs = st.bufs[:k], st.outs[:k]
		out.TransmitBurst(tmp)
		st.tmp = tmp[:0]
	}
}
