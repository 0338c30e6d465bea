package vlan_test

import (
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/bridge"
	"github.com/gopkt/gopkt/stack/iface/vlan"
	"github.com/gopkt/gopkt/stack/ipv4"
	"github.com/gopkt/gopkt/stack/link"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// TestVLANOnBridge: a vlan on a bridge interface (the bridge hands its
// frames up with InputFrame, which runs the bridge interface's vlan trunk;
// the vlan sends through the bridge's TransmitBurst). Host A tags VID 5 on
// its link to member m0; bridge0 carries vlan5; host B on member m1 is
// untagged.
//
//	A eth0.vlan5 --link-- m0 [bridge0 + vlan5 on bridge0] m1 --link-- B eth0
func TestVLANOnBridge(t *testing.T) {
	pool := stacktest.NewPool(t, 512)
	bg, err := mbuf.NewBudget(pool, mbuf.BudgetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a := newHost(t, pool, bg)
	b := newHost(t, pool, bg)
	ip := ipv4.New(ipv4.Options{})
	vc := vlan.NewCloner()
	s, err := stack.New(stack.Options{Pool: pool, Budget: bg, Protocols: []stack.Protocol{ip}, Cloners: []stack.Cloner{vc, &bridge.Cloner{}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	br, err := (&bridge.Cloner{}).Add(s, "bridge0")
	if err != nil {
		t.Fatal(err)
	}
	var hostIfc []*stack.Interface
	for i, h := range []*host{a, b} {
		pa, pb := link.Pair(link.Options{A: [6]byte{2, 0, 0, 0, 0x50, byte(i)}, B: [6]byte{2, 0, 0, 0, 0x51, byte(i)}})
		t.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
		hi, err := h.s.Attach("eth0", pa, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		hostIfc = append(hostIfc, hi)
		m, err := s.Attach("m"+string(rune('0'+i)), &copyPort{Port: pb}, stack.IfOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := br.AddMember(m); err != nil {
			t.Fatal(err)
		}
	}
	self := s.InterfaceByName("bridge0")
	addr(t, s, self, "198.18.4.100/24")
	v5, err := vc.Add(s, "vlan5", vlan.Config{Parent: self, VID: 5})
	if err != nil {
		t.Fatal(err)
	}
	addr(t, s, v5, "198.18.5.100/24")
	a.add(t, "vlan5", hostIfc[0], 5, "198.18.5.1/24")
	addr(t, b.s, hostIfc[1], "198.18.4.2/24")
	if err := ping(t, a.ip, "198.18.5.100"); err != nil {
		t.Errorf("host A pings vlan5 on the bridge: %v", err)
	}
	if err := ping(t, ip, "198.18.5.1"); err != nil {
		t.Errorf("vlan5 on the bridge pings host A: %v", err)
	}
	if err := ping(t, b.ip, "198.18.4.100"); err != nil {
		t.Errorf("untagged host B pings the bridge: %v", err)
	}
	// A tagged broadcast is flooded by reference to m1 and handed up to
	// bridge0: its trunk copies the shared frame before untagging it.
	before := v5.Counters().InPackets
	f := append(append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 2, 9, 9, 9, 9, 9), 0x81, 0x00, 0x00, 0x05, 0x88, 0xb5)
	inject(t, s.InterfaceByName("m0"), append(f, make([]byte, 46)...))
	if got := v5.Counters().InPackets; got != before+1 {
		t.Errorf("flooded tagged broadcast: vlan5 InPackets %d, want %d (trunk %+v)", got, before+1, vc.Stats(self))
	}
}

// copyPort is a link end whose transmissions are copied into fresh
// buffers, as a wire does (the bridge floods read-only clones, which a
// peer stack on an in-memory link would otherwise receive shared).
type copyPort struct{ *link.Port }

func (w *copyPort) TxBurst(bufs []*mbuf.Buf) int {
	out := make([]*mbuf.Buf, 0, len(bufs))
	for i, b := range bufs {
		bufs[i] = nil
		if c, err := b.Pool().Get(); err == nil {
			d, _ := c.Append(b.PktLen())
			b.CopyTo(d)
			out = append(out, c)
		}
		b.Free()
	}
	w.Port.TxBurst(out)
	return len(bufs)
}
