package vlan

import (
	"sync/atomic"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/wire"
)

// Port is the device behind a vlan interface: it tags what the interface
// sends and passes it to the parent. It never receives on its own (the
// parent's trunk delivers into the interface), so the interface has no
// poller.
type Port struct {
	c      *Cloner
	parent *stack.Interface
	vid    uint16
	hwTag  bool // the parent's port inserts tags (port.VLANInsert)
	mtu    atomic.Int32
	ifc    atomic.Pointer[stack.Interface]
	bound  bool // in the trunk (under the cloner's mutex)
	events chan port.LinkState
	closed atomic.Bool

	rxPackets, rxBytes, txPackets, txBytes, txDropped atomic.Uint64
}

func newPort(c *Cloner, cfg Config) *Port {
	p := &Port{c: c, parent: cfg.Parent, vid: cfg.VID, events: make(chan port.LinkState, 1),
		hwTag: cfg.Parent.Port().Offloads().Has(port.VLANInsert)}
	p.mtu.Store(int32(cfg.Parent.MTU()))
	return p
}

// VID is the vlan's identifier.
func (p *Port) VID() uint16 { return p.vid }

// Parent is the interface the vlan's frames travel on.
func (p *Port) Parent() *stack.Interface { return p.parent }

// RxBurst implements port.Port: frames arrive through the parent's trunk,
// never here.
func (p *Port) RxBurst([]*mbuf.Buf) int { return 0 }

// TxBurst implements port.Port: each frame gets its 802.1Q tag (IEEE
// 802.1Q clause 9.5: TPID 0x8100 after the source address, then the TCI)
// and the batch goes to the parent. Frames without headroom for the tag
// are counted (TxDropped) and freed. It takes every frame.
func (p *Port) TxBurst(bufs []*mbuf.Buf) int {
	k := 0
	var bytes uint64
	for _, b := range bufs {
		if !p.tag(b) {
			p.txDropped.Add(1)
			b.Free()
			continue
		}
		bytes += uint64(b.PktLen())
		bufs[k] = b
		k++
	}
	p.txPackets.Add(uint64(k))
	p.txBytes.Add(bytes)
	p.parent.TransmitBurst(bufs[:k])
	clear(bufs)
	return len(bufs)
}

// tag inserts the tag into b (a whole frame) or asks the parent's port to.
func (p *Port) tag(b *mbuf.Buf) bool {
	if p.hwTag {
		b.Meta.Flags |= mbuf.FlagVLAN
		b.Meta.VLAN = p.vid
		return true
	}
	if b.Len() < wire.EthernetHeaderLen {
		return false
	}
	if _, err := b.Push(wire.VLANTagLen); err != nil {
		return false
	}
	d := b.Bytes()
	copy(d[:12], d[wire.VLANTagLen:wire.VLANTagLen+12])
	wire.Ethernet(d).SetType(wire.EtherTypeVLAN)
	wire.VLAN(d[wire.EthernetHeaderLen:]).SetTCI(p.vid) // PCP 0, DEI 0
	return true
}

// MAC implements port.Port: the parent's address.
func (p *Port) MAC() [6]byte { return p.parent.MAC() }

// MTU implements port.Port.
func (p *Port) MTU() int { return int(p.mtu.Load()) }

// SetMTU implements port.Port: at most the parent's MTU.
func (p *Port) SetMTU(mtu int) error {
	if mtu < 68 || mtu > p.parent.MTU() {
		return port.ErrMTU
	}
	p.mtu.Store(int32(mtu))
	return nil
}

// Offloads implements port.Port: none (checksums are computed in software
// before the tag is added).
func (p *Port) Offloads() port.Offloads { return 0 }

// Link implements port.Port: up from Add until Destroy.
func (p *Port) Link() port.LinkState {
	return port.LinkState{Up: !p.closed.Load(), SpeedMbps: p.parent.Port().Link().SpeedMbps, FullDuplex: true}
}

// LinkEvents implements port.Port.
func (p *Port) LinkEvents() <-chan port.LinkState { return p.events }

// Stats implements port.Port.
func (p *Port) Stats() port.Stats {
	return port.Stats{RxPackets: p.rxPackets.Load(), RxBytes: p.rxBytes.Load(),
		TxPackets: p.txPackets.Load(), TxBytes: p.txBytes.Load(), TxDropped: p.txDropped.Load()}
}

// Close takes the VID off the parent (stack.Destroy calls it after
// detaching the interface). Once it returns no frame reaches the interface.
// It must not run on the parent's receive goroutine.
func (p *Port) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	p.c.unbind(p)
	p.events <- port.LinkState{}
	close(p.events)
	return nil
}

var _ port.Port = (*Port)(nil)
