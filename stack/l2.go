package stack

import (
	"errors"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack/pfil"
	"github.com/gopkt/gopkt/stack/wire"
)

// The L2 seam: how bridges and VLANs sit between a port and the stack's
// Ethernet input, as NetBSD's ether_input hands a frame to if_bridge and to
// vlan_input before looking at its EtherType. It is three calls:
//
//   - SetLinkInput puts an L2 layer in front of an interface: every burst
//     the interface receives goes to LinkInput instead of the Ethernet
//     input (the bridge for its member ports, the vlan trunk for a parent).
//     One layer per interface.
//   - InputFrame is the whole receive path of one frame (the interface's
//     own L2 layer if it has one, then counters, taps, address filter,
//     hooks, EtherType demux): a layer calls it to hand a frame to another
//     interface — a vlan's frames, the bridge interface's frames.
//     EtherInput is the same without the L2 layer, for the frames that are
//     the layer's own interface's (a vlan parent's untagged frames).
//   - TransmitBurst sends frames the layer forwards: one TxBurst per burst
//     when no hook or tap needs to see them (the fast path), else one
//     Transmit per frame.
//
// Priority-tagged frames (an 802.1Q tag with VID 0, IEEE 802.1Q clause
// 9.6: "the frame does not belong to any VLAN", only its priority is
// carried) are the untagged interface's: Ethernet input removes the tag and
// goes on by the inner EtherType (untagPriority). Tags with another VID
// reach the Ethernet input only when no vlan takes them and are counted as
// InUnknownProto.

// LinkInput is an L2 layer in front of an interface's Ethernet input.
type LinkInput interface {
	// LinkInput takes ownership of every frame in bufs (clearing the
	// entries); it runs on the interface's receive goroutine, inside the
	// burst, so frames it transmits are batched (txq.go). b.Bytes() starts
	// at the Ethernet header; nothing has been counted or checked yet.
	LinkInput(ifc *Interface, bufs []*mbuf.Buf)
	// LinkInputFrame is the same for one frame that another L2 layer hands
	// to ifc with InputFrame (a vlan on a bridge interface, a bridge
	// member that is a vlan), from that layer's goroutine and burst.
	LinkInputFrame(ifc *Interface, b *mbuf.Buf)
}

type linkInput struct{ h LinkInput }

// ErrLinkInputBusy means the interface already has an L2 layer (it is a
// bridge member or a vlan parent already).
var ErrLinkInputBusy = errors.New("interface already has an L2 layer (bridge member or vlan parent)")

// SetLinkInput puts h in front of the interface's receive path. It fails
// with ErrLinkInputBusy when another layer is there.
func (ifc *Interface) SetLinkInput(h LinkInput) error {
	if !ifc.l2.CompareAndSwap(nil, &linkInput{h}) {
		return &OpError{Op: "set link input", Interface: ifc.name, Err: ErrLinkInputBusy,
			Fix: "remove the interface from its bridge or destroy its vlans first; put vlans on the bridge interface instead"}
	}
	return nil
}

// ClearLinkInput removes h (and only h) from the interface's receive path;
// it reports whether h was there. A burst already inside h finishes there.
func (ifc *Interface) ClearLinkInput(h LinkInput) bool {
	p := ifc.l2.Load()
	if p == nil || p.h != h {
		return false
	}
	return ifc.l2.CompareAndSwap(p, nil)
}

// InputFrame runs one frame through the interface's receive path as if its
// port had received it — its own L2 layer first, if it has one — and takes
// ownership of b. An L2 layer calls it from inside a receive burst
// (LinkInput), so replies are batched.
func (ifc *Interface) InputFrame(b *mbuf.Buf) {
	if h := ifc.l2.Load(); h != nil {
		h.h.LinkInputFrame(ifc, b)
		return
	}
	ifc.input(b)
}

// EtherInput runs one frame through the interface's Ethernet input (the
// receive path without its L2 layer) and takes ownership of b: the L2
// layer in front of ifc calls it for the frames that are ifc's own (a vlan
// trunk's untagged frames). It runs inside a receive burst.
func (ifc *Interface) EtherInput(b *mbuf.Buf) { ifc.input(b) }

// TransmitBurst sends complete frames the caller forwards (an L2 layer
// inside a receive burst) and takes ownership of all of them; bufs entries
// are cleared. With no Ethernet-out hook and no tap on the interface the
// burst goes to the port in one TxBurst, after what was queued before it
// (the fast path: no per-frame hook or tap work; on a port with several
// queues, one TxBurst per queue the burst's flows hash to, at the end of
// the receive burst); otherwise every frame takes Transmit.
func (ifc *Interface) TransmitBurst(bufs []*mbuf.Buf) {
	if len(bufs) == 0 {
		return
	}
	if ifc.s.etherOut.Active() || ifc.taps.Load() != nil {
		for i, b := range bufs {
			bufs[i] = nil
			ifc.Transmit(b)
		}
		return
	}
	c := &ifc.c
	if fl := Flags(ifc.flags.Load()); fl&(FlagUp|flagLinkDown) != FlagUp && !ifc.txAllowed(fl) {
		c.outDrops.Add(uint64(len(bufs)))
		for i, b := range bufs {
			bufs[i] = nil
			b.Free()
		}
		return
	}
	if len(ifc.txqs) > 1 {
		// Several transmit queues: each frame joins its flow's queue,
		// which the burst's end (or a full queue) hands to the port.
		for i, b := range bufs {
			bufs[i] = nil
			b.Meta.Port = uint16(ifc.index)
			b.Meta.Flags |= mbuf.FlagOutbound
			ifc.enqueue(b)
		}
		return
	}
	var bytes uint64
	for _, b := range bufs {
		b.Meta.Port = uint16(ifc.index)
		b.Meta.Flags |= mbuf.FlagOutbound
		bytes += uint64(b.PktLen())
	}
	tq := ifc.txqs[0]
	tq.mu.Lock()
	tq.flushLocked() // keep the order of frames queued earlier in the burst
	n := 0
	if tq.off {
		c.outLinkDown.Add(uint64(len(bufs)))
	} else {
		n = tq.q.TxBurst(bufs)
	}
	tq.mu.Unlock()
	clear(bufs[:n]) // the port owns them now: not even their length is ours to read
	for i, b := range bufs[n:] {
		bufs[n+i] = nil
		bytes -= uint64(b.PktLen())
		b.Free()
	}
	tq.count(n, bytes, len(bufs)-n)
}

// EtherInHook runs the stack's Ethernet-in hooks on a frame an L2 layer
// forwards (bridge member ports run them, as NetBSD's bridge runs pfil on
// members). It reports whether the frame goes on; a dropped frame is freed
// and counted on ifc. b.Bytes() must start at the Ethernet header.
func (ifc *Interface) EtherInHook(b *mbuf.Buf) bool {
	if !ifc.s.etherIn.Active() {
		return true
	}
	switch ifc.s.etherIn.Run(pfil.In, ifc.index, b) {
	case pfil.Drop:
		ifc.c.inDrops.Add(1)
		b.Free()
		return false
	case pfil.Consumed:
		return false
	}
	if len(b.Bytes()) < wire.EthernetHeaderLen {
		ifc.c.inErrors.Add(1)
		b.Free()
		return false
	}
	return true
}

// errPriorityTag is untagPriority's refusal: a tag with a VID (no vlan took
// it), a truncated tag, or a double tag.
var errPriorityTag = errors.New("not a priority tag")

// Writable returns b if it may be written, or a private copy of it (the
// shared buffer is freed): an L2 layer that must rewrite a frame the bridge
// flooded by reference (mbuf.Buf.Clone) to several places calls it. It
// returns nil, having freed b, when the pool has no buffer or the frame
// does not fit one segment.
func Writable(b *mbuf.Buf) *mbuf.Buf {
	if b.Writable() && b.Next() == nil {
		return b
	}
	n := b.PktLen()
	c, err := b.Pool().Get()
	if err != nil || n > c.Tailroom() {
		if c != nil {
			c.Free()
		}
		b.Free()
		return nil
	}
	d, _ := c.Append(n)
	b.CopyTo(d)
	c.Meta = b.Meta
	b.Free()
	return c
}

// untagPriority removes a priority tag (802.1Q with VID 0) from b, which
// starts at the Ethernet header, and returns the frame (b, or a private
// copy when b was shared) and the inner EtherType. A tag the port stripped
// (mbuf.FlagVLAN) with VID 0 is simply forgotten. The addresses move 4
// bytes towards the payload, so the frame is an untagged Ethernet frame in
// place (IEEE 802.1Q clause 9.6; NetBSD ether_input does the same for vlan
// 0). On error b is still the caller's (nil only if copying failed, with b
// freed).
func untagPriority(b *mbuf.Buf) (*mbuf.Buf, wire.EtherType, error) {
	if b.Meta.Flags&mbuf.FlagVLAN != 0 {
		if b.Meta.VLAN&0x0fff != 0 {
			return b, 0, errPriorityTag
		}
		b.Meta.Flags &^= mbuf.FlagVLAN
		et := wire.Ethernet(b.Bytes()).Type()
		if et != wire.EtherTypeVLAN {
			return b, et, nil
		}
	}
	d := b.Bytes()
	if len(d) < wire.EthernetHeaderLen+wire.VLANTagLen || wire.VLAN(d[wire.EthernetHeaderLen:]).VID() != 0 {
		return b, 0, errPriorityTag
	}
	if b = Writable(b); b == nil {
		return nil, 0, errPriorityTag
	}
	d = b.Bytes()
	et := wire.VLAN(d[wire.EthernetHeaderLen:]).Type()
	copy(d[wire.VLANTagLen:wire.VLANTagLen+12], d[:12])
	_, _ = b.Pull(wire.VLANTagLen)
	if et == wire.EtherTypeVLAN {
		return b, 0, errPriorityTag // a second tag: not ours to guess
	}
	return b, et, nil
}
