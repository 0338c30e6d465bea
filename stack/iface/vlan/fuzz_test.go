package vlan_test

import (
	"testing"

	"github.com/gopkt/gopkt/hw/mbuf"
	"github.com/gopkt/gopkt/stack"
	"github.com/gopkt/gopkt/stack/iface/vlan"
	"github.com/gopkt/gopkt/stack/stacktest"
)

// FuzzTrunkInput feeds arbitrary frames (tag in the bytes, or stripped into
// mbuf.Meta as a port with VLANStrip reports it) to a parent with vlan5 and
// vlan7. No protocol is attached, so every frame ends freed within Input:
// the pool is full before and after each input, and nothing panics.
func FuzzTrunkInput(f *testing.F) {
	for _, seed := range [][]byte{
		{},
		make([]byte, 13),
		append(make([]byte, 12), 0x81, 0x00),
		append(make([]byte, 12), 0x81, 0x00, 0x00),
		append(make([]byte, 12), 0x81, 0x00, 0x00, 0x05, 0x08, 0x00, 0x45),
		append(make([]byte, 12), 0x81, 0x00, 0x60, 0x00, 0x08, 0x06),
		append(make([]byte, 12), 0x81, 0x00, 0x00, 0x00, 0x81, 0x00, 0x00, 0x07, 0x08, 0x00),
		append(make([]byte, 12), 0x08, 0x00, 0x45, 0x00),
	} {
		f.Add(seed, false, uint16(0))
	}
	f.Add(append(make([]byte, 12), 0x08, 0x00), true, uint16(5))
	f.Add(append(make([]byte, 12), 0x81, 0x00, 0x00, 0x07, 0x08, 0x00), true, uint16(0x2000))
	pool := stacktest.NewPool(f, 64)
	vc := vlan.NewCloner()
	s, err := stack.New(stack.Options{Pool: pool, Cloners: []stack.Cloner{vc}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	parent, err := s.Attach("eth0", &nullPort{mac: [6]byte{2, 0, 0, 0, 0, 1}}, stack.IfOptions{NoPoller: true, Flags: stack.FlagPromisc})
	if err != nil {
		f.Fatal(err)
	}
	for _, vid := range []uint16{5, 7} {
		if _, err := vc.Add(s, "vlan"+string(rune('0'+vid)), vlan.Config{Parent: parent, VID: vid}); err != nil {
			f.Fatal(err)
		}
	}
	bufs := make([]*mbuf.Buf, 1)
	f.Fuzz(func(t *testing.T, frame []byte, stripped bool, tci uint16) {
		if n := pool.InUse(); n != 0 {
			t.Fatalf("%d mbufs in use before the input", n)
		}
		if len(frame) > mbuf.DataRoom {
			frame = frame[:mbuf.DataRoom]
		}
		if pool.Alloc(bufs) != 1 {
			t.Fatal("pool empty")
		}
		d, _ := bufs[0].Append(len(frame))
		copy(d, frame)
		if stripped {
			bufs[0].Meta.Flags |= mbuf.FlagVLAN
			bufs[0].Meta.VLAN = tci
		}
		parent.Input(bufs)
		if n := pool.InUse(); n != 0 {
			t.Fatalf("%d mbufs in use after the input", n)
		}
	})
}
