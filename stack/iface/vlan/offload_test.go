package vlan_test

import (
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/hw/port"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/vlan"
	"github.com/gopkt/gopkt/stack/stacktest"
	"github.com/gopkt/gopkt/stack/wire"
)

// offloadPort advertises tag insert and strip (as the e1000's VME does)
// and records what it is asked to send.
type offloadPort struct {
	nullPort
	sent []sentFrame
}

type sentFrame struct {
	flags mbuf.Flags
	vlan  uint16
	frame []byte
}

func (p *offloadPort) Offloads() port.Offloads { return port.VLANInsert | port.VLANStrip }
func (p *offloadPort) TxBurst(bufs []*mbuf.Buf) int {
	for i, b := range bufs {
		p.sent = append(p.sent, sentFrame{b.Meta.Flags, b.Meta.VLAN, append([]byte(nil), b.Bytes()...)})
		bufs[i] = nil
		b.Free()
	}
	return len(bufs)
}

// TestHardwareTagging: on a parent whose port inserts tags, frames leave
// untagged in the buffer with mbuf.FlagVLAN and the VID in Meta; frames
// the port stripped (FlagVLAN on receive) reach their vlan by Meta.VLAN,
// and a stripped VID 0 is the parent's own.
func TestHardwareTagging(t *testing.T) {
	pool := stacktest.NewPool(t, 64)
	vc := vlan.NewCloner()
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{sink{}}, Cloners: []stack.Cloner{vc}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := &offloadPort{nullPort: nullPort{mac: [6]byte{2, 0, 0, 0, 0, 1}}}
	parent, err := s.Attach("eth0", p, stack.IfOptions{NoPoller: true})
	if err != nil {
		t.Fatal(err)
	}
	v5, err := vc.Add(s, "vlan5", vlan.Config{Parent: parent, VID: 5})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pool.Get()
	_, _ = b.Append(46)
	v5.Output(b, wire.MAC{2, 0, 0, 0, 0, 2}, etBench)
	if len(p.sent) != 1 {
		t.Fatalf("%d frames sent", len(p.sent))
	}
	if f := p.sent[0]; f.flags&mbuf.FlagVLAN == 0 || f.vlan != 5 || len(f.frame) != 60 || wire.Ethernet(f.frame).Type() != etBench {
		t.Errorf("offloaded frame: flags %v vlan %d len %d type %v", f.flags, f.vlan, len(f.frame), wire.Ethernet(f.frame).Type())
	}
	// Receive: stripped tags.
	for _, c := range []struct {
		tci  uint16
		ifc  *stack.Interface
		name string
	}{{5, v5, "vid 5"}, {0x6000, parent, "priority tag"}} {
		before := c.ifc.Counters().InPackets
		rb, _ := pool.Get()
		d, _ := rb.Append(60)
		e := wire.Ethernet(d)
		e.SetDst(parent.MAC())
		e.SetType(etBench)
		rb.Meta.Flags |= mbuf.FlagVLAN
		rb.Meta.VLAN = c.tci
		parent.Input([]*mbuf.Buf{rb})
		if got := c.ifc.Counters(); got.InPackets != before+1 || got.InUnknownProto != 0 {
			t.Errorf("%s: counters %+v", c.name, got)
		}
	}
}
