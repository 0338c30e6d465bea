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

// nullPort receives nothing and frees what it sends.
type nullPort struct {
	mac [6]byte
}

func (*nullPort) RxBurst([]*mbuf.Buf) int { return 0 }
func (*nullPort) TxBurst(bufs []*mbuf.Buf) int {
	for i, b := range bufs {
		bufs[i] = nil
		b.Free()
	}
	return len(bufs)
}
func (p *nullPort) MAC() [6]byte          { return p.mac }
func (*nullPort) MTU() int                { return 1500 }
func (*nullPort) SetMTU(int) error        { return nil }
func (*nullPort) Offloads() port.Offloads { return 0 }
func (*nullPort) Link() port.LinkState {
	return port.LinkState{Up: true, SpeedMbps: 10000, FullDuplex: true}
}
func (*nullPort) LinkEvents() <-chan port.LinkState { return nil }
func (*nullPort) Stats() port.Stats                 { return port.Stats{} }

const etBench wire.EtherType = 0x88b5 // IEEE 802 local experimental EtherType 1

type sink struct{}

func (sink) Attach(s *stack.Stack) error                 { return s.HandleEtherType(etBench, sink{}) }
func (sink) HandleEther(_ *stack.Interface, b *mbuf.Buf) { b.Free() }

func benchStack(b *testing.B) (*stack.Stack, *stack.Interface, *stack.Interface, *mbuf.Pool) {
	pool := stacktest.NewPool(b, 256)
	vc := vlan.NewCloner()
	s, err := stack.New(stack.Options{Pool: pool, Protocols: []stack.Protocol{sink{}}, Cloners: []stack.Cloner{vc}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close() })
	parent, err := s.Attach("eth0", &nullPort{mac: [6]byte{2, 0, 0, 0, 0, 1}}, stack.IfOptions{NoPoller: true})
	if err != nil {
		b.Fatal(err)
	}
	v5, err := vc.Add(s, "vlan5", vlan.Config{Parent: parent, VID: 5})
	if err != nil {
		b.Fatal(err)
	}
	return s, parent, v5, pool
}

// BenchmarkVLANInput: bursts of 32 frames tagged VID 5 through the parent's
// trunk (tag removed in place) into vlan5's Ethernet input, 0 allocations.
func BenchmarkVLANInput(b *testing.B) {
	_, parent, _, pool := benchStack(b)
	const burst = 32
	bufs := make([]*mbuf.Buf, burst)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += burst {
		k := min(burst, b.N-done)
		pool.Alloc(bufs[:k])
		for _, m := range bufs[:k] {
			d, _ := m.Append(64)
			e := wire.Ethernet(d)
			e.SetDst(parent.MAC())
			e.SetType(wire.EtherTypeVLAN)
			v := wire.VLAN(e.Payload())
			v.SetTCI(5)
			v.SetType(etBench)
		}
		parent.Input(bufs[:k])
	}
}

// BenchmarkVLANOutput: frames sent on vlan5 get their tag in the headroom
// and reach the parent's port in one TxBurst per burst, 0 allocations.
func BenchmarkVLANOutput(b *testing.B) {
	_, _, v5, pool := benchStack(b)
	const burst = 32
	bufs := make([]*mbuf.Buf, burst)
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; done += burst {
		k := min(burst, b.N-done)
		pool.Alloc(bufs[:k])
		for _, m := range bufs[:k] {
			_, _ = m.Append(46)
			v5.Output(m, wire.MAC{2, 0, 0, 0, 0, 2}, etBench)
		}
	}
}
