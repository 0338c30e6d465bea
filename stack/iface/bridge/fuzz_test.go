package bridge_test

import (
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/bridge"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// FuzzBridgeInput relays arbitrary frames (and a second one, so the first
// can teach the bridge an address) between three members whose ports free
// what they send; no protocol is attached, so the bridge interface frees
// what it is given. The pool is full before and after each input and
// nothing panics; the filtering database is flushed between inputs by
// removing and re-adding the members.
func FuzzBridgeInput(f *testing.F) {
	bcast := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 0x08, 0x06}
	f.Add([]byte{}, []byte{}, uint8(0))
	f.Add(bcast, []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x88, 0xb5}, uint8(1))
	f.Add([]byte{1, 0x80, 0xc2, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0x26}, bcast, uint8(2))
	f.Add([]byte{2, 0, 0, 0, 0, 9, 3, 0, 0, 0, 0, 1, 0x08, 0x00}, []byte{1, 2, 3}, uint8(0))
	pool := stacktest.NewPool(f, 64)
	s, err := stack.New(stack.Options{Pool: pool, Cloners: []stack.Cloner{&bridge.Cloner{}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	br, err := (&bridge.Cloner{}).Add(s, "bridge0")
	if err != nil {
		f.Fatal(err)
	}
	var members []*stack.Interface
	for i := range 3 {
		ifc, err := s.Attach("m"+string(rune('0'+i)), &nullPort{mac: [6]byte{2, 0, 0, 1, 0, byte(i)}}, stack.IfOptions{NoPoller: true})
		if err != nil {
			f.Fatal(err)
		}
		members = append(members, ifc)
	}
	bufs := make([]*mbuf.Buf, 2)
	f.Fuzz(func(t *testing.T, a, b []byte, in uint8) {
		if n := pool.InUse(); n != 0 {
			t.Fatalf("%d mbufs in use before the input", n)
		}
		for _, m := range members {
			if _, err := br.AddMember(m); err != nil {
				t.Fatal(err)
			}
		}
		if pool.Alloc(bufs) != 2 {
			t.Fatal("pool empty")
		}
		for i, fr := range [][]byte{a, b} {
			fr = fr[:min(len(fr), mbuf.DataRoom)]
			d, _ := bufs[i].Append(len(fr))
			copy(d, fr)
		}
		members[int(in)%3].Input(bufs[:1])
		members[int(in/3)%3].Input(bufs[1:])
		for _, m := range members {
			if err := br.RemoveMember(m); err != nil {
				t.Fatal(err)
			}
		}
		if n := pool.InUse(); n != 0 {
			t.Fatalf("%d mbufs in use after the input", n)
		}
	})
}
